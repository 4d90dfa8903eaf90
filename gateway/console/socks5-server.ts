/**
 * The SOCKS5 listener (RFC 1928 with RFC 1929 credentials) for consoles: CONNECT to a device
 * named by FQDN or UUID (remote DNS: the name travels to the gateway), or by an IPv4/IPv6
 * literal mapped to a device name. The handshake is the pure step function of
 * socks5-session.ts; this file owns sockets, the handshake deadline and the events.
 */

import net, { type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import { ReplyCode, nameReplyCode, type RequestMessage } from '../../protocol/socks5/index.js'
import { closeServer, ConsoleConnections, endAndLinger } from './connections.js'
import { resolveConsoleContext, type ConsoleContext, type ConsoleListener, type ConsoleProxyOptions } from './context.js'
import { ChannelOpenError } from './directory.js'
import type { ConsoleRemote } from './events.js'
import { encodeSocksReply, stepSocksHandshake, type SocksHandshakePhase, type SocksHandshakeStep } from './socks5-session.js'
import { findDevice, openChannelWithin, SOCKS_REPLY_FOR_FAILURE } from './target.js'
import { runTunnel } from './tunnel.js'

export function createSocksProxy(options: ConsoleProxyOptions): ConsoleListener {
  const ctx = resolveConsoleContext(options)
  const logger = ctx.logger.child({ listener: 'socks5' })
  const connections = new ConsoleConnections()
  const server = net.createServer({ noDelay: true }, (socket) => {
    connections.add(socket)
    startSocksConnection(ctx, logger, socket)
  })
  server.maxConnections = ctx.maxConnections
  let closing: Promise<void> | null = null
  return {
    server,
    get activeConnections() {
      return connections.size
    },
    close(drainMs: number): Promise<void> {
      closing ??= closeServer(server, connections, drainMs)
      return closing
    },
  }
}

function startSocksConnection(ctx: ConsoleContext, logger: Logger, socket: Socket): void {
  const remote: ConsoleRemote = { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 }
  let phase: SocksHandshakePhase = 'greeting'
  let pending: Buffer = Buffer.alloc(0)
  const deadline = setTimeout(() => {
    ctx.emit({ type: 'malformed-request', protocol: 'socks', code: 'handshake-timeout', ...remote })
    socket.destroy()
  }, ctx.handshakeTimeoutMs)
  socket.once('close', () => clearTimeout(deadline))
  socket.on('error', (error) => logger.debug({ err: error, ...remote }, 'console socket error'))

  const onData = (chunk: Buffer): void => {
    // Bounded: a step consumes every complete message, and a SOCKS5 message is at most 513 bytes.
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    for (;;) {
      const step = stepSocksHandshake(phase, pending, ctx.checkCredentials)
      if (step.kind === 'need-more') return
      if (step.kind === 'continue') {
        socket.write(step.send)
        pending = pending.subarray(step.consumed)
        phase = step.phase
        continue
      }
      clearTimeout(deadline)
      socket.removeListener('data', onData)
      if (step.kind === 'reject') {
        rejectHandshake(ctx, socket, remote, step)
        return
      }
      // Hold anything after the request in the kernel until the channel is open.
      socket.pause()
      void connectToDevice(ctx, logger, socket, remote, step.request, pending.subarray(step.consumed))
      return
    }
  }
  socket.on('data', onData)
}

function rejectHandshake(ctx: ConsoleContext, socket: Socket, remote: ConsoleRemote, step: Extract<SocksHandshakeStep, { kind: 'reject' }>): void {
  if (step.reason === 'malformed') ctx.emit({ type: 'malformed-request', protocol: 'socks', code: step.code, ...remote })
  else if (step.reason === 'no-method') ctx.emit({ type: 'socks-auth-failed', reason: 'no-method', ...remote })
  else if (step.reason === 'auth-failed') ctx.emit({ type: 'socks-auth-failed', reason: 'invalid', ...remote })
  endAndLinger(socket, step.send)
}

/** Policy, lookup, channel; then the success reply and the tunnel. Never rejects. */
async function connectToDevice(
  ctx: ConsoleContext,
  logger: Logger,
  socket: Socket,
  remote: ConsoleRemote,
  request: RequestMessage,
  early: Buffer,
): Promise<void> {
  const { port } = request
  const name = request.address.host
  const refuse = (reply: number): void => {
    logger.debug({ ...remote, name, port, reply: nameReplyCode(reply) }, 'socks request refused')
    endAndLinger(socket, encodeSocksReply(reply))
  }
  if (!ctx.allowedPorts.has(port)) {
    ctx.emit({ type: 'blocked-port', protocol: 'socks', name, port, ...remote })
    return refuse(ReplyCode.NOT_ALLOWED_BY_RULESET)
  }
  const device = findDevice(ctx, name)
  if (device === undefined) {
    ctx.emit({ type: 'unknown-device', protocol: 'socks', name, ...remote })
    return refuse(ReplyCode.HOST_UNREACHABLE)
  }
  const origin = { address: remote.remoteAddress, port: remote.remotePort }
  let channel
  try {
    channel = await openChannelWithin(device, port, origin, ctx.openTimeoutMs)
  } catch (error) {
    const failure = error instanceof ChannelOpenError ? error : new ChannelOpenError('disconnected', String(error))
    ctx.emit({ type: 'channel-refused', protocol: 'socks', deviceUuid: device.uuid, port, kind: failure.kind, reasonCode: failure.reasonCode, ...remote })
    return refuse(SOCKS_REPLY_FOR_FAILURE[failure.kind])
  }
  if (socket.destroyed) {
    channel.destroy()
    return
  }
  socket.write(encodeSocksReply(ReplyCode.SUCCEEDED))
  ctx.emit({ type: 'console-opened', protocol: 'socks', deviceUuid: device.uuid, port, ...remote })
  const started = performance.now()
  runTunnel(socket, channel, early, (totals) => {
    const durationMs = Math.round(performance.now() - started)
    ctx.emit({ type: 'console-closed', protocol: 'socks', deviceUuid: device.uuid, port, ...remote, ...totals, durationMs })
  })
}
