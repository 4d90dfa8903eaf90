/**
 * One timer wheel per process for every device's keepalives, policies, retries and faults.
 *
 * Ten thousand devices with a `setTimeout` each would be ten thousand Node timers re-armed every
 * keepalive; the wheel keeps one Node timer for the whole process and hashes entries into slots
 * by due tick (Varghese & Lauck). Scheduling and cancelling are O(1) (doubly linked slot lists);
 * a tick runs only the entries of its slot whose round has come. Resolution is `tickMs`: an
 * entry fires at the first tick at or after its due time, never early.
 */

export interface WheelOptions {
  /** Resolution in ms (default 50). Tests use a few ms. */
  readonly tickMs?: number
  /** Slots in the wheel (default 1024); entries further out wait whole rounds. */
  readonly slots?: number
  /** Time source in ms (default performance.now). */
  readonly now?: () => number
  /** Called when an entry's callback throws; the wheel keeps running. */
  readonly onError?: (error: unknown) => void
}

/** A scheduled callback. Hold it to cancel or reschedule; it is reusable after it fired. */
export class WheelEntry<T = unknown> {
  dueTick = 0
  slot = -1
  next: WheelEntry<T> | null = null
  prev: WheelEntry<T> | null = null
  readonly callback: (arg: T) => void
  readonly arg: T

  constructor(callback: (arg: T) => void, arg: T) {
    this.callback = callback
    this.arg = arg
  }

  get scheduled(): boolean {
    return this.slot >= 0
  }
}

export class TimerWheel {
  readonly tickMs: number
  private readonly heads: (WheelEntry<never> | null)[]
  private readonly mask: number
  private readonly clock: () => number
  private readonly onError: (error: unknown) => void
  private readonly origin: number
  /** The next tick to process; every entry due before it has fired. */
  private cursor = 0
  private count = 0
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(options: WheelOptions = {}) {
    this.tickMs = Math.max(1, options.tickMs ?? 50)
    const slots = 1 << Math.ceil(Math.log2(Math.max(16, options.slots ?? 1024)))
    this.heads = new Array<WheelEntry<never> | null>(slots).fill(null)
    this.mask = slots - 1
    this.clock = options.now ?? (() => performance.now())
    this.onError = options.onError ?? ((error) => queueMicrotask(() => { throw error }))
    this.origin = this.clock()
  }

  /** Milliseconds on the wheel's clock. */
  now(): number {
    return this.clock()
  }

  /** Entries waiting to fire. */
  get size(): number {
    return this.count
  }

  /** Schedule `callback(arg)` in `delayMs`. Keep the entry to cancel it. */
  schedule<T>(delayMs: number, callback: (arg: T) => void, arg: T): WheelEntry<T> {
    const entry = new WheelEntry(callback, arg)
    this.reschedule(entry, delayMs)
    return entry
  }

  /** (Re)arm an entry `delayMs` from now, cancelling a pending run. */
  reschedule<T>(entry: WheelEntry<T>, delayMs: number): void {
    if (this.closed) return
    this.cancel(entry)
    const due = Math.ceil((this.clock() - this.origin + Math.max(0, delayMs)) / this.tickMs)
    entry.dueTick = Math.max(due, this.cursor)
    const slot = entry.dueTick & this.mask
    const head = this.heads[slot] as WheelEntry<T> | null
    entry.slot = slot
    entry.prev = null
    entry.next = head
    if (head !== null) head.prev = entry
    this.heads[slot] = entry as unknown as WheelEntry<never>
    this.count++
    this.arm()
  }

  cancel<T>(entry: WheelEntry<T>): void {
    if (entry.slot < 0) return
    if (entry.prev !== null) entry.prev.next = entry.next
    else this.heads[entry.slot] = entry.next as unknown as WheelEntry<never> | null
    if (entry.next !== null) entry.next.prev = entry.prev
    entry.next = null
    entry.prev = null
    entry.slot = -1
    this.count--
    if (this.count === 0) this.disarm()
  }

  /** Stop the wheel: pending entries never fire, the Node timer is released. */
  close(): void {
    this.closed = true
    this.heads.fill(null)
    this.count = 0
    this.disarm()
  }

  private arm(): void {
    if (this.timer !== null || this.count === 0) return
    this.timer = setTimeout(() => this.advance(), this.tickMs)
  }

  private disarm(): void {
    if (this.timer === null) return
    clearTimeout(this.timer)
    this.timer = null
  }

  /** Run every tick up to now (catching up after a busy event loop), then re-arm. */
  private advance(): void {
    this.timer = null
    const target = Math.floor((this.clock() - this.origin) / this.tickMs)
    // Never walk more than one full turn per slot: beyond that every slot has been visited.
    const last = Math.min(target, this.cursor + this.heads.length - 1)
    while (this.cursor <= last && this.count > 0) {
      this.fireSlot(this.cursor & this.mask, target)
      this.cursor++
    }
    this.cursor = Math.max(this.cursor, target + 1)
    this.arm()
  }

  private fireSlot(slot: number, upTo: number): void {
    const due: WheelEntry<unknown>[] = []
    for (let entry = this.heads[slot] as WheelEntry<unknown> | null; entry !== null; entry = entry.next) {
      if (entry.dueTick <= upTo) due.push(entry)
    }
    for (const entry of due) {
      // An earlier callback may have cancelled or moved this one.
      if (entry.slot !== slot || entry.dueTick > upTo) continue
      this.cancel(entry)
      try {
        entry.callback(entry.arg)
      } catch (error) {
        this.onError(error)
      }
    }
  }
}
