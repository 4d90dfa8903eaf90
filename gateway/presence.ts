/**
 * Presence: which devices are connected here, found by UUID or by the FQDN they forwarded with.
 * One interface with an in-memory implementation; a shared-store one (Redis) is a new file
 * implementing the same interface, mirroring register/unregister.
 *
 * The same UUID connecting again replaces the old entry (the new session wins); unregister
 * removes an entry only if it is still the one registered, so an old session's late close never
 * removes the new one (mps#441).
 */

import { isUuidText } from '../protocol/apf/index.js'

export interface PresentDevice {
  readonly uuid: string
  readonly fqdn: string | null
}

export type PresenceEvent<D extends PresentDevice> =
  | { readonly type: 'registered'; readonly device: D; readonly replaced: D | undefined }
  | { readonly type: 'unregistered'; readonly device: D }
  /** The device answers to a new FQDN (a shared presence store must learn it too). */
  | { readonly type: 'renamed'; readonly device: D; readonly fqdn: string }

export interface Presence<D extends PresentDevice> {
  /** Add or replace; returns the entry it replaced. */
  register(device: D): D | undefined
  /** Remove, only if `device` is the registered entry for its UUID. */
  unregister(device: D): boolean
  /** The device now answers to `fqdn` too (its first tcpip-forward address). */
  rename(device: D, fqdn: string): void
  /** By UUID (any case) or FQDN (case-insensitive). */
  lookup(name: string): D | undefined
  list(): D[]
  readonly size: number
  subscribe(listener: (event: PresenceEvent<D>) => void): () => void
}

export class InMemoryPresence<D extends PresentDevice> implements Presence<D> {
  private readonly byUuid = new Map<string, D>()
  private readonly byName = new Map<string, D>()
  private readonly listeners = new Set<(event: PresenceEvent<D>) => void>()

  get size(): number {
    return this.byUuid.size
  }

  register(device: D): D | undefined {
    const uuid = device.uuid.toLowerCase()
    const replaced = this.byUuid.get(uuid)
    if (replaced !== undefined) this.dropName(replaced)
    this.byUuid.set(uuid, device)
    if (device.fqdn !== null) this.byName.set(device.fqdn.toLowerCase(), device)
    this.emit({ type: 'registered', device, replaced })
    return replaced
  }

  unregister(device: D): boolean {
    const uuid = device.uuid.toLowerCase()
    if (this.byUuid.get(uuid) !== device) return false
    this.byUuid.delete(uuid)
    this.dropName(device)
    this.emit({ type: 'unregistered', device })
    return true
  }

  rename(device: D, fqdn: string): void {
    if (this.byUuid.get(device.uuid.toLowerCase()) !== device) return
    const key = fqdn.toLowerCase()
    if (this.byName.get(key) === device) return
    this.byName.set(key, device)
    this.emit({ type: 'renamed', device, fqdn })
  }

  lookup(name: string): D | undefined {
    const key = name.toLowerCase()
    if (isUuidText(key)) return this.byUuid.get(key)
    return this.byName.get(key)
  }

  list(): D[] {
    return [...this.byUuid.values()]
  }

  subscribe(listener: (event: PresenceEvent<D>) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private dropName(device: D): void {
    if (device.fqdn === null) return
    const key = device.fqdn.toLowerCase()
    if (this.byName.get(key) === device) this.byName.delete(key)
  }

  private emit(event: PresenceEvent<D>): void {
    for (const listener of this.listeners) listener(event)
  }
}
