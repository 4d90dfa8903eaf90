/**
 * What the internal listener checks before it opens a channel for another instance: the seal
 * (HMAC under the cluster secret), the time the frame was sent, and that its nonce is new. A frame
 * copied off the wire is refused: outside the clock window by its time, inside it by its nonce.
 *
 * Nonces are remembered for the window on both sides of now (clocks of instances differ a
 * little), in a map bounded by `maxNonces`: past that the oldest go first, which only matters to
 * someone replaying a frame while more than `maxNonces` genuine hops arrive within the window.
 */

import type { HopRequest } from './hop-frame.js'

export type HopVerdict = 'ok' | 'forged' | 'stale' | 'replayed'

export interface HopGuardOptions {
  /** Sealed frames are checked; false (no cluster secret) accepts every seal. */
  readonly requireSeal: boolean
  /** How far the sender's clock may be from ours. */
  readonly windowMs: number
  readonly maxNonces: number
}

export const DEFAULT_HOP_WINDOW_MS = 30_000
export const DEFAULT_HOP_MAX_NONCES = 100_000

export class HopGuard {
  private readonly o: HopGuardOptions
  /** nonce → when it can be forgotten (insertion order is age order). */
  private readonly seen = new Map<string, number>()

  constructor(options: HopGuardOptions) {
    this.o = options
  }

  get remembered(): number {
    return this.seen.size
  }

  check(request: HopRequest, authentic: boolean, nowMs: number): HopVerdict {
    if (!this.o.requireSeal) return 'ok'
    if (!authentic) return 'forged'
    if (Math.abs(nowMs - request.sentAtMs) > this.o.windowMs) return 'stale'
    this.forget(nowMs)
    if (this.seen.has(request.nonce)) return 'replayed'
    if (this.seen.size >= this.o.maxNonces) {
      const oldest = this.seen.keys().next()
      if (oldest.done !== true) this.seen.delete(oldest.value)
    }
    this.seen.set(request.nonce, nowMs + 2 * this.o.windowMs)
    return 'ok'
  }

  /** Drops nonces whose frames would now be refused as stale anyway. */
  private forget(nowMs: number): void {
    for (const [nonce, until] of this.seen) {
      if (until > nowMs) break
      this.seen.delete(nonce)
    }
  }
}
