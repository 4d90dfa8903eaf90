/**
 * Presence shared through the primary process of `ciralab gateway --processes N` when no Redis
 * is configured: workers call the primary over the cluster IPC channel (IpcStore), the primary
 * keeps the one table (IpcPresenceHub, over memory-store.ts) and sends every change to every
 * worker. A worker that exits takes its devices out at once.
 */

import { decodeStoreEvent, encodeStoreEvent, entryFromFields, fieldsOf, type FleetEntry, type PresenceStore, type RefreshItem, type RefreshOutcome, type RegisterOutcome, type SessionRef, type StoreEvent, type StoreStatusListener } from './store.js'
import { MemoryPresenceTable } from './memory-store.js'

/** The side of an IPC channel we use: `process` in a worker, a cluster `Worker` in the primary. */
export interface IpcPort {
  send(message: unknown): unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

type Op = 'register' | 'unregister' | 'refresh' | 'heartbeat' | 'snapshot' | 'kick'

interface Call {
  readonly ciralab: 'presence-call'
  readonly id: number
  readonly op: Op
  readonly args: readonly unknown[]
}

type Reply = { readonly ciralab: 'presence-result'; readonly id: number; readonly ok: true; readonly value: unknown } | { readonly ciralab: 'presence-result'; readonly id: number; readonly ok: false; readonly error: string }

interface EventMessage {
  readonly ciralab: 'presence-event'
  readonly event: string
}

const isRecord = (m: unknown): m is Record<string, unknown> => m !== null && typeof m === 'object'

/** Worker side. */
export class IpcStore implements PresenceStore {
  readonly kind = 'ipc'
  private readonly port: IpcPort
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly watchers: StoreStatusListener[] = []
  private readonly onMessage = (message: unknown) => this.receive(message)
  private nextId = 1
  private isUp = false

  constructor(port: IpcPort) {
    this.port = port
  }

  get up(): boolean {
    return this.isUp
  }

  open(): Promise<void> {
    this.port.on('message', this.onMessage)
    this.isUp = true
    for (const w of this.watchers) w.onUp()
    return Promise.resolve()
  }

  close(): Promise<void> {
    this.port.off('message', this.onMessage)
    this.isUp = false
    for (const p of this.pending.values()) p.reject(new Error('presence store closed'))
    this.pending.clear()
    return Promise.resolve()
  }

  watch(listener: StoreStatusListener): void {
    this.watchers.push(listener)
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  async register(entries: readonly FleetEntry[], ttlMs: number): Promise<RegisterOutcome[]> {
    return (await this.call('register', [entries.map(fieldsOf), ttlMs])) as RegisterOutcome[]
  }

  async unregister(items: readonly SessionRef[]): Promise<void> {
    await this.call('unregister', [items])
  }

  async refresh(items: readonly RefreshItem[], ttlMs: number): Promise<RefreshOutcome[]> {
    return (await this.call('refresh', [items, ttlMs])) as RefreshOutcome[]
  }

  async heartbeat(instance: string, ttlMs: number): Promise<string[]> {
    return (await this.call('heartbeat', [instance, ttlMs])) as string[]
  }

  async snapshot(): Promise<FleetEntry[]> {
    return ((await this.call('snapshot', [])) as Record<string, string>[]).map((f) => entryFromFields(f))
  }

  async publishKick(event: Extract<StoreEvent, { type: 'kick' }>): Promise<void> {
    await this.call('kick', [encodeStoreEvent(event)])
  }

  private call(op: Op, args: readonly unknown[]): Promise<unknown> {
    if (!this.isUp) return Promise.reject(new Error('presence store is not open'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      const message: Call = { ciralab: 'presence-call', id, op, args }
      this.port.send(message)
    })
  }

  private receive(message: unknown): void {
    if (!isRecord(message)) return
    if (message['ciralab'] === 'presence-event' && typeof message['event'] === 'string') {
      const event = decodeStoreEvent(message['event'])
      for (const listener of this.listeners) listener(event)
      return
    }
    if (message['ciralab'] !== 'presence-result' || typeof message['id'] !== 'number') return
    const reply = message as Reply
    const waiter = this.pending.get(reply.id)
    if (waiter === undefined) return
    this.pending.delete(reply.id)
    if (reply.ok) waiter.resolve(reply.value)
    else waiter.reject(new Error(reply.error))
  }
}

/** Primary side: the one table, and the workers it answers and tells. */
export class IpcPresenceHub {
  private readonly table: MemoryPresenceTable
  private readonly ports = new Map<IpcPort, { listener: (message: unknown) => void; instances: Set<string> }>()
  private sweepTimer: NodeJS.Timeout | null = null

  constructor(sweepEveryMs: number) {
    this.table = new MemoryPresenceTable((event) => this.broadcast(event))
    this.sweepTimer = setInterval(() => this.table.sweep(), sweepEveryMs)
    this.sweepTimer.unref()
  }

  get size(): number {
    return this.table.size
  }

  attach(port: IpcPort): void {
    const state = { listener: (message: unknown) => this.answer(port, state.instances, message), instances: new Set<string>() }
    this.ports.set(port, state)
    port.on('message', state.listener)
  }

  /** The worker behind `port` exited: its devices leave the table now. */
  detach(port: IpcPort): number {
    const state = this.ports.get(port)
    if (state === undefined) return 0
    port.off('message', state.listener)
    this.ports.delete(port)
    let n = 0
    for (const instance of state.instances) n += this.table.dropInstance(instance)
    return n
  }

  close(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    for (const [port, state] of this.ports) port.off('message', state.listener)
    this.ports.clear()
  }

  private broadcast(event: StoreEvent): void {
    const message: EventMessage = { ciralab: 'presence-event', event: encodeStoreEvent(event) }
    for (const port of this.ports.keys()) port.send(message)
  }

  private answer(port: IpcPort, instances: Set<string>, message: unknown): void {
    if (!isRecord(message) || message['ciralab'] !== 'presence-call' || typeof message['id'] !== 'number') return
    const call = message as unknown as Call
    let reply: Reply
    try {
      reply = { ciralab: 'presence-result', id: call.id, ok: true, value: this.run(call, instances) }
    } catch (error) {
      reply = { ciralab: 'presence-result', id: call.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    port.send(reply)
  }

  private run(call: Call, instances: Set<string>): unknown {
    const [a, b] = call.args
    switch (call.op) {
      case 'register': {
        const entries = (a as Record<string, string>[]).map((f) => entryFromFields(f))
        for (const e of entries) instances.add(e.instance)
        return this.table.register(entries, Number(b))
      }
      case 'unregister':
        return this.table.unregister(a as SessionRef[])
      case 'refresh':
        return this.table.refresh(a as RefreshItem[], Number(b))
      case 'heartbeat':
        instances.add(String(a))
        return this.table.heartbeat(String(a), Number(b))
      case 'snapshot':
        return this.table.snapshot().map(fieldsOf)
      case 'kick':
        return this.broadcast(decodeStoreEvent(String(a)))
    }
  }
}
