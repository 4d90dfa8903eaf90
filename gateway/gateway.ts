/**
 * One gateway: device listeners, console proxies, admin API, presence, counters, metrics,
 * webhooks. Built from a frozen config and a logger; reads no environment and never exits (the
 * composition root in main.ts does that), so tests can run several in one process.
 */

import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, isIP, type Server } from 'node:net'
import type { Logger } from 'pino'
import { AdminApi } from './admin/api.js'
import { createMetricsRegistry } from './admin/metrics.js'
import { WebhookSender } from './admin/webhooks.js'
import type { GatewayConfig, ListenAddress, LogLevel } from './config.js'
import { formatHostPort } from './config-values.js'
import type { ConnectedDevice, DeviceDirectory } from './console/directory.js'
import type { ConsoleEvent } from './console/events.js'
import { createConsoleEventHandler } from './console-bridge.js'
import type { DeviceConnection } from './device/connection.js'
import { buildSessionPolicy, decoderLimitsFor, type DeviceContext, type DeviceRelay } from './device/context.js'
import { CredentialStore } from './device/credentials.js'
import { FailureRateLimiter } from './device/rate-limit.js'
import { DeviceServer, type DeviceTlsMaterial } from './device/server.js'
import { GatewayEvents } from './events.js'
import { listenOn, stopListening } from './listen.js'
import { InMemoryPresence } from './presence.js'
import type { GatewayCluster } from './cluster/gateway-cluster.js'
import { GatewayStats } from './stats.js'

/** What the console-side listeners return (gateway/console/http-proxy.ts, socks5-server.ts). */
export interface ConsoleListener {
  readonly server: Server
  close(drainMs: number): Promise<void>
  readonly activeConnections: number
}

export interface ConsoleListenerOptions {
  readonly directory: DeviceDirectory
  readonly allowedPorts: ReadonlySet<number>
  readonly logger: Logger
  readonly onEvent?: (event: ConsoleEvent) => void
  readonly auth?: { readonly username: string; readonly password: string } | null
  readonly openTimeoutMs?: number
  readonly addressMap?: ReadonlyMap<string, string>
}

export interface ConsoleFactories {
  readonly http?: (options: ConsoleListenerOptions) => ConsoleListener
  readonly socks?: (options: ConsoleListenerOptions) => ConsoleListener
}

export interface GatewayOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Certificate and key for the TLS device listener (required when it is on). */
  readonly tls: DeviceTlsMaterial | null
  readonly consoles?: ConsoleFactories
  /** Presence shared with other instances (gateway/cluster); absent: this gateway alone. */
  readonly cluster?: GatewayCluster | null
}

export type ListenerName = 'deviceTls' | 'devicePlain' | 'http' | 'socks' | 'api' | 'internal'

/** Listener name to `host:port` actually bound; listeners turned off are absent. */
export type BoundListeners = Partial<Record<ListenerName, string>>

export class Gateway {
  readonly config: GatewayConfig
  readonly logger: Logger
  readonly stats = new GatewayStats()
  readonly events = new GatewayEvents()
  readonly presence = new InMemoryPresence<DeviceConnection>()
  readonly devices: DeviceServer
  readonly directory: DeviceDirectory
  readonly bound: BoundListeners = {}
  private readonly options: GatewayOptions
  private readonly webhooks: WebhookSender
  private readonly api: AdminApi
  private readonly consoles: ConsoleListener[] = []
  private udp4: UdpSocket | null = null
  private udp6: UdpSocket | null = null
  private connIds = 0
  private stopping: Promise<void> | null = null

  constructor(options: GatewayOptions) {
    this.options = options
    this.config = options.config
    this.logger = options.logger
    const devices = this.config.devices
    const ctx: DeviceContext = {
      policy: buildSessionPolicy(devices),
      config: devices,
      credentials: new CredentialStore(devices.credentials),
      presence: this.presence,
      stats: this.stats,
      events: this.events,
      logger: this.logger,
      limiter: new FailureRateLimiter(devices.failureLimit, devices.failureWindowMs),
      relay: this.relay(),
      decoderLimits: decoderLimitsFor(devices),
      nextConnId: () => ++this.connIds,
    }
    this.devices = new DeviceServer(ctx)
    const presence = this.presence
    // A device held by another instance of the cluster is reached through that instance.
    const cluster = options.cluster ?? null
    this.directory = { lookup: (name: string): ConnectedDevice | undefined => presence.lookup(name) ?? cluster?.lookup(name) }
    this.webhooks = new WebhookSender(
      { urls: this.config.api.webhooks, retries: this.config.api.webhookRetries, queueSize: this.config.api.webhookQueueSize },
      this.stats,
      this.logger,
    )
    this.events.subscribe((event) => {
      if (event.type === 'connected' || event.type === 'disconnected') this.webhooks.enqueue(event)
    })
    this.api = new AdminApi({
      token: this.config.api.token,
      events: this.events,
      metrics: createMetricsRegistry({
        stats: this.stats,
        devicesOnline: () => this.presence.size,
        deviceConnections: () => this.devices.connections.size,
        openChannels: () => this.openChannels(),
        consoleConnections: () => this.consoles.reduce((n, c) => n + c.activeConnections, 0),
      }),
      listDevices: (scope) => {
        const local = this.presence.list().map((d) => d.snapshot())
        if (scope === 'local' || cluster === null) return local
        return [...local.map((d) => ({ ...d, instance: cluster.instanceId, local: true })), ...cluster.listRemote()]
      },
      findDevice: (id) => this.presence.lookup(id) ?? cluster?.findRemote(id),
      stats: () => this.statsBody(),
      getLogLevel: () => this.logger.level,
      setLogLevel: (level) => this.setLogLevel(level),
    })
  }

