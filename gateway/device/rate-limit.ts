/**
 * Authentication failures per source address. After `limit` failures within `windowMs` an
 * address is refused at accept time, before any TLS work, until its window passes. The table is
 * bounded: past `maxAddresses` the oldest entry goes (Map keeps insertion order).
 *
 * Applied to the TLS listener only: behind a TLS terminator every device shares the terminator's
 * address, so the plain listener counts and logs failures but refuses nobody for them.
 */

interface Window {
  count: number
  readonly startedAt: number
}

export class FailureRateLimiter {
  private readonly entries = new Map<string, Window>()
  private readonly limit: number
  private readonly windowMs: number
  private readonly maxAddresses: number

  constructor(limit: number, windowMs: number, maxAddresses = 10_000) {
    this.limit = limit
    this.windowMs = windowMs
    this.maxAddresses = maxAddresses
  }

  get size(): number {
    return this.entries.size
  }

  isBlocked(address: string, now: number): boolean {
    const entry = this.entries.get(address)
    if (entry === undefined) return false
    if (now - entry.startedAt >= this.windowMs) {
      this.entries.delete(address)
      return false
    }
    return entry.count >= this.limit
  }

  /** Count one failure; true when the address is now blocked. */
  recordFailure(address: string, now: number): boolean {
    let entry = this.entries.get(address)
    if (entry === undefined || now - entry.startedAt >= this.windowMs) {
      this.entries.delete(address)
      entry = { count: 0, startedAt: now }
      this.entries.set(address, entry)
      if (this.entries.size > this.maxAddresses) {
        const oldest = this.entries.keys().next().value
        if (oldest !== undefined) this.entries.delete(oldest)
      }
    }
    entry.count++
    return entry.count >= this.limit
  }

  /** Drop expired windows (called from the shared sweep). */
  prune(now: number): void {
    for (const [address, entry] of this.entries) {
      if (now - entry.startedAt >= this.windowMs) this.entries.delete(address)
    }
  }
}
