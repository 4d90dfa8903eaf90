/**
 * At most `limit` devices of a process in the middle of connecting (TCP, TLS, APF handshake) at
 * any time. A real fleet needs no such thing, but one simulator process does: TLS handshakes
 * cost CPU, and thousands started at once on two cores all finish late, past the gateway's
 * authentication deadline, and are retried. With the gate, a device whose turn in the ramp has
 * come waits (state `connecting`, no socket yet) until a handshake slot frees; every handshake
 * then runs at full speed. Waiters are served in order; at most one waiter per device.
 */

export interface GateWaiter {
  /** The slot is yours: start connecting. */
  granted(): void
}

export class ConnectGate {
  readonly limit: number
  private active = 0
  private readonly waiting: (GateWaiter | null)[] = []
  private head = 0
  private drainScheduled = false

  constructor(limit: number) {
    this.limit = Math.max(1, limit)
  }

  get inFlight(): number {
    return this.active
  }

  get queued(): number {
    return this.waiting.length - this.head
  }

  acquire(waiter: GateWaiter): void {
    if (this.active < this.limit && this.queued === 0) {
      this.active++
      waiter.granted()
      return
    }
    this.waiting.push(waiter)
  }

  /** A slot holder is done (connected or failed). */
  release(): void {
    this.active = Math.max(0, this.active - 1)
    // Grant from a fresh tick: a grant can fail synchronously and release again, and the
    // queue may be thousands long.
    if (!this.drainScheduled && this.queued > 0) {
      this.drainScheduled = true
      setImmediate(() => this.drain())
    }
  }

  /** A waiter gave up (the device was stopped): forget it. */
  cancel(waiter: GateWaiter): void {
    const i = this.waiting.indexOf(waiter, this.head)
    if (i >= 0) this.waiting[i] = null
  }

  private drain(): void {
    this.drainScheduled = false
    while (this.active < this.limit && this.head < this.waiting.length) {
      const next = this.waiting[this.head]
      this.waiting[this.head++] = null
      if (next === null || next === undefined) continue
      this.active++
      next.granted()
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0
      this.head = 0
    } else if (this.head > 4096) {
      this.waiting.splice(0, this.head)
      this.head = 0
    }
  }
}
