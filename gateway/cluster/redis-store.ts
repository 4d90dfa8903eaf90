/**
 * The presence store on Redis (ioredis): one connection for commands and scripts, one for the
 * event channel. Commands fail fast while Redis is away (no offline queue): the cluster node
 * keeps serving its own devices meanwhile and, when both connections are back, re-registers
 * everything and reloads the fleet. Reconnects back off exponentially up to 5 s.
 */

import { Redis, type RedisOptions } from 'ioredis'
import { encodeStoreEvent, entryFromFields, fieldsOf, StoreEntryError, type FleetEntry, type PresenceStore, type RefreshItem, type RefreshOutcome, type RegisterOutcome, type SessionRef, type StoreEvent, type StoreStatusListener, decodeStoreEvent } from './store.js'
import { HEARTBEAT_LUA, REFRESH_LUA, REGISTER_LUA, UNREGISTER_LUA } from './redis-scripts.js'

/** Entries per script call: one call holds Redis for well under a millisecond per 100. */
export const REDIS_BATCH = 500
/** Reconnect delays: 100 ms doubling, at most this. */
export const REDIS_MAX_BACKOFF_MS = 5000
const WATCHDOG_MS = 1000
const COMMAND_TIMEOUT_MS = 5000

type Arg = string | number

interface Scripted {
  ciralabRegister(numKeys: number, ...args: Arg[]): Promise<number[]>
  ciralabUnregister(numKeys: number, ...args: Arg[]): Promise<number>
  ciralabRefresh(numKeys: number, ...args: Arg[]): Promise<number[]>
  ciralabHeartbeat(numKeys: number, ...args: Arg[]): Promise<string[]>
}

export interface RedisStoreOptions {
  readonly url: string
  /** Key and channel prefix, so several clusters (or test runs) can share one Redis. */
  readonly prefix?: string
  /** Reported as CLIENT SETNAME, for `redis-cli client list`. */
  readonly name: string
  /** Errors that are not news (every failed reconnect): passed here, the caller throttles. */
  readonly onError: (error: Error) => void
}

export class RedisStore implements PresenceStore {
  readonly kind = 'redis'
  private readonly prefix: string
  private readonly channel: string
  private readonly main: Redis & Scripted
  private readonly sub: Redis
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly watchers: StoreStatusListener[] = []
  private subscribed = false
  private subscribing = false
  private isUp = false
  private closing = false
  private watchdog: NodeJS.Timeout | null = null

