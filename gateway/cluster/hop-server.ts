/**
 * The internal listener: other instances bring consoles here for devices whose tunnels this
 * instance holds. One request frame (hop-frame.ts), then the device's channel is opened exactly
 * as for a local console (same deadline, same failure kinds) and relayed with the same tunnel
 * code, so backpressure reaches both sockets. Only devices held here are served: a hop never
 * hops again, whatever a stale view elsewhere believed. A request whose seal, time or nonce does
 * not pass the guard (hop-guard.ts) is answered `refused` and closed before any lookup.
 */

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Logger } from 'pino'
import { endAndLinger } from '../console/connections.js'
import { ChannelOpenError, type ConnectedDevice } from '../console/directory.js'
import { openChannelWithin } from '../console/target.js'
import { runTunnel, type TunnelTotals } from '../console/tunnel.js'
import type { ListenAddress } from '../config.js'
import { decodeHopRequest, encodeHopReply, HOP_MAX_REQUEST, type HopRequest } from './hop-frame.js'
import type { HopGuard, HopVerdict } from './hop-guard.js'

/** A peer instance sends its request right after connecting; anything slower is not one. */
const REQUEST_DEADLINE_MS = 5000

export interface HopServerOptions {
  /** Devices held here, by UUID. */
  readonly lookup: (uuid: string) => ConnectedDevice | undefined
  readonly openTimeoutMs: number
  readonly logger: Logger
  /** The cluster secret (empty: none) the requests are sealed with. */
  readonly key: Buffer
  readonly guard: HopGuard
}

const REFUSAL: Readonly<Record<Exclude<HopVerdict, 'ok'>, string>> = {
  forged: 'hop request not authenticated: its seal does not match this instance\'s cluster secret',
  stale: 'hop request not authenticated: sent too long ago, or the instances\' clocks differ',
  replayed: 'hop request not authenticated: its nonce was seen before (a replayed frame)',
}

export class HopServer {
  readonly server: Server
  private readonly options: HopServerOptions
  private readonly sockets = new Set<Socket>()
  hopsOpened = 0
  hopsRefused = 0
  hopsUnauthenticated = 0

  constructor(options: HopServerOptions) {
    this.options = options
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket))
  }

  get activeConnections(): number {
    return this.sockets.size
  }

  /** Its own port even under node:cluster (`exclusive`): peers must reach this process, not any. */
  listen(address: ListenAddress, backlog: number): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ host: address.host, port: address.port, backlog, exclusive: true }, () => {
        this.server.off('error', reject)
        const bound = this.server.address() as AddressInfo
        resolve({ host: bound.address, port: bound.port })
      })
    })
  }

  /** Stop accepting; relays get `drainMs` to finish, then are cut. */
  async close(drainMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()))
    if (this.sockets.size > 0 && drainMs > 0) await waitUntilEmpty(this.sockets, drainMs)
    for (const socket of this.sockets) socket.destroy()
    await closed
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => undefined)
    let buffered: Buffer = Buffer.alloc(0)
    const timer = setTimeout(() => socket.destroy(), REQUEST_DEADLINE_MS)
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      const decoded = decodeHopRequest(buffered, this.options.key)
      if (decoded.kind === 'need-more') {
        if (buffered.length > HOP_MAX_REQUEST) socket.destroy()
        return
      }
      clearTimeout(timer)
      socket.off('data', onData)
      socket.pause()
      if (decoded.kind === 'error') {
        this.options.logger.warn({ event: 'cluster-hop-malformed', remote: socket.remoteAddress, code: decoded.error.code, err: decoded.error.message }, 'not a hop request')
        return void socket.destroy()
      }
      const verdict = this.options.guard.check(decoded.frame.request, decoded.frame.authentic, Date.now())
      if (verdict !== 'ok') return this.refuseUnauthenticated(socket, decoded.frame.request, verdict)
      this.serve(socket, decoded.frame.request, buffered.subarray(decoded.length))
    }
    socket.on('data', onData)
    socket.on('close', () => clearTimeout(timer))
  }

  private serve(socket: Socket, request: HopRequest, early: Buffer): void {
    const device = this.options.lookup(request.uuid)
    if (device === undefined) return this.refuse(socket, request, new ChannelOpenError('disconnected', `device ${request.uuid} is not connected to this instance`))
    const origin = { address: request.originAddress, port: request.originPort }
    openChannelWithin(device, request.port, origin, this.options.openTimeoutMs).then(
      (channel) => {
        if (socket.destroyed) return void channel.destroy()
        this.hopsOpened++
        socket.write(encodeHopReply({ status: 'open', reasonCode: null, message: '' }))
        const fields = { event: 'cluster-hop', deviceId: request.uuid, port: request.port, remote: `${request.originAddress}:${request.originPort}`, via: socket.remoteAddress }
        this.options.logger.debug(fields, 'console from another instance relayed')
        runTunnel(socket, channel, early, (totals: TunnelTotals) => this.options.logger.debug({ ...fields, event: 'cluster-hop-closed', ...totals }, 'relay for another instance closed'))
      },
      (error: unknown) => this.refuse(socket, request, error instanceof ChannelOpenError ? error : new ChannelOpenError('disconnected', String(error))),
    )
  }

  private refuseUnauthenticated(socket: Socket, request: HopRequest, verdict: Exclude<HopVerdict, 'ok'>): void {
    this.hopsUnauthenticated++
    this.options.logger.warn({ event: 'cluster-hop-unauthenticated', remote: socket.remoteAddress, deviceId: request.uuid, port: request.port, verdict }, REFUSAL[verdict])
    endAndLinger(socket, encodeHopReply({ status: 'refused', reasonCode: null, message: REFUSAL[verdict] }))
  }

  private refuse(socket: Socket, request: HopRequest, error: ChannelOpenError): void {
    this.hopsRefused++
    this.options.logger.debug({ event: 'cluster-hop-refused', deviceId: request.uuid, port: request.port, kind: error.kind }, 'hop refused')
    endAndLinger(socket, encodeHopReply({ status: error.kind, reasonCode: error.reasonCode, message: error.message }))
  }
}

function waitUntilEmpty(sockets: Set<Socket>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs
    const timer = setInterval(() => {
      if (sockets.size === 0 || Date.now() >= deadline) {
        clearInterval(timer)
        resolve()
      }
    }, 25)
  })
}
