/**
 * One instance's part in the cluster: mirrors its local presence into the shared store and
 * keeps a view of everyone else's devices.
 *
 * - A device registering here is written to the store on the next turn of the event loop
 *   (auth and the forwards that name its FQDN usually arrive together, so one write), and
 *   refreshed every TTL/3 while its session lasts; a device leaving is removed.
 * - Newest session wins across the cluster: when the store says a newer session of one of our
 *   UUIDs exists (an `up` event, or a write that lost), our session is ended as replaced.
 * - Store unreachable: local devices keep working, consoles still reach devices elsewhere
 *   through the last known view (the hop needs no store), and the outage is logged loudly.
 *   When the store is back, every local device is registered again and the view reloaded.
 */

import type { Logger } from 'pino'
import type { Presence, PresenceEvent, PresentDevice } from '../presence.js'
import { FleetView } from './fleet-view.js'
import { isNewer, type FleetEntry, type PresenceStore, type RefreshOutcome, type RegisterOutcome, type SessionRef, type StoreEvent } from './store.js'

export interface LocalDevice extends PresentDevice {
  readonly connId: number
  readonly remote: string
  readonly authenticatedAt: number
  readonly lastMessageAt: number
  disconnect(label: 'replaced' | 'admin'): void
}

export interface ClusterNodeOptions<D extends LocalDevice> {
  readonly instanceId: string
  /** Random per process start: tells this life's sessions from a previous one's under the same id. */
  readonly bootId: string
  /** `host:port` other instances dial for our devices. */
  readonly internal: string
  readonly store: PresenceStore
  readonly presence: Presence<D>
  readonly logger: Logger
  readonly ttlMs: number
  /** A local session ended because a newer one of its UUID exists elsewhere. */
  readonly onReplaced?: () => void
}

/** Removals kept while the store is away, sent when it returns; older ones expire by TTL anyway. */
const MAX_PENDING_DOWNS = 100_000
/** While the store is away, a reminder this often (the first failure is logged at once). */
const DOWN_REMINDER_MS = 10_000
/** A resync that failed half-way is tried again after this long. */
const RESYNC_RETRY_MS = 1000

export class ClusterNode<D extends LocalDevice> {
  readonly view: FleetView
  private readonly o: ClusterNodeOptions<D>
  private readonly dirty = new Set<D>()
  private pendingDowns: SessionRef[] = []
  private flushHandle: NodeJS.Immediate | null = null
  private tickTimer: NodeJS.Timeout | null = null
  private retryTimer: NodeJS.Timeout | null = null
  private chain: Promise<void> = Promise.resolve()
  private unsubscribe: (() => void)[] = []
  private downSince: number | null = null
  private lastReminder = 0
  private stopped = false
  /** Writes to the store, for the bench and the logs. */
  readonly counters = { registered: 0, unregistered: 0, refreshed: 0, replaced: 0, resyncs: 0, storeErrors: 0 }

  constructor(options: ClusterNodeOptions<D>) {
    this.o = options
    this.view = new FleetView(options.instanceId)
  }

  get instanceId(): string {
    return this.o.instanceId
  }

