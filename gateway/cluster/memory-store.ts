/**
 * The presence store's rules on an in-process map: what the primary process of
 * `ciralab gateway --processes N` holds for its workers when no Redis is configured. Same
 * rules as the Redis scripts (newest session wins, only the holder removes, entries expire a
 * TTL after their last refresh); here an expiry and an instance's exit also publish `down`.
 */

import { isNewer, type FleetEntry, type RefreshItem, type RefreshOutcome, type RegisterOutcome, type SessionRef, type StoreEvent } from './store.js'

interface Held {
  entry: FleetEntry
  expiresAt: number
}

export class MemoryPresenceTable {
  private readonly entries = new Map<string, Held>()
  private readonly heartbeats = new Map<string, number>()
  private readonly publish: (event: StoreEvent) => void
  private readonly now: () => number

  constructor(publish: (event: StoreEvent) => void, now: () => number = Date.now) {
    this.publish = publish
    this.now = now
  }

  get size(): number {
    return this.entries.size
  }

  register(entries: readonly FleetEntry[], ttlMs: number): RegisterOutcome[] {
    return entries.map((entry) => {
      const held = this.entries.get(entry.uuid)
      if (held !== undefined && isNewer(held.entry, entry)) return 'superseded'
      this.entries.set(entry.uuid, { entry, expiresAt: this.now() + ttlMs })
      this.publish({ type: 'up', entry })
      return 'registered'
    })
  }

  unregister(items: readonly SessionRef[]): void {
    for (const item of items) {
      const held = this.entries.get(item.uuid)
      if (held === undefined || held.entry.session !== item.session) continue
      this.entries.delete(item.uuid)
      this.publish({ type: 'down', uuid: item.uuid, session: item.session, instance: held.entry.instance })
    }
  }

  refresh(items: readonly RefreshItem[], ttlMs: number): RefreshOutcome[] {
    return items.map((item) => {
      const held = this.entries.get(item.uuid)
      if (held === undefined) return 'missing'
      if (held.entry.session !== item.session) return isNewer(held.entry, item) ? 'superseded' : 'missing'
      held.entry = { ...held.entry, lastSeen: item.lastSeen }
      held.expiresAt = this.now() + ttlMs
      return 'ok'
    })
  }

  heartbeat(instance: string, ttlMs: number): string[] {
    const now = this.now()
    this.heartbeats.set(instance, now)
    const dead: string[] = []
    for (const [id, at] of this.heartbeats) {
      if (now - at >= 10 * ttlMs) this.heartbeats.delete(id)
      else if (now - at >= ttlMs) dead.push(id)
    }
    return dead
  }

  snapshot(): FleetEntry[] {
    return [...this.entries.values()].map((h) => h.entry)
  }

  /** Remove what has expired, publishing `down` for each; returns how many. */
  sweep(): number {
    const now = this.now()
    let n = 0
    for (const [uuid, held] of this.entries) {
      if (held.expiresAt > now) continue
      this.entries.delete(uuid)
      this.publish({ type: 'down', uuid, session: held.entry.session, instance: held.entry.instance })
      n++
    }
    return n
  }

  /** An instance is gone for certain (its process exited): its entries go now, not after the TTL. */
  dropInstance(instance: string): number {
    this.heartbeats.delete(instance)
    let n = 0
    for (const [uuid, held] of this.entries) {
      if (held.entry.instance !== instance) continue
      this.entries.delete(uuid)
      this.publish({ type: 'down', uuid, session: held.entry.session, instance })
      n++
    }
    return n
  }
}
