/**
 * The HTTP proxy listener for consoles: absolute-form requests relayed to a device's port
 * (http-relay.ts) and CONNECT tunnels (http-connect.ts), with optional Basic proxy
 * authentication. node:http parses the console side, with header-size and header-time limits;
 * input it refuses gets a one-line 400/408/431 and only that connection is closed.
 */

import http from 'node:http'
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { closeServer, ConsoleConnections } from './connections.js'
import { resolveConsoleContext, type ConsoleContext, type ConsoleListener, type ConsoleProxyOptions } from './context.js'
import { handleConnect } from './http-connect.js'
import { remoteOf } from './http-admission.js'
import { handleRequest, type HttpProxyState } from './http-relay.js'
import { replyOnSocket } from './http-replies.js'

export function createHttpProxy(options: ConsoleProxyOptions): ConsoleListener {
  const ctx = resolveConsoleContext(options)
  const state: HttpProxyState = { closing: false }
  const connections = new ConsoleConnections()
  const server = http.createServer({
    maxHeaderSize: ctx.maxHeaderBytes,
    headersTimeout: ctx.handshakeTimeoutMs,
    requestTimeout: Math.max(ctx.requestTimeoutMs, ctx.handshakeTimeoutMs),
    // Node checks those two deadlines only this often (default 30 s, which would let a slow
    // client hold a socket for 40 s against a 10 s limit).
    connectionsCheckingInterval: Math.min(1000, ctx.handshakeTimeoutMs),
    noDelay: true,
  })
  server.maxConnections = ctx.maxConnections
  server.on('connection', (socket) => connections.add(socket))
  server.on('request', (req, res) => handleRequest(ctx, state, req, res))
  server.on('connect', (req, socket, head) => handleConnect(ctx, req, socket, head))
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(ctx, error, socket))
  let closing: Promise<void> | null = null
  return {
    server,
    get activeConnections() {
      return connections.size
    },
    close(drainMs: number): Promise<void> {
      state.closing = true
      closing ??= closeServer(server, connections, drainMs)
      server.closeIdleConnections()
      return closing
    },
  }
}

const CLIENT_ERROR_STATUS: Readonly<Record<string, [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request not received in time'],
}

function answerClientError(ctx: ConsoleContext, error: NodeJS.ErrnoException, socket: Duplex): void {
  const code = error.code ?? 'unknown'
  if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
    socket.destroy()
    return
  }
  const remote = socket instanceof Socket ? remoteOf(socket) : { remoteAddress: '', remotePort: 0 }
  ctx.emit({ type: 'malformed-request', protocol: 'http', code, ...remote })
  const [status, line] = CLIENT_ERROR_STATUS[code] ?? [400, `malformed request (${code})`]
  replyOnSocket(socket, status, line)
}
