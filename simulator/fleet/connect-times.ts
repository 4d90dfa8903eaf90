/**
 * Connect times (ms) in log-spaced buckets (5% wide): fixed memory however many devices connect,
 * and mergeable across worker processes as a plain object. Percentiles are the bucket's upper
 * edge, so they are never optimistic by more than 5%.
 */

const GROWTH = 1.05
const LOG_GROWTH = Math.log(GROWTH)

export interface ConnectTimesSummary {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

export class ConnectTimes {
  private readonly counts = new Map<number, number>()
  private total = 0
  private maximum = 0

  record(ms: number): void {
    const v = Math.max(0, ms)
    const bucket = v < 1 ? 0 : 1 + Math.floor(Math.log(v) / LOG_GROWTH)
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1)
    this.total++
    this.maximum = Math.max(this.maximum, v)
  }

  merge(buckets: Readonly<Record<string, number>>): void {
    for (const [key, n] of Object.entries(buckets)) {
      if (key === 'max') {
        this.maximum = Math.max(this.maximum, n)
        continue
      }
      const bucket = Number(key)
      this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + n)
      this.total += n
    }
  }

  toJSON(): Record<string, number> {
    const out: Record<string, number> = { max: this.maximum }
    for (const [bucket, n] of this.counts) out[String(bucket)] = n
    return out
  }

  summary(): ConnectTimesSummary {
    return { count: this.total, p50: this.percentile(0.5), p95: this.percentile(0.95), p99: this.percentile(0.99), max: Math.round(this.maximum) }
  }

  private percentile(q: number): number {
    if (this.total === 0) return 0
    const rank = Math.ceil(q * this.total)
    let seen = 0
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket) as number
      if (seen >= rank) return Math.min(Math.round(bucket === 0 ? 1 : GROWTH ** bucket), Math.round(this.maximum))
    }
    return Math.round(this.maximum)
  }
}
