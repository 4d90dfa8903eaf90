/**
 * What both HTTP paths (absolute-form relay and CONNECT) check before any byte reaches a
 * device, in this order: proxy credentials (407), the port against AllowCONNECT (403), the
 * device (502, fast: a lookup in memory), then the channel (see target.ts for each status).
 * Each refusal is reported as a ConsoleEvent.
 */

import type { Duplex } from 'node:stream'
import { checkBasicAuthorization } from './credentials.js'
import type { ConsoleContext } from './context.js'
import { ChannelOpenError, type ConnectedDevice } from './directory.js'
import type { ConsoleProtocol, ConsoleRemote } from './events.js'
import { PROXY_AUTHENTICATE } from './http-replies.js'
import { describeFailure, findDevice, HTTP_STATUS_FOR_FAILURE, openChannelWithin } from './target.js'

export interface Refusal {
  readonly status: number
  readonly line: string
  /** Extra response headers (flat name/value list). */
  readonly extra?: readonly string[]
}

/** null when the console may use the proxy. */
export function checkProxyAuth(ctx: ConsoleContext, header: string | undefined, remote: ConsoleRemote): Refusal | null {
  if (ctx.checkCredentials === null) return null
  const verdict = checkBasicAuthorization(header, ctx.checkCredentials)
  if (verdict === 'ok') return null
  ctx.emit({ type: 'proxy-auth-failed', reason: verdict, ...remote })
  return { status: 407, line: 'proxy authentication required', extra: PROXY_AUTHENTICATE }
}

export type Admission = { readonly ok: true; readonly device: ConnectedDevice; readonly channel: Duplex } | ({ readonly ok: false } & Refusal)

/** Port policy, device lookup and channel open. Never rejects. */
export async function openTarget(ctx: ConsoleContext, protocol: ConsoleProtocol, remote: ConsoleRemote, host: string, port: number): Promise<Admission> {
  if (!ctx.allowedPorts.has(port)) {
    ctx.emit({ type: 'blocked-port', protocol, name: host, port, ...remote })
    return { ok: false, status: 403, line: `port ${port} is not allowed` }
  }
  const device = findDevice(ctx, host)
  if (device === undefined) {
    ctx.emit({ type: 'unknown-device', protocol, name: host, ...remote })
    return { ok: false, status: 502, line: `device ${host}: not connected` }
  }
  try {
    const channel = await openChannelWithin(device, port, { address: remote.remoteAddress, port: remote.remotePort }, ctx.openTimeoutMs)
    return { ok: true, device, channel }
  } catch (error) {
    const failure = error instanceof ChannelOpenError ? error : new ChannelOpenError('disconnected', String(error))
    ctx.emit({ type: 'channel-refused', protocol, deviceUuid: device.uuid, port, kind: failure.kind, reasonCode: failure.reasonCode, ...remote })
    const extra = failure.kind === 'channel-limit' ? ['Retry-After', '1'] : []
    return { ok: false, status: HTTP_STATUS_FOR_FAILURE[failure.kind], line: describeFailure(device, port, failure), extra }
  }
}

export function remoteOf(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }): ConsoleRemote {
  return { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 }
}
