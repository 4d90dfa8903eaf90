/**
 * Channel window credit arithmetic, both directions. No I/O: the connection layer asks these
 * objects how much it may send and when to send CHANNEL_WINDOW_ADJUST (apf.md §2.3).
 */

/** Largest window either side may have: the u32 field. */
export const MAX_WINDOW = 0xffffffff

/** What we may still send to the peer: its initial window plus every WINDOW_ADJUST. */
export class SendWindow {
  private credit: number

  constructor(initialWindowSize: number) {
    this.credit = initialWindowSize
  }

  get available(): number {
    return this.credit
  }

  /** Bytes of `wanted` that may go now; the credit is spent. */
  take(wanted: number): number {
    const n = Math.min(wanted, this.credit)
    this.credit -= n
    return n
  }

  /** Apply a WINDOW_ADJUST. False when the window would pass 2^32-1 (a protocol error in SSH). */
  add(bytesToAdd: number): boolean {
    if (this.credit + bytesToAdd > MAX_WINDOW) return false
    this.credit += bytesToAdd
    return true
  }
}

/**
 * What the peer may still send us. Data counts against the window on arrival; credit returns
 * only when the consumer has drained it (`consumed`), and is batched: one WINDOW_ADJUST once at
 * least `threshold` bytes (default half the window, as MPS does) are drained.
 */
export class ReceiveWindow {
  readonly size: number
  readonly threshold: number
  private open: number
  private drained = 0

  constructor(size: number, threshold = Math.max(1, Math.floor(size / 2))) {
    this.size = size
    this.threshold = threshold
    this.open = size
  }

  /** Bytes the peer may still send before it must wait for credit. */
  get remaining(): number {
    return this.open
  }

  /** Bytes received but not yet returned to the peer as credit. */
  get outstanding(): number {
    return this.size - this.open
  }

  /** Count arriving data. False when it exceeds the window: the peer broke flow control. */
  receive(length: number): boolean {
    if (length > this.open) return false
    this.open -= length
    return true
  }

  /**
   * The consumer drained `length` bytes. Returns the bytesToAdd of a WINDOW_ADJUST to send now,
   * or 0 to keep batching.
   */
  consumed(length: number): number {
    this.drained += length
    if (this.drained < this.threshold && this.open > 0) return 0
    const bytesToAdd = this.drained
    this.drained = 0
    this.open += bytesToAdd
    return bytesToAdd
  }
}
