/**
 * The device listeners: APF over TLS (terminated here) and APF in the clear (behind a TLS
 * terminator such as stunnel). Both feed the same DeviceConnection. One shared sweep checks
 * every connection's auth and idle deadlines; there are no timers per connection.
 *
 * On the TLS listener, a source address over the auth-failure limit is refused at accept, before
 * any TLS work. The plain listener sits behind a TLS terminator, whose address every device shares.
 */

import { createServer as createNetServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, DEFAULT_CIPHERS, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls'
import type { ListenAddress } from '../config.js'
import { listenOn, stopListening } from '../listen.js'
import { readProxyHeader, type ProxiedPeer } from './proxy-header.js'
import { DeviceConnection, type ConnectionHost } from './connection.js'
import type { DeviceContext } from './context.js'

export interface DeviceTlsMaterial {
  readonly cert: string
  readonly key: string
  /** CA for device certificates: turns on mutual TLS. */
  readonly ca: string | null
  /** TLS 1.0/1.1 and AES128-SHA for old firmware (OpenSSL 3 needs @SECLEVEL=0 and an RSA key). */
  readonly legacy: boolean
}

export function tlsContextOptions(material: DeviceTlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.ca === null ? {} : { ca: material.ca }),
    minVersion: material.legacy ? 'TLSv1' : 'TLSv1.2',
    ...(material.legacy ? { ciphers: `${DEFAULT_CIPHERS}:AES128-SHA:@SECLEVEL=0` } : {}),
  }
}

export class DeviceServer {
  readonly connections = new Set<DeviceConnection>()
  private readonly ctx: DeviceContext
  private tlsServer: TlsServer | null = null
  private plainServer: Server | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  private sweeps = 0
  /**
   * Connections with a deadline due within seconds (DeviceConnection.hasNearDeadline), checked at
   * every sweep; the idle deadline of the others needs a look only every quarter of it. At
   * 19,000 idle devices that is a walk over 19,000 objects every 22 s instead of every second.
   */
  private readonly watched = new Set<DeviceConnection>()
  /** Shared by every connection instead of closures per socket. */
  private readonly host: ConnectionHost = {
    forget: (connection) => {
      this.connections.delete(connection)
      this.watched.delete(connection)
    },
    watch: (connection) => void this.watched.add(connection),
  }

  constructor(ctx: DeviceContext) {
    this.ctx = ctx
  }

  /** Sweep often enough for the shortest deadline to be met within a quarter of itself. */
  get sweepIntervalMs(): number {
    const c = this.ctx.config
    return Math.max(20, Math.min(1000, Math.floor(Math.min(c.authTimeoutMs, c.idleTimeoutMs) / 4)))
  }

  /** Every how many sweeps all connections are checked: the idle deadline, met within a quarter of itself. */
  get fullSweepEvery(): number {
    return Math.max(1, Math.floor(Math.floor(this.ctx.config.idleTimeoutMs / 4) / this.sweepIntervalMs))
  }