  constructor(options: RedisStoreOptions) {
    this.prefix = options.prefix ?? 'ciralab:'
    this.channel = `${this.prefix}presence`
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      // A reply that never comes (a connection half-dead across a Redis restart) must fail the
      // call, not hold the cluster node's queue of store calls for ever.
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (times) => (this.closing ? null : Math.min(100 * 2 ** Math.min(times, 10), REDIS_MAX_BACKOFF_MS)),
    }
    this.main = new Redis(options.url, { ...common, connectionName: `${options.name}` }) as Redis & Scripted
    this.sub = new Redis(options.url, { ...common, connectionName: `${options.name}:events` })
    this.main.defineCommand('ciralabRegister', { lua: REGISTER_LUA })
    this.main.defineCommand('ciralabUnregister', { lua: UNREGISTER_LUA })
    this.main.defineCommand('ciralabRefresh', { lua: REFRESH_LUA })
    this.main.defineCommand('ciralabHeartbeat', { lua: HEARTBEAT_LUA })
    for (const connection of [this.main, this.sub]) {
      connection.on('error', (error: Error) => options.onError(error))
      connection.on('ready', () => this.onReady(connection))
      connection.on('close', () => this.setDown('connection to Redis closed'))
    }
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message))
  }

  get up(): boolean {
    return this.isUp
  }

  async open(): Promise<void> {
    // Events can be missed around a flapping server (a subscribe failing on a connection that
    // then stays up): once a second, a store that should be up is brought up.
    this.watchdog = setInterval(() => this.ensureUp(), WATCHDOG_MS)
    this.watchdog.unref()
    await Promise.all([this.main.connect(), this.sub.connect()])
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.watchdog !== null) clearInterval(this.watchdog)
    this.setDown('closing')
    // QUIT only on a live connection; on one still retrying it would wait for a reconnect.
    const quit = Promise.allSettled([this.main, this.sub].map((c) => (c.status === 'ready' ? c.quit() : Promise.resolve('OK'))))
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, COMMAND_TIMEOUT_MS).unref())])
    this.main.disconnect(false)
    this.sub.disconnect(false)
  }

  watch(listener: StoreStatusListener): void {
    this.watchers.push(listener)
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async register(entries: readonly FleetEntry[], ttlMs: number): Promise<RegisterOutcome[]> {
    const out: RegisterOutcome[] = []
    for (const batch of batches(entries)) {
      const args: Arg[] = [ttlMs, this.channel]
      for (const e of batch) {
        const f = fieldsOf(e)
        args.push(f['uuid'] as string, f['fqdn'] as string, f['instance'] as string, f['internal'] as string, f['remote'] as string, f['since'] as string, f['lastSeen'] as string, f['session'] as string, encodeStoreEvent({ type: 'up', entry: e }))
      }
      const result = await this.main.ciralabRegister(batch.length, ...batch.map((e) => this.key(e.uuid)), ...args)
      for (const r of result) out.push(r === 1 ? 'registered' : 'superseded')
    }
    return out
  }

  async unregister(items: readonly SessionRef[]): Promise<void> {
    for (const batch of batches(items)) {
      const args: Arg[] = [this.channel]
      for (const item of batch) args.push(item.session, encodeStoreEvent({ type: 'down', uuid: item.uuid, session: item.session, instance: item.instance }))
      await this.main.ciralabUnregister(batch.length, ...batch.map((i) => this.key(i.uuid)), ...args)
    }
  }

  async refresh(items: readonly RefreshItem[], ttlMs: number): Promise<RefreshOutcome[]> {
    const out: RefreshOutcome[] = []
    for (const batch of batches(items)) {
      const args: Arg[] = [ttlMs]
      for (const item of batch) args.push(item.session, item.since, item.lastSeen)
      const result = await this.main.ciralabRefresh(batch.length, ...batch.map((i) => this.key(i.uuid)), ...args)
      for (const r of result) out.push(r === 1 ? 'ok' : r === 2 ? 'superseded' : 'missing')
    }
    return out
  }

  heartbeat(instance: string, ttlMs: number): Promise<string[]> {
    return this.main.ciralabHeartbeat(1, `${this.prefix}instances`, instance, ttlMs)
  }

  async snapshot(): Promise<FleetEntry[]> {
    const entries: FleetEntry[] = []
    let cursor = '0'
    do {
      const [next, keys] = await this.main.scan(cursor, 'MATCH', `${this.prefix}dev:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length === 0) continue
      const pipeline = this.main.pipeline()
      for (const key of keys) pipeline.hgetall(key)
      for (const [error, fields] of (await pipeline.exec()) ?? []) {
        if (error !== null || fields === null || typeof fields !== 'object') continue
        // An entry that expired between SCAN and HGETALL comes back empty.
        if (Object.keys(fields).length === 0) continue
        try {
          entries.push(entryFromFields(fields as Record<string, string>))
        } catch (e) {
          if (!(e instanceof StoreEntryError)) throw e
        }
      }
    } while (cursor !== '0')
    return entries
  }

  async publishKick(event: Extract<StoreEvent, { type: 'kick' }>): Promise<void> {
    await this.main.publish(this.channel, encodeStoreEvent(event))
  }

  private key(uuid: string): string {
    return `${this.prefix}dev:${uuid}`
  }

  private onReady(connection: Redis): void {
    if (connection === this.sub) this.subscribed = false
    this.ensureUp()
  }

  private ensureUp(): void {
    if (this.isUp || this.closing) return
    if (!this.subscribed && !this.subscribing && this.sub.status === 'ready') {
      this.subscribing = true
      this.sub.subscribe(this.channel).then(
        () => {
          this.subscribing = false
          this.subscribed = this.sub.status === 'ready'
          this.checkUp()
        },
        (error: unknown) => {
          // Seen once across a Redis restart: a SUBSCRIBE never answered. A fresh connection
          // clears whatever state the old one was in; the watchdog subscribes again.
          this.subscribing = false
          this.sub.emit('error', error instanceof Error ? error : new Error(String(error)))
          if (this.sub.status === 'ready') this.sub.disconnect(true)
        },
      )
      return
    }
    this.checkUp()
  }

  private checkUp(): void {
    if (this.isUp || this.closing || !this.subscribed || this.main.status !== 'ready') return
    this.isUp = true
    for (const w of this.watchers) w.onUp()
  }

  private setDown(reason: string): void {
    this.subscribed = this.subscribed && this.sub.status === 'ready'
    if (!this.isUp) return
    this.isUp = false
    if (!this.closing) for (const w of this.watchers) w.onDown(reason)
  }

  private onMessage(channel: string, message: string): void {
    if (channel !== this.channel) return
    let event: StoreEvent
    try {
      event = decodeStoreEvent(message)
    } catch (error) {
      if (error instanceof StoreEntryError) return
      throw error
    }
    for (const listener of this.listeners) listener(event)
  }
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += REDIS_BATCH) out.push(items.slice(i, i + REDIS_BATCH))
  return out
}
