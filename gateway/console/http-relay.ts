/**
 * Absolute-form requests (`POST http://<uuid-or-fqdn>:16992/wsman`) relayed to the device as
 * origin-form over a channel of their own, as MPS does: one channel per request, closed when
 * the response has been read (`Connection: close` towards the device).
 *
 * The device side is http-exchange.ts: the request head is written from what the proxy server
 * already parsed, and the response is read only as far as needed to find its end (Content-Length,
 * chunked or close-delimited, 1xx and HEAD), with backpressure both ways (the channel is paused
 * when the console does not drain, which withholds window credit from the device). It replaced
 * node:http's client here for CPU per request. The console side keeps its keep-alive:
 * hop-by-hop headers are per connection, so a device's `Connection: close` (AMT's 401) closes
 * only the channel.
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { ConsoleContext } from './context.js'
import type { ConnectedDevice } from './directory.js'
import type { ConsoleRemote } from './events.js'
import { checkProxyAuth, openTarget, remoteOf, type Refusal } from './http-admission.js'
import { runExchange } from './http-exchange.js'
import { replyWithError } from './http-replies.js'
import { headerValue, parseAbsoluteForm, withoutHopByHop, type HttpTarget } from './http-target.js'
import { shortDeviceName } from './target.js'

/** Mutable state shared by a listener's handlers: set once close() starts. */
export interface HttpProxyState {
  closing: boolean
}

// Node sends these without a body and without framing headers; any other method without a
// body gets `Content-Length: 0` so Node does not switch to chunked on its own.
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE'])

export function handleRequest(ctx: ConsoleContext, state: HttpProxyState, req: IncomingMessage, res: ServerResponse): void {
  void relayRequest(ctx, state, req, res)
}

function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

async function relayRequest(ctx: ConsoleContext, state: HttpProxyState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const remote = remoteOf(req.socket)
  const refuse = (r: Refusal): void => replyWithError(res, r.status, r.line, { close: state.closing || hasUnreadBody(req), extra: r.extra ?? [] })
  const denied = checkProxyAuth(ctx, req.headers['proxy-authorization'], remote)
  if (denied !== null) return refuse(denied)
  const target = parseAbsoluteForm(req.url ?? '')
  if (!target.ok) {
    ctx.emit({ type: 'malformed-request', protocol: 'http', code: 'bad-target', ...remote })
    return refuse({ status: 400, line: target.reason })
  }
  const admission = await openTarget(ctx, 'http', remote, target.value.host, target.value.port)
  if (!admission.ok) return refuse(admission)
  if (res.destroyed || req.socket.destroyed) {
    admission.channel.destroy()
    return
  }
  forward(ctx, state, { req, res, target: target.value, device: admission.device, channel: admission.channel, remote })
}

interface Relay {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly target: HttpTarget
  readonly device: ConnectedDevice
  readonly channel: Duplex
  readonly remote: ConsoleRemote
}

/** Headers for the device: hop-by-hop gone, Host from the target (RFC 9112 §3.2.2), exact framing. */
export function requestHeadersForDevice(req: IncomingMessage, target: HttpTarget): string[] {
  const headers = withoutHopByHop(req.rawHeaders)
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if ((headers[i] as string).toLowerCase() === 'host') headers.splice(i, 2)
  }
  headers.unshift('Host', target.authority)
  if (req.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked')
  else if (headerValue(headers, 'content-length') === undefined && !BODYLESS_METHODS.has(req.method ?? 'GET')) headers.push('Content-Length', '0')
  headers.push('Connection', 'close')
  return headers
}

/** The request line and headers as the device gets them (headers are latin1 on the wire). */
export function encodeRequestHead(method: string, path: string, headers: readonly string[]): Buffer {
  let text = `${method} ${path} HTTP/1.1\r\n`
  for (let i = 0; i + 1 < headers.length; i += 2) text += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`
  return Buffer.from(`${text}\r\n`, 'latin1')
}

function forward(ctx: ConsoleContext, state: HttpProxyState, relay: Relay): void {
  const { req, res, target, device, channel, remote } = relay
  const method = req.method ?? 'GET'
  const chunked = req.headers['transfer-encoding'] !== undefined
  const length = req.headers['content-length']
  const started = performance.now()
  runExchange({
    req,
    res,
    channel,
    head: encodeRequestHead(method, target.path, requestHeadersForDevice(req, target)),
    chunked,
    bodyless: !chunked && (length === undefined || length === '0'),
    maxHeaderBytes: ctx.maxHeaderBytes,
    deviceName: shortDeviceName(device),
    closeConsole: () => state.closing || hasUnreadBody(req),
    opened: () => ctx.emit({ type: 'console-opened', protocol: 'http', deviceUuid: device.uuid, port: target.port, ...remote }),
    done: (totals) => {
      const durationMs = Math.round(performance.now() - started)
      ctx.emit({ type: 'console-closed', protocol: 'http', deviceUuid: device.uuid, port: target.port, ...remote, ...totals, durationMs })
    },
  })
}
