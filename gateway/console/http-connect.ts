/**
 * CONNECT host:port through the HTTP proxy: after the admission checks, `200 Connection
 * Established` and a byte tunnel to the device's port (redirection on 16994/16995, TLS WS-MAN
 * on 16993...). Refusals are answered on the raw socket, which is then closed.
 */

import type { IncomingMessage } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { ConsoleContext } from './context.js'
import { checkProxyAuth, openTarget, remoteOf } from './http-admission.js'
import { replyOnSocket } from './http-replies.js'
import { parseAuthorityForm } from './http-target.js'
import { runTunnel } from './tunnel.js'

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n'

export function handleConnect(ctx: ConsoleContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // Hold whatever follows the CONNECT in the kernel until the channel is open.
  socket.pause()
  socket.on('error', () => undefined)
  void connectTunnel(ctx, req, socket, head)
}

async function connectTunnel(ctx: ConsoleContext, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const remote = remoteOf(req.socket)
  const denied = checkProxyAuth(ctx, req.headers['proxy-authorization'], remote)
  if (denied !== null) return replyOnSocket(socket, denied.status, denied.line, denied.extra)
  const target = parseAuthorityForm(req.url ?? '')
  if (!target.ok) {
    ctx.emit({ type: 'malformed-request', protocol: 'connect', code: 'bad-target', ...remote })
    return replyOnSocket(socket, 400, target.reason)
  }
  const { host, port } = target.value
  const admission = await openTarget(ctx, 'connect', remote, host, port)
  if (!admission.ok) return replyOnSocket(socket, admission.status, admission.line, admission.extra)
  const { device, channel } = admission
  if (socket.destroyed) {
    channel.destroy()
    return
  }
  socket.write(ESTABLISHED)
  ctx.emit({ type: 'console-opened', protocol: 'connect', deviceUuid: device.uuid, port, ...remote })
  const started = performance.now()
  runTunnel(socket, channel, head, (totals) => {
    const durationMs = Math.round(performance.now() - started)
    ctx.emit({ type: 'console-closed', protocol: 'connect', deviceUuid: device.uuid, port, ...remote, ...totals, durationMs })
  })
}