  /** Resolves once the store was reached and the view loaded, or after `waitMs` (then it keeps trying). */
  async start(waitMs: number): Promise<boolean> {
    const { presence, store } = this.o
    this.unsubscribe.push(presence.subscribe((event) => this.onPresence(event)))
    this.unsubscribe.push(store.subscribe((event) => this.onStoreEvent(event)))
    let firstUp: () => void = () => undefined
    const upOnce = new Promise<void>((resolve) => (firstUp = resolve))
    store.watch({
      onUp: () => this.enqueue(() => this.resyncOrRetry()).then(firstUp),
      onDown: (reason) => this.storeDown(reason),
    })
    store.open().catch((error: unknown) => this.storeDown(`not reachable: ${error instanceof Error ? error.message : String(error)}`))
    this.tickTimer = setInterval(() => void this.enqueue(() => this.tick()), Math.max(100, Math.floor(this.o.ttlMs / 3)))
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)))
    try {
      return await Promise.race([upOnce.then(() => true), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Connection-level failures the store reports (every failed reconnect): logged, throttled. */
  reportStoreError(error: unknown): void {
    this.storeError(error)
  }

  /** Stop timers, send what is pending (our devices' removals on shutdown), close the store. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.tickTimer !== null) clearInterval(this.tickTimer)
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    if (this.flushHandle !== null) clearImmediate(this.flushHandle)
    this.flushHandle = null
    await this.enqueue(() => this.flush())
    for (const off of this.unsubscribe) off()
    await this.chain
    await this.o.store.close()
  }

  /** Ask the instance holding `entry` to end that session (admin DELETE). */
  kick(entry: FleetEntry): Promise<void> {
    return this.o.store.publishKick({ type: 'kick', uuid: entry.uuid, session: entry.session, instance: entry.instance })
  }

  sessionOf(device: D): string {
    // Fixed width, so sessions with equal `since` compare the same as strings in Lua and here.
    return `${this.o.instanceId}/${this.o.bootId}/${String(device.connId).padStart(10, '0')}`
  }

  entryOf(device: D): FleetEntry {
    return {
      uuid: device.uuid.toLowerCase(),
      fqdn: device.fqdn,
      instance: this.o.instanceId,
      internal: this.o.internal,
      remote: device.remote,
      since: device.authenticatedAt,
      lastSeen: device.lastMessageAt,
      session: this.sessionOf(device),
    }
  }

  private onPresence(event: PresenceEvent<D>): void {
    if (event.type === 'unregistered') {
      this.dirty.delete(event.device)
      this.queueDown({ uuid: event.device.uuid.toLowerCase(), session: this.sessionOf(event.device), instance: this.o.instanceId })
    } else {
      this.dirty.add(event.device)
      if (event.type === 'registered') this.view.forget(event.device.uuid.toLowerCase())
    }
    this.scheduleFlush()
  }

  private queueDown(ref: SessionRef): void {
    if (this.pendingDowns.length >= MAX_PENDING_DOWNS) this.pendingDowns.shift()
    this.pendingDowns.push(ref)
  }

  private scheduleFlush(): void {
    if (this.flushHandle !== null || this.stopped) return
    this.flushHandle = setImmediate(() => {
      this.flushHandle = null
      void this.enqueue(() => this.flush())
    })
  }

  /** Store calls run one after another, in order: a removal never overtakes its registration. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((error: unknown) => this.storeError(error))
    return this.chain
  }

  private async flush(): Promise<void> {
    if (!this.o.store.up) return
    const devices = [...this.dirty].filter((d) => this.o.presence.lookup(d.uuid) === d)
    this.dirty.clear()
    if (devices.length > 0) await this.registerAll(devices)
    const downs = this.pendingDowns
    this.pendingDowns = []
    if (downs.length > 0) {
      await this.o.store.unregister(downs)
      this.counters.unregistered += downs.length
    }
  }

  private async registerAll(devices: readonly D[]): Promise<void> {
    let outcomes: RegisterOutcome[]
    try {
      outcomes = await this.o.store.register(devices.map((d) => this.entryOf(d)), this.o.ttlMs)
    } catch (error) {
      for (const d of devices) this.dirty.add(d)
      throw error
    }
    this.counters.registered += devices.length
    outcomes.forEach((outcome, i) => {
      if (outcome === 'superseded') this.replace(devices[i] as D, 'a newer session holds the UUID in the shared presence')
    })
  }

  private async tick(): Promise<void> {
    if (!this.o.store.up || this.stopped) return
    const dead = await this.o.store.heartbeat(this.o.instanceId, this.o.ttlMs)
    for (const instance of dead) {
      const n = this.view.dropInstance(instance)
      if (n > 0) this.o.logger.warn({ event: 'cluster-instance-gone', instance, devices: n }, 'an instance stopped refreshing its presence: its devices are gone')
    }
    const devices = this.o.presence.list().filter((d) => !this.dirty.has(d))
    if (devices.length === 0) return
    const items = devices.map((d) => ({ uuid: d.uuid.toLowerCase(), session: this.sessionOf(d), instance: this.o.instanceId, since: d.authenticatedAt, lastSeen: d.lastMessageAt }))
    const outcomes = await this.o.store.refresh(items, this.o.ttlMs)
    this.counters.refreshed += devices.length
    this.afterRefresh(devices, outcomes)
  }

  private afterRefresh(devices: readonly D[], outcomes: readonly RefreshOutcome[]): void {
    let missing = 0
    outcomes.forEach((outcome, i) => {
      const device = devices[i] as D
      if (outcome === 'missing' && this.o.presence.lookup(device.uuid) === device) {
        this.dirty.add(device)
        missing++
      } else if (outcome === 'superseded') this.replace(device, 'a newer session holds the UUID in the shared presence')
    })
    if (missing > 0) {
      this.o.logger.warn({ event: 'cluster-reregister', devices: missing }, 'shared presence lost some of our devices: registering them again')
      this.scheduleFlush()
    }
  }

  private onStoreEvent(event: StoreEvent): void {
    if (event.type === 'kick') {
      if (event.instance !== this.o.instanceId) return
      const device = this.o.presence.lookup(event.uuid)
      if (device !== undefined && this.sessionOf(device) === event.session) device.disconnect('admin')
      return
    }
    if (event.type === 'up' && !this.acceptRemote(event.entry)) return
    this.view.apply(event)
  }

  /**
   * An entry of another instance for a UUID we hold: the newer session wins. Ours newer: the
   * entry is stale (its `up` overtook our write) and stays out of the view.
   */
  private acceptRemote(entry: FleetEntry): boolean {
    if (entry.instance === this.o.instanceId) return false
    const local = this.o.presence.lookup(entry.uuid)
    if (local === undefined) return true
    if (!isNewer(entry, this.entryOf(local))) return false
    this.replace(local, `a newer session connected to instance ${entry.instance}`)
    return true
  }

  private replace(device: D, why: string): void {
    if (this.o.presence.lookup(device.uuid) !== device) return
    this.counters.replaced++
    this.o.onReplaced?.()
    this.o.logger.info({ event: 'cluster-replaced', deviceId: device.uuid, connId: device.connId, why }, 'device session replaced by a newer one elsewhere in the cluster')
    device.disconnect('replaced')
  }

  /** A resync cut short (the store flapped) is tried again while the store is up. */
  private async resyncOrRetry(): Promise<void> {
    try {
      await this.resync()
    } catch (error) {
      this.storeError(error)
      if (this.stopped || !this.o.store.up || this.retryTimer !== null) return
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null
        void this.enqueue(() => this.resyncOrRetry())
      }, RESYNC_RETRY_MS)
    }
  }

  /** The store is (back) up: removals first, then every local device, then a fresh view. */
  private async resync(): Promise<void> {
    const wasDown = this.downSince
    this.counters.resyncs++
    for (const d of this.o.presence.list()) this.dirty.add(d)
    await this.flush()
    await this.tick()
    await this.reloadView()
    this.downSince = null
    const fields = { event: wasDown === null ? 'cluster-store-up' : 'cluster-store-back', store: this.o.store.kind, instance: this.o.instanceId, devices: this.o.presence.size, fleet: this.view.size + this.o.presence.size }
    if (wasDown === null) this.o.logger.info(fields, 'shared presence reached')
    else this.o.logger.warn({ ...fields, downMs: Date.now() - wasDown }, 'shared presence is back: local devices registered again, fleet reloaded')
  }

  private async reloadView(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      this.view.beginLoad()
      let entries: FleetEntry[]
      try {
        entries = await this.o.store.snapshot()
      } catch (error) {
        this.view.abandonLoad()
        throw error
      }
      await this.dropStaleOwn(entries)
      if (this.view.finishLoad(entries.filter((e) => this.acceptRemote(e)))) return
    }
  }

  /** Our id with a session we do not hold: a previous life of this instance, or a device that left meanwhile. */
  private async dropStaleOwn(entries: readonly FleetEntry[]): Promise<void> {
    const stale: SessionRef[] = []
    for (const e of entries) {
      if (e.instance !== this.o.instanceId) continue
      const local = this.o.presence.lookup(e.uuid)
      if (local === undefined || this.sessionOf(local) !== e.session) stale.push({ uuid: e.uuid, session: e.session, instance: e.instance })
    }
    if (stale.length > 0) await this.o.store.unregister(stale)
  }

  private storeDown(reason: string): void {
    if (this.downSince !== null || this.stopped || this.o.store.up) return
    this.downSince = Date.now()
    this.lastReminder = this.downSince
    const fields = { event: 'cluster-store-down', store: this.o.store.kind, instance: this.o.instanceId, reason, devices: this.o.presence.size }
    this.o.logger.error(fields, 'shared presence unreachable: serving the devices held here, retrying with backoff')
  }

  private storeError(error: unknown): void {
    this.counters.storeErrors++
    if (this.stopped) return
    const now = Date.now()
    // While the store is away every reconnect fails: one line per reminder period, not per try.
    if (!this.o.store.up && now - this.lastReminder < DOWN_REMINDER_MS) return
    this.lastReminder = now
    const fields = { event: 'cluster-store-error', store: this.o.store.kind, instance: this.o.instanceId, err: error instanceof Error ? error.message : String(error), downMs: this.downSince === null ? 0 : now - this.downSince }
    this.o.logger.error(fields, 'shared presence call failed')
  }
}