  async listenTls(address: ListenAddress, backlog: number, material: DeviceTlsMaterial): Promise<ListenAddress> {
    const server = createTlsServer({
      ...tlsContextOptions(material),
      requestCert: material.ca !== null,
      rejectUnauthorized: material.ca !== null,
      handshakeTimeout: this.ctx.config.authTimeoutMs,
    })
    server.on('connection', (raw: Socket) => this.screen(raw))
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket, 'tls'))
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.ctx.stats.connectionErrors++
      this.ctx.logger.info({ event: 'connection-error', remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, code: error.code, err: error.message }, 'device TLS handshake failed')
    })
    this.tlsServer = server
    this.startSweep()
    return listenOn(server, address, backlog)
  }

  async listenPlain(address: ListenAddress, backlog: number): Promise<ListenAddress> {
    // Without a PROXY header no per-address limit here: behind a TLS terminator every device has
    // the terminator's address, and one device's failures must not lock the others out.
    const server = createNetServer((socket) => (this.ctx.config.proxyProtocol ? this.acceptProxiedSafely(socket) : this.accept(socket, 'plain')))
    this.plainServer = server
    this.startSweep()
    return listenOn(server, address, backlog)
  }

  /** New certificate and key (SIGHUP): new handshakes use them, connected devices stay. */
  reloadTls(material: DeviceTlsMaterial): boolean {
    if (this.tlsServer === null) return false
    this.tlsServer.setSecureContext(tlsContextOptions(material))
    return true
  }

  /** Stop accepting new devices (both listeners); resolves once every device socket is gone too. */
  stopAccepting(): Promise<void> {
    return Promise.all([this.tlsServer, this.plainServer].map((s) => (s === null ? undefined : stopListening(s)))).then(() => undefined)
  }

  /** DISCONNECT(BY_APPLICATION) to every device, then stop the sweep once all are gone. */
  async disconnectAll(timeoutMs: number): Promise<void> {
    for (const connection of this.connections) connection.disconnect('shutdown')
    const deadline = Date.now() + timeoutMs
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    this.stopSweep()
  }

  async close(): Promise<void> {
    const stopped = this.stopAccepting()
    await this.disconnectAll(3000)
    await stopped
  }

  /** False (socket destroyed) when the source address is over its failure limit. */
  private screen(socket: Socket): boolean {
    // Nothing over its limit (the usual case): no getpeername on the raw socket, whose answer
    // would also stay cached on it for the connection's life.
    if (this.ctx.limiter.size === 0) return true
    if (this.screenAddress(socket.remoteAddress ?? '')) return true
    socket.destroy()
    return false
  }

  /** False (counted, logged) when the address is over its auth-failure limit. */
  private screenAddress(address: string): boolean {
    if (this.ctx.limiter.size === 0 || !this.ctx.limiter.isBlocked(address, Date.now())) return true
    this.ctx.stats.rateLimitedConnections++
    this.ctx.logger.debug({ event: 'connection-refused', remote: address, reason: 'rate-limited' }, 'source address over its auth-failure limit')
    return false
  }

  private acceptProxiedSafely(socket: Socket): void {
    this.acceptProxied(socket).catch((error: unknown) => {
      socket.destroy()
      this.ctx.stats.generalErrors++
      this.ctx.logger.error({ event: 'general-error', err: error }, 'device connection after a PROXY header failed')
    })
  }

  /** The terminator's PROXY header first: the device's address, screened like a TLS device's. */
  private async acceptProxied(socket: Socket): Promise<void> {
    const outcome = await readProxyHeader(socket, this.ctx.config.authTimeoutMs)
    if (outcome.kind === 'failed') {
      this.ctx.stats.connectionErrors++
      const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`
      this.ctx.logger.info({ event: 'connection-error', remote, code: 'PROXY_HEADER', err: outcome.reason }, 'no valid PROXY protocol header from the TLS terminator')
      return void socket.destroy()
    }
    const peer = outcome.peer
    if (peer !== null && !this.screenAddress(peer.address)) return void socket.destroy()
    this.accept(socket, 'plain', peer)
    // Paused by the header reader so no APF byte was emitted to nobody; the connection listens now.
    socket.resume()
  }

  private accept(socket: Socket, transport: 'tls' | 'plain', peer: ProxiedPeer | null = null): void {
    if (socket.destroyed) return
    socket.setNoDelay(true)
    this.ctx.stats.deviceConnectionsAccepted++
    // One shared host instead of a once('close') wrapper per socket: ~250 bytes a device.
    const connection = new DeviceConnection(socket, this.ctx, transport, Date.now(), this.host, peer)
    this.connections.add(connection)
    this.watched.add(connection)
  }

  private startSweep(): void {
    if (this.sweepTimer !== null) return
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs)
    this.sweepTimer.unref()
  }

  private stopSweep(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    this.sweepTimer = null
  }

  private sweep(): void {
    const now = Date.now()
    const all = ++this.sweeps % this.fullSweepEvery === 0
    for (const connection of all ? this.connections : this.watched) {
      try {
        connection.checkDeadlines(now)
      } catch (error) {
        connection.abort(error)
      }
      if (connection.hasNearDeadline) this.watched.add(connection)
      else this.watched.delete(connection)
    }
    if (this.sweeps % 64 === 0) this.ctx.limiter.prune(now)
  }
}
