/**
 * The shared presence store every instance of a cluster writes its devices to and learns the
 * others' from: Redis (redis-store.ts) across machines, or the primary process over IPC
 * (ipc-store.ts) for `--processes N` without Redis. Both keep the same rules:
 *
 * - One entry per UUID. The newest session wins: an entry is replaced only by a session that
 *   authenticated later (`since`, then `session` to break ties), so two instances racing for
 *   one UUID agree on the winner whatever order their writes land in.
 * - An entry is removed only by the session that holds it (an old session's late close never
 *   removes the new one), or by its TTL when its instance stops refreshing it (a dead instance
 *   leaves no ghost devices).
 * - Every change is published to every instance as an event.
 */

import { CiralabError, ErrorCode } from '../../protocol/errors.js'

export interface FleetEntry {
  /** Lower case. */
  readonly uuid: string
  readonly fqdn: string | null
  /** The instance holding the device's tunnel. */
  readonly instance: string
  /** That instance's internal listener, `host:port`. */
  readonly internal: string
  /** The device's own address as that instance sees it. */
  readonly remote: string
  /** When the session authenticated (ms since the epoch). */
  readonly since: number
  /** The device's last message, as of the last refresh (ms since the epoch). */
  readonly lastSeen: number
  /** Unique per device session across the cluster: instance, boot and connection ids. */
  readonly session: string
}

export type StoreEvent =
  | { readonly type: 'up'; readonly entry: FleetEntry }
  | { readonly type: 'down'; readonly uuid: string; readonly session: string; readonly instance: string }
  /** Asks the holder of `session` to end it (admin DELETE on another instance). */
  | { readonly type: 'kick'; readonly uuid: string; readonly session: string; readonly instance: string }

/** `superseded`: a newer session of the UUID holds the entry; the caller should end its own. */
export type RegisterOutcome = 'registered' | 'superseded'

/** `missing`: the entry expired or the store lost it (restart); register it again. */
export type RefreshOutcome = 'ok' | 'missing' | 'superseded'

export interface SessionRef {
  readonly uuid: string
  readonly session: string
  readonly instance: string
}

export interface RefreshItem extends SessionRef {
  readonly since: number
  readonly lastSeen: number
}

export interface StoreStatusListener {
  /** The store is reachable again (or for the first time): the caller re-registers and reloads. */
  onUp(): void
  /** The store went away; calls fail until onUp. */
  onDown(reason: string): void
}

export interface PresenceStore {
  readonly kind: 'redis' | 'ipc'
  /** True while calls can succeed. */
  readonly up: boolean
  register(entries: readonly FleetEntry[], ttlMs: number): Promise<RegisterOutcome[]>
  unregister(items: readonly SessionRef[]): Promise<void>
  refresh(items: readonly RefreshItem[], ttlMs: number): Promise<RefreshOutcome[]>
  /** This instance is alive; returns instances whose last heartbeat is older than `ttlMs`. */
  heartbeat(instance: string, ttlMs: number): Promise<string[]>
  /** Every entry, for a fresh view of the fleet. */
  snapshot(): Promise<FleetEntry[]>
  publishKick(event: Extract<StoreEvent, { type: 'kick' }>): Promise<void>
  subscribe(listener: (event: StoreEvent) => void): () => void
  watch(listener: StoreStatusListener): void
  /** Connect (resolves once up, or rejects if the first attempt fails: the caller keeps retrying in the background). */
  open(): Promise<void>
  close(): Promise<void>
}

export class StoreEntryError extends CiralabError {
  constructor(message: string) {
    super(ErrorCode.CLUSTER_ERR_STORE_ENTRY, message)
    this.name = 'StoreEntryError'
  }
}

/** Newer-than on (since, session): the rule both stores and every instance apply. */
export function isNewer(a: Pick<FleetEntry, 'since' | 'session'>, b: Pick<FleetEntry, 'since' | 'session'>): boolean {
  return a.since > b.since || (a.since === b.since && a.session > b.session)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** An entry from the store's text form (a Redis hash, an event), validated; throws StoreEntryError. */
export function entryFromFields(fields: Readonly<Record<string, string | undefined>>): FleetEntry {
  const text = (name: string, max = 256): string => {
    const value = fields[name]
    if (typeof value !== 'string' || value.length > max) throw new StoreEntryError(`entry field ${name} is missing or too long`)
    return value
  }
  const time = (name: string): number => {
    const n = Number(text(name, 20))
    if (!Number.isSafeInteger(n) || n < 0) throw new StoreEntryError(`entry field ${name} is not a time`)
    return n
  }
  const uuid = text('uuid', 36)
  if (!UUID.test(uuid)) throw new StoreEntryError(`entry uuid '${uuid}' is not a lower-case UUID`)
  const fqdn = text('fqdn')
  return { uuid, fqdn: fqdn === '' ? null : fqdn, instance: text('instance', 64), internal: text('internal', 80), remote: text('remote', 80), since: time('since'), lastSeen: time('lastSeen'), session: text('session', 128) }
}

/** The text form (Redis hash fields, event body). */
export function fieldsOf(entry: FleetEntry): Record<string, string> {
  return {
    uuid: entry.uuid,
    fqdn: entry.fqdn ?? '',
    instance: entry.instance,
    internal: entry.internal,
    remote: entry.remote,
    since: String(entry.since),
    lastSeen: String(entry.lastSeen),
    session: entry.session,
  }
}

/** Events travel as JSON text (a Redis channel message, an IPC message). */
export function encodeStoreEvent(event: StoreEvent): string {
  return event.type === 'up' ? JSON.stringify({ type: 'up', entry: fieldsOf(event.entry) }) : JSON.stringify(event)
}

export function decodeStoreEvent(text: string): StoreEvent {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new StoreEntryError('event is not JSON')
  }
  if (raw === null || typeof raw !== 'object') throw new StoreEntryError('event is not an object')
  const o = raw as Record<string, unknown>
  if (o['type'] === 'up' && o['entry'] !== null && typeof o['entry'] === 'object') {
    return { type: 'up', entry: entryFromFields(o['entry'] as Record<string, string>) }
  }
  if ((o['type'] === 'down' || o['type'] === 'kick') && typeof o['uuid'] === 'string' && typeof o['session'] === 'string' && typeof o['instance'] === 'string') {
    return { type: o['type'], uuid: o['uuid'], session: o['session'], instance: o['instance'] }
  }
  throw new StoreEntryError(`unknown event ${JSON.stringify(o['type'])}`)
}
