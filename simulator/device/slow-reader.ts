/**
 * The slow-reader fault: for a while the device takes bytes off its socket at a fixed rate.
 * Bytes that arrive are held (the socket paused while any are held, so at most one read's worth)
 * and handed on 50 ms' worth at a time; when the period is over, the rest goes at once and the
 * socket reads freely again.
 */

import type { Duplex } from 'node:stream'
import type { TimerWheel, WheelEntry } from '../wheel.js'

const STEP_MS = 50

export class SlowReader {
  private readonly wheel: TimerWheel
  private readonly socket: Duplex
  private readonly deliver: (chunk: Buffer) => void
  private rate: { bytesPerSecond: number; until: number } | null = null
  private held: Buffer[] = []
  private entry: WheelEntry<SlowReader> | null = null

  constructor(wheel: TimerWheel, socket: Duplex, deliver: (chunk: Buffer) => void) {
    this.wheel = wheel
    this.socket = socket
    this.deliver = deliver
  }

  /** Whether incoming bytes must go through `hold` now. */
  get active(): boolean {
    return this.rate !== null
  }

  start(bytesPerSecond: number, durationMs: number): void {
    this.rate = { bytesPerSecond, until: this.wheel.now() + durationMs }
  }

  hold(chunk: Buffer): void {
    this.held.push(chunk)
    this.socket.pause()
    if (this.entry === null || !this.entry.scheduled) this.step()
  }

  stop(): void {
    if (this.entry !== null) this.wheel.cancel(this.entry)
    this.held = []
    this.rate = null
  }

  /** Hand on this step's allowance; resume the socket once nothing is held. */
  step(): void {
    const rate = this.rate
    const over = rate === null || this.wheel.now() >= rate.until
    let allowance = over ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor((rate.bytesPerSecond * STEP_MS) / 1000))
    while (allowance > 0 && this.held.length > 0) {
      const head = this.held[0] as Buffer
      const n = Math.min(allowance, head.length)
      if (n === head.length) this.held.shift()
      else this.held[0] = head.subarray(n)
      allowance -= n
      this.deliver(n === head.length ? head : head.subarray(0, n))
    }
    if (over) this.rate = null
    if (this.held.length === 0) {
      this.socket.resume()
      return
    }
    if (this.entry === null) this.entry = this.wheel.schedule<SlowReader>(STEP_MS, stepReader, this)
    else this.wheel.reschedule(this.entry, STEP_MS)
  }
}

function stepReader(reader: SlowReader): void {
  reader.step()
}