  /** Start every listener that is on; resolves with the addresses bound. */
  async start(): Promise<BoundListeners> {
    const { listen } = this.config
    const backlog = listen.backlog
    const bind = async (name: ListenerName, address: ListenAddress | null, start: (a: ListenAddress) => Promise<ListenAddress>) => {
      if (address !== null) this.bound[name] = formatHostPort(await start(address))
    }
    const cluster = this.options.cluster
    if (cluster) {
      const host = { presence: this.presence, logger: this.logger, stats: this.stats, openTimeoutMs: this.config.console.openTimeoutMs, backlog }
      this.bound.internal = await cluster.start(host)
    }
    await bind('deviceTls', listen.deviceTls, (a) => {
      if (this.options.tls === null) throw new Error('the TLS device listener is on but no certificate was given')
      return this.devices.listenTls(a, backlog, this.options.tls)
    })
    await bind('devicePlain', listen.devicePlain, (a) => this.devices.listenPlain(a, backlog))
    const consoleOptions: ConsoleListenerOptions = {
      directory: this.directory,
      allowedPorts: new Set(this.config.console.allowedPorts),
      logger: this.logger,
      onEvent: createConsoleEventHandler({ stats: this.stats, logger: this.logger, events: this.events, presence: this.presence }),
      auth: this.config.console.auth,
      openTimeoutMs: this.config.console.openTimeoutMs,
      addressMap: new Map(Object.entries(this.config.console.addressMap)),
    }
    await bind('http', listen.http, (a) => this.startConsole('http', a, consoleOptions))
    await bind('socks', listen.socks, (a) => this.startConsole('socks', a, consoleOptions))
    await bind('api', listen.api, (a) => listenOn(this.api.server, a, backlog))
    if (this.config.devices.credentials.length === 0) {
      this.logger.warn({ event: 'no-credentials' }, 'no device credentials configured: every device will fail authentication')
    }
    this.logger.info({ event: 'gateway-ready', listeners: this.bound }, 'gateway listening')
    return { ...this.bound }
  }

  /** SIGHUP: new certificate and key for new handshakes; connected devices stay. */
  reloadTls(material: DeviceTlsMaterial): boolean {
    const done = this.devices.reloadTls(material)
    this.logger.info({ event: 'tls-reloaded', applied: done }, 'device TLS certificate reloaded')
    return done
  }

  setLogLevel(level: LogLevel): void {
    const previous = this.logger.level
    this.logger.level = level
    this.logger.info({ event: 'log-level-changed', from: previous, to: level }, 'log level changed')
  }

  /**
   * Graceful stop: no new connections, consoles get `drainMs` to finish, devices get
   * DISCONNECT(BY_APPLICATION), then everything is closed. Safe to call twice.
   */
  shutdown(drainMs = this.config.shutdownDrainMs): Promise<void> {
    this.stopping ??= this.stop(drainMs)
    return this.stopping
  }

  private async stop(drainMs: number): Promise<void> {
    this.logger.info({ event: 'gateway-stopping', drainMs, devices: this.presence.size }, 'gateway stopping')
    // Stop accepting everywhere at once; each promise settles when that listener's sockets are gone.
    const stopped = [this.devices.stopAccepting(), ...this.consoles.map((c) => stopListening(c.server))]
    await Promise.all(this.consoles.map((c) => c.close(drainMs)))
    await this.devices.disconnectAll(3000)
    // After the devices left, so their removals reach the shared presence before it closes.
    await this.options.cluster?.stop(0)
    this.api.closeStreams()
    const apiStopped = stopListening(this.api.server)
    this.api.server.closeAllConnections()
    await Promise.all([...stopped, apiStopped])
    await this.webhooks.close()
    this.udp4?.close()
    this.udp6?.close()
    this.logger.info({ event: 'gateway-stopped' }, 'gateway stopped')
  }

  private startConsole(kind: 'http' | 'socks', address: ListenAddress, options: ConsoleListenerOptions): Promise<ListenAddress> {
    const factory = this.options.consoles?.[kind]
    if (factory === undefined) throw new Error(`no ${kind} console listener is available in this build`)
    const listener = factory(options)
    this.consoles.push(listener)
    return listenOn(listener.server, address, this.config.listen.backlog)
  }

  private openChannels(): number {
    let n = 0
    for (const connection of this.devices.connections) n += connection.openChannels
    return n
  }

  private statsBody(): Record<string, unknown> {
    return {
      ...this.stats.toJSON(),
      devicesOnline: this.presence.size,
      deviceConnections: this.devices.connections.size,
      openChannels: this.openChannels(),
      consoleConnections: this.consoles.reduce((n, c) => n + c.activeConnections, 0),
    }
  }

  private relay(): DeviceRelay {
    return {
      connectTcp: (host, port) => connect({ host, port }),
      sendUdp: (host, port, data) => {
        const socket = isIP(host) === 6 ? (this.udp6 ??= this.udpSocket('udp6')) : (this.udp4 ??= this.udpSocket('udp4'))
        socket.send(data, port, host)
      },
    }
  }

  private udpSocket(type: 'udp4' | 'udp6'): UdpSocket {
    const socket = createSocket(type)
    socket.on('error', (error) => this.logger.info({ event: 'connection-error', side: 'udp-relay', err: error.message }, 'UDP relay error'))
    socket.unref()
    return socket
  }
}
