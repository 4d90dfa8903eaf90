/**
 * This instance's view of the devices the other instances hold, kept from the store's events
 * and reloaded from a snapshot whenever the store comes (back) up. Lookups are local and
 * synchronous, so the console side finds a device on another instance as fast as one here.
 *
 * Events that arrive while a snapshot loads are held and applied after it: each event is a
 * transition that is safe to apply twice (an `up` only replaces an older session, a `down`
 * only removes the session it names).
 */

import { isUuidText } from '../../protocol/apf/index.js'
import { isNewer, type FleetEntry, type StoreEvent } from './store.js'

/** Events held during one snapshot load; past this the load is redone (a storm of changes). */
const MAX_HELD_EVENTS = 200_000

export class FleetView {
  private readonly self: string
  private readonly byUuid = new Map<string, FleetEntry>()
  private readonly byName = new Map<string, string>()
  private held: StoreEvent[] | null = null
  private overflowed = false

  /** `self`: this instance's id; its own entries are never part of the view. */
  constructor(self: string) {
    this.self = self
  }

  get size(): number {
    return this.byUuid.size
  }

  apply(event: StoreEvent): void {
    if (this.held !== null) {
      if (this.held.length < MAX_HELD_EVENTS) this.held.push(event)
      else this.overflowed = true
      return
    }
    if (event.type === 'up') this.put(event.entry)
    else if (event.type === 'down') this.remove(event.uuid, event.session)
  }

  beginLoad(): void {
    this.held = []
    this.overflowed = false
  }

  /** Replace the view with `entries`, then apply the held events; false: too many held, load again. */
  finishLoad(entries: readonly FleetEntry[]): boolean {
    const held = this.held ?? []
    this.held = null
    this.byUuid.clear()
    this.byName.clear()
    for (const entry of entries) this.put(entry)
    for (const event of held) this.apply(event)
    return !this.overflowed
  }

  /** A load that failed: keep the old view and apply what was held. */
  abandonLoad(): void {
    const held = this.held ?? []
    this.held = null
    for (const event of held) this.apply(event)
  }

  /** The device is now held here: its entry from another instance is stale. */
  forget(uuid: string): void {
    const entry = this.byUuid.get(uuid)
    if (entry !== undefined) this.remove(uuid, entry.session)
  }

  /** An instance stopped heartbeating: everything it held is gone. Returns how many. */
  dropInstance(instance: string): number {
    let n = 0
    for (const entry of [...this.byUuid.values()]) {
      if (entry.instance !== instance) continue
      this.remove(entry.uuid, entry.session)
      n++
    }
    return n
  }

  /** By UUID (any case) or FQDN (case-insensitive), like the local presence. */
  lookup(name: string): FleetEntry | undefined {
    const key = name.toLowerCase()
    const uuid = isUuidText(key) ? key : this.byName.get(key)
    return uuid === undefined ? undefined : this.byUuid.get(uuid)
  }

  list(): FleetEntry[] {
    return [...this.byUuid.values()]
  }

  private put(entry: FleetEntry): void {
    if (entry.instance === this.self) return
    const current = this.byUuid.get(entry.uuid)
    if (current !== undefined && current.session !== entry.session && isNewer(current, entry)) return
    if (current !== undefined && current.fqdn !== null && current.fqdn !== entry.fqdn) this.dropName(current)
    this.byUuid.set(entry.uuid, entry)
    if (entry.fqdn !== null) this.byName.set(entry.fqdn.toLowerCase(), entry.uuid)
  }

  private remove(uuid: string, session: string): void {
    const current = this.byUuid.get(uuid)
    if (current === undefined || current.session !== session) return
    this.byUuid.delete(uuid)
    this.dropName(current)
  }

  private dropName(entry: FleetEntry): void {
    if (entry.fqdn === null) return
    const key = entry.fqdn.toLowerCase()
    if (this.byName.get(key) === entry.uuid) this.byName.delete(key)
  }
}
