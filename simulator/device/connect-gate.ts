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
  /** Insertion order is arrival order, and a stopped device leaves in O(1). */
  private readonly waiting = new Set<GateWaiter>()
  private drainScheduled = false

  constructor(limit: number) {
    this.limit = Math.max(1, limit)
  }

  get inFlight(): number {
    return this.active
  }

  get queued(): number {
    return this.waiting.size
  }

  acquire(waiter: GateWaiter): void {
    if (this.active < this.limit && this.waiting.size === 0) {
      this.active++
      waiter.granted()
      return
    }
    this.waiting.add(waiter)
  }

  /** A slot holder is done (connected or failed). */
  release(): void {
    this.active = Math.max(0, this.active - 1)
    // Grant from a fresh tick: a grant can fail synchronously and release again, and the
    // queue may be thousands long.
    if (!this.drainScheduled && this.waiting.size > 0) {
      this.drainScheduled = true
      setImmediate(() => this.drain())
    }
  }

  /** A waiter gave up (the device was stopped): forget it. */
  cancel(waiter: GateWaiter): void {
    this.waiting.delete(waiter)
  }

  private drain(): void {
    this.drainScheduled = false
    for (const next of this.waiting) {
      if (this.active >= this.limit) break
      this.waiting.delete(next)
      this.active++
      next.granted()
    }
  }
}
