/**
 * Absolute-form requests (`POST http://<uuid-or-fqdn>:16992/wsman`) relayed to the device as
 * origin-form over a channel of their own, as MPS does: one channel per request, closed when
 * the response has been read (`Connection: close` towards the device).
 *
 * The device side runs through node:http's client with `createConnection` returning the channel
 * rather than a parser of our own: llhttp already handles status lines, header limits,
 * Content-Length, chunked and close-delimited bodies, 1xx and HEAD, and streams with
 * backpressure (the response is paused when the console does not drain, which pauses the
 * channel, which withholds window credit from the device). The console side keeps its
 * keep-alive: hop-by-hop headers are per connection, so a device's `Connection: close` (AMT's
 * 401) closes only the channel.
 */

import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import type { ConsoleContext } from './context.js'
import type { ConnectedDevice } from './directory.js'
import type { ConsoleRemote } from './events.js'
import { checkProxyAuth, openTarget, remoteOf, type Refusal } from './http-admission.js'
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

/** Bytes of the request head exactly as node:http writes it (headers are latin1 on the wire). */
export function requestHeadLength(method: string, path: string, headers: readonly string[]): number {
  let length = method.length + 1 + path.length + 11
  for (let i = 0; i + 1 < headers.length; i += 2) length += (headers[i] as string).length + 2 + (headers[i + 1] as string).length + 2
  return length + 2
}

interface ByteCounts {
  toDevice: number
  toConsole: number
}

/** Channel bytes both ways: the response as read, the request as node:http writes it. */
function countBytes(req: IncomingMessage, upstream: http.ClientRequest, headLength: number): ByteCounts {
  const counts: ByteCounts = { toDevice: headLength, toConsole: 0 }
  const chunked = req.headers['transfer-encoding'] !== undefined
  upstream.on('socket', (socket) => {
    socket.on('data', (chunk: Buffer) => {
      counts.toConsole += chunk.length
    })
  })
  req.on('data', (chunk: Buffer) => {
    // Chunked towards the device: node:http frames each write as `<hex size>\r\n<data>\r\n`.
    counts.toDevice += chunked ? chunk.length.toString(16).length + 4 + chunk.length : chunk.length
  })
  if (chunked) req.once('end', () => (counts.toDevice += 5))
  return counts
}

function forward(ctx: ConsoleContext, state: HttpProxyState, relay: Relay): void {
  const { req, res, target, device, channel, remote } = relay
  const method = req.method ?? 'GET'
  const headers = requestHeadersForDevice(req, target)
  const started = performance.now()
  let aborted = false
  let response: IncomingMessage | null = null
  ctx.emit({ type: 'console-opened', protocol: 'http', deviceUuid: device.uuid, port: target.port, ...remote })
  const upstream = http.request({ method, path: target.path, headers, createConnection: () => channel, maxHeaderSize: ctx.maxHeaderBytes })
  const counts = countBytes(req, upstream, requestHeadLength(method, target.path, headers))
  req.on('error', () => upstream.destroy())
  req.pipe(upstream)
  upstream.on('response', (incoming: IncomingMessage) => {
    response = incoming
    relayResponse(state, incoming, req, res, () => (aborted = true))
  })
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    // After a complete response the channel's end is no news (the device closed it first).
    if (response?.complete === true) return
    aborted = true
    const why = error.code === 'HPE_HEADER_OVERFLOW' ? 'response headers too large' : 'closed the channel before answering'
    replyWithError(res, 502, `device ${shortDeviceName(device)}: ${why}`, { close: state.closing || hasUnreadBody(req) })
  })
  res.on('close', () => {
    aborted ||= !res.writableFinished
    if (aborted) upstream.destroy()
    if (!req.complete) {
      // The device answered without reading everything; the console connection closes
      // (Connection: close was sent), so discard the rest rather than leave it paused.
      req.unpipe(upstream)
      req.resume()
    }
    const durationMs = Math.round(performance.now() - started)
    const totals = { bytesToDevice: counts.toDevice, bytesToConsole: counts.toConsole, durationMs, aborted }
    ctx.emit({ type: 'console-closed', protocol: 'http', deviceUuid: device.uuid, port: target.port, ...remote, ...totals })
  })
}

function relayResponse(state: HttpProxyState, response: IncomingMessage, req: IncomingMessage, res: ServerResponse, markAborted: () => void): void {
  const headers = withoutHopByHop(response.rawHeaders)
  // A response before the whole request was read leaves the console stream mid-body: close it.
  if (state.closing || hasUnreadBody(req)) headers.push('Connection', 'close')
  res.writeHead(response.statusCode ?? 502, response.statusMessage, headers)
  response.on('error', () => {
    // The device went away mid-body: the console must see a truncated response, not a short one.
    markAborted()
    res.destroy()
  })
  response.pipe(res)
}
