/**
 * What a Gateway needs from the cluster, in one object built by the composition root: the
 * internal listener (hop-server.ts), the node that mirrors presence into the shared store
 * (node.ts), and the view of devices held elsewhere, offered to the console side as ordinary
 * ConnectedDevices (remote-device.ts) and to the admin API as snapshots.
 */

import type { Logger } from 'pino'
import type { ListenAddress } from '../config.js'
import { formatHostPort } from '../config-values.js'
import type { ConnectedDevice } from '../console/directory.js'
import type { DeviceConnection } from '../device/connection.js'
import type { Presence } from '../presence.js'
import type { GatewayStats } from '../stats.js'
import { DEFAULT_HOP_MAX_NONCES, DEFAULT_HOP_WINDOW_MS, HopGuard } from './hop-guard.js'
import { HopServer } from './hop-server.js'
import { ClusterNode } from './node.js'
import { RemoteDevice } from './remote-device.js'
import type { FleetEntry, PresenceStore } from './store.js'

export interface ClusterHost {
  readonly presence: Presence<DeviceConnection>
  readonly logger: Logger
  readonly stats: GatewayStats
  /** The console side's channel-open deadline, used for hops too. */
  readonly openTimeoutMs: number
  readonly backlog: number
}

/** A device held by another instance, as the admin API lists it. */
export interface RemoteDeviceSnapshot {
  readonly uuid: string
  readonly hostname: string | null
  readonly instance: string
  readonly internalAddress: string
  readonly remoteAddress: string
  readonly connectedSince: string
  readonly lastSeen: string
  readonly local: false
}

/** The admin API's handle on a device held elsewhere: DELETE asks its instance through the store. */
export interface RemoteAdminDevice {
  snapshot(): RemoteDeviceSnapshot
  disconnect(label: 'admin'): void
}

export interface GatewayClusterOptions {
  readonly instanceId: string
  readonly bootId: string
  readonly internalListen: ListenAddress
  readonly store: PresenceStore
  readonly ttlMs: number
  /** The cluster secret hops are sealed with; null: none (loopback only, see safety.ts). */
  readonly secret: Buffer | null
  /** How long start() waits for the store before going on without it. */
  readonly storeWaitMs?: number
}

const NO_KEY = Buffer.alloc(0)

export class GatewayCluster {
  readonly instanceId: string
  private readonly options: GatewayClusterOptions
  private hop: HopServer | null = null
  private node: ClusterNode<DeviceConnection> | null = null
  private openTimeoutMs = 10_000
  private logger: Logger | null = null

  constructor(options: GatewayClusterOptions) {
    this.options = options
    this.instanceId = options.instanceId
  }

  private get hopKey(): Buffer {
    return this.options.secret ?? NO_KEY
  }

  /** The node, once started (tests and the bench read its counters and view). */
  get clusterNode(): ClusterNode<DeviceConnection> | null {
    return this.node
  }

  /** Bind the internal listener, then join the shared presence; resolves with the internal address. */
  async start(host: ClusterHost): Promise<string> {
    this.openTimeoutMs = host.openTimeoutMs
    this.logger = host.logger
    const presence = host.presence
    const secret = this.options.secret
    const guard = new HopGuard({ requireSeal: secret !== null, windowMs: DEFAULT_HOP_WINDOW_MS, maxNonces: DEFAULT_HOP_MAX_NONCES })
    this.hop = new HopServer({ lookup: (uuid) => presence.lookup(uuid), openTimeoutMs: host.openTimeoutMs, logger: host.logger, key: this.hopKey, guard })
    const internal = formatHostPort(await this.hop.listen(this.options.internalListen, host.backlog))
    this.node = new ClusterNode({
      instanceId: this.options.instanceId,
      bootId: this.options.bootId,
      internal,
      store: this.options.store,
      presence,
      logger: host.logger,
      ttlMs: this.options.ttlMs,
      onReplaced: () => void host.stats.devicesReplaced++,
    })
    const reached = await this.node.start(this.options.storeWaitMs ?? 3000)
    host.logger.info({ event: 'cluster-joined', instance: this.instanceId, internal, store: this.options.store.kind, reached, fleet: this.node.view.size }, 'joined the cluster')
    return internal
  }

  /** Store errors the store itself reports (failed reconnects), for the node's throttled log. */
  reportStoreError(error: unknown): void {
    if (this.node !== null) this.node.reportStoreError(error)
    else this.logger?.error({ event: 'cluster-store-error', err: error instanceof Error ? error.message : String(error) }, 'shared presence call failed')
  }

  /** A device another instance holds, for the console side. */
  lookup(name: string): ConnectedDevice | undefined {
    const entry = this.node?.view.lookup(name)
    return entry === undefined ? undefined : new RemoteDevice(entry, { openTimeoutMs: this.openTimeoutMs + 1000, key: this.hopKey })
  }

  listRemote(): RemoteDeviceSnapshot[] {
    return (this.node?.view.list() ?? []).map(snapshotOfEntry)
  }

  findRemote(name: string): RemoteAdminDevice | undefined {
    const node = this.node
    const entry = node?.view.lookup(name)
    if (node === null || entry === undefined) return undefined
    return {
      snapshot: () => snapshotOfEntry(entry),
      disconnect: () => {
        node.kick(entry).catch((error: unknown) => node.reportStoreError(error))
      },
    }
  }

  /** After the devices were disconnected: their removals reach the store, then everything closes. */
  async stop(drainMs: number): Promise<void> {
    await this.hop?.close(drainMs)
    if (this.node !== null) await this.node.stop()
    else await this.options.store.close()
  }
}

export function snapshotOfEntry(entry: FleetEntry): RemoteDeviceSnapshot {
  return {
    uuid: entry.uuid,
    hostname: entry.fqdn,
    instance: entry.instance,
    internalAddress: entry.internal,
    remoteAddress: entry.remote,
    connectedSince: new Date(entry.since).toISOString(),
    lastSeen: new Date(entry.lastSeen).toISOString(),
    local: false,
  }
}
