/**
 * Faults a device can suffer, each as a rate (Poisson, per device per hour) or a schedule
 * (seconds after the device starts), for a chosen fraction of the fleet. The device carries
 * them out on its own connection (device.ts); every fault applied is counted by kind and shows
 * up in the run summary.
 *
 * - reset: the TCP connection is aborted with RST.
 * - half-open: the device stops reading and writing (a vanished host); after `durationSeconds`
 *   it drops the socket and reconnects as a rebooted device would.
 * - slow-reader: the device reads at `bytesPerSecond` for `durationSeconds`.
 * - split: for `durationSeconds`, every APF write goes out in pieces cut at random points.
 * - garbage: `bytes` random bytes (never a valid APF message type first) are written.
 * - missed-keepalives: the next `count` keepalives are not sent.
 * - reconnect-storm: the device drops and re-establishes its tunnel `count` times in a row,
 *   ignoring its backoff.
 */

import type { TimerWheel, WheelEntry } from './wheel.js'
import { deviceRandom, exponentialDelayMs, type Random } from './device/rng.js'

export const FAULT_KINDS = ['reset', 'half-open', 'slow-reader', 'split', 'garbage', 'missed-keepalives', 'reconnect-storm'] as const

export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultSpec {
  readonly kind: FaultKind
  /** Occurrences per device per hour (Poisson). */
  readonly ratePerHour?: number
  /** Fixed times, seconds after the device starts. */
  readonly atSeconds?: readonly number[]
  /** Fraction of the devices this applies to (default 1: all). */
  readonly fraction?: number
  /** half-open, slow-reader, split: how long (default 30 s). */
  readonly durationSeconds?: number
  /** missed-keepalives: how many (default 3); reconnect-storm: reconnects (default 5). */
  readonly count?: number
  /** slow-reader: read rate (default 512 B/s). */
  readonly bytesPerSecond?: number
  /** garbage: how many bytes (default 16). */
  readonly bytes?: number
}

/** A fault with every parameter settled, as the device applies it. */
export interface Fault {
  readonly kind: FaultKind
  readonly durationMs: number
  readonly count: number
  readonly bytesPerSecond: number
  readonly bytes: number
}

export function resolveFault(spec: Pick<FaultSpec, 'kind'> & Partial<FaultSpec>): Fault {
  return {
    kind: spec.kind,
    durationMs: (spec.durationSeconds ?? 30) * 1000,
    count: spec.count ?? (spec.kind === 'reconnect-storm' ? 5 : 3),
    bytesPerSecond: spec.bytesPerSecond ?? 512,
    bytes: spec.bytes ?? 16,
  }
}

/** Whatever carries faults out: true when the fault took effect (counted), false when it could not (no tunnel). */
export interface FaultTarget {
  applyFault(fault: Fault): boolean
}

interface Planned {
  readonly owner: DeviceFaults
  readonly spec: FaultSpec
  readonly fault: Fault
  next: number
  entry: WheelEntry<Planned> | null
}

/** The fault plan of one device: wheel entries only for the specs that select it. */
export class DeviceFaults {
  private readonly planned: Planned[] = []
  private readonly wheel: TimerWheel
  private readonly target: FaultTarget
  private readonly random: Random

  constructor(specs: readonly FaultSpec[], seed: string, index: number, wheel: TimerWheel, target: FaultTarget) {
    this.wheel = wheel
    this.target = target
    this.random = deviceRandom(seed, 'faults', index)
    for (const spec of specs) {
      if (this.random() >= (spec.fraction ?? 1)) continue
      this.planned.push({ owner: this, spec, fault: resolveFault(spec), next: 0, entry: null })
    }
  }

  get active(): boolean {
    return this.planned.length > 0
  }

  /** Arm every planned fault, counting from now. */
  start(): void {
    for (const p of this.planned) this.armNext(p)
  }

  stop(): void {
    for (const p of this.planned) {
      if (p.entry !== null) this.wheel.cancel(p.entry)
    }
  }

  private armNext(p: Planned): void {
    const delay = this.nextDelay(p)
    if (delay === null) return
    if (p.entry === null) p.entry = this.wheel.schedule(delay, fire, p)
    else this.wheel.reschedule(p.entry, delay)
  }

  private nextDelay(p: Planned): number | null {
    const at = p.spec.atSeconds ?? []
    if (p.next < at.length) {
      const previous = p.next === 0 ? 0 : (at[p.next - 1] as number)
      return ((at[p.next] as number) - previous) * 1000
    }
    const rate = p.spec.ratePerHour ?? 0
    return rate > 0 ? exponentialDelayMs(rate, this.random) : null
  }

  fired(p: Planned): void {
    p.next++
    this.target.applyFault(p.fault)
    this.armNext(p)
  }
}

function fire(p: Planned): void {
  p.owner.fired(p)
}

/** Cut `data` into 2 to 4 pieces at random points (each piece at least one byte). */
export function splitAtRandom(data: Buffer, random: Random): Buffer[] {
  if (data.length < 2) return [data]
  const cuts = new Set<number>()
  const wanted = 1 + Math.floor(random() * Math.min(3, data.length - 1))
  while (cuts.size < wanted) cuts.add(1 + Math.floor(random() * (data.length - 1)))
  const points = [...cuts].sort((a, b) => a - b)
  const pieces: Buffer[] = []
  let from = 0
  for (const point of points) {
    pieces.push(data.subarray(from, point))
    from = point
  }
  pieces.push(data.subarray(from))
  return pieces
}

/** Random bytes whose first byte is not an APF message type (0xFF is none), so a gateway must notice. */
export function garbageBytes(length: number, random: Random): Buffer {
  const out = Buffer.allocUnsafe(Math.max(1, length))
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(random() * 256)
  out[0] = 0xff
  return out
}
