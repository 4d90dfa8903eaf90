/**
 * Deterministic randomness for the fleet: every device's identity, firmware knobs and fault
 * times derive from `--seed` and the device's index, so a run can be repeated exactly and two
 * worker processes agree on device 17 without talking to each other.
 */

import { createHash } from 'node:crypto'

/** A small, fast PRNG (mulberry32): uniform floats in [0, 1). */
export type Random = () => number

export function createRandom(seed32: number): Random {
  let state = seed32 >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** 32 bytes that depend only on the seed, a purpose label and the device index. */
export function deriveBytes(seed: string, purpose: string, index: number): Buffer {
  return createHash('sha256').update(`ciralab:${purpose}:${seed}:${index}`).digest()
}

/** A PRNG for one device and one purpose. */
export function deviceRandom(seed: string, purpose: string, index: number): Random {
  return createRandom(deriveBytes(seed, purpose, index).readUInt32BE(0))
}

/**
 * Pick a key by weight. `weights` maps choices to non-negative numbers with a positive sum
 * (validated with the profile); iteration order is the object's, so picks are stable.
 */
export function pickWeighted<K extends string>(weights: Readonly<Record<K, number>>, random: Random): K {
  const entries = Object.entries(weights) as [K, number][]
  let total = 0
  for (const [, w] of entries) total += w
  let x = random() * total
  for (const [key, w] of entries) {
    if (x < w) return key
    x -= w
  }
  // Only reachable through rounding at the very top of the range.
  return (entries[entries.length - 1] as [K, number])[0]
}

/** Exponential waiting time (ms) for a Poisson process with `ratePerHour` events per hour. */
export function exponentialDelayMs(ratePerHour: number, random: Random): number {
  const u = 1 - random() // (0, 1]
  return (-Math.log(u) / ratePerHour) * 3_600_000
}
