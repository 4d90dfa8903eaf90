/**
 * A latency histogram in the HdrHistogram style: log-linear buckets over a fixed range, fixed
 * memory, constant-time `record`, mergeable, and serialisable as a compact list so that child
 * processes can send what they measured to the parent.
 *
 * Values are whole microseconds from 1 µs to 1 hour (larger values are clamped to 1 hour and
 * counted in `clamped`). Each power of two above 2048 µs is split into 1024 equal sub-buckets,
 * so a bucket's width is at most 1/1024 of its lower bound: every percentile we report is within
 * 0.1 % (3 significant digits) of the exact value, and never below it.
 *
 * Memory: 23 552 counters (184 KiB as Float64Array), whatever the number of samples.
 */

/** Sub-buckets per half power of two: 2^10 = 1024, which gives 3 significant digits. */
const SUB_BUCKET_HALF_MAGNITUDE = 10
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE
const SUB_BUCKET_COUNT = 2 * SUB_BUCKET_HALF_COUNT

/** 1 hour in microseconds: the longest latency a bench run can meaningfully report. */
export const HIGHEST_TRACKABLE_MICROS = 3_600_000_000
/** Largest relative error of a reported value (bucket width / bucket lower bound). */
export const RELATIVE_ERROR = 1 / SUB_BUCKET_HALF_COUNT

// Buckets above bucket 0 double in width; 21 of them reach past 1 hour (2048 << 21 > 3.6e9).
const BUCKET_COUNT = Math.ceil(Math.log2(HIGHEST_TRACKABLE_MICROS / SUB_BUCKET_COUNT)) + 1
const COUNTS_LENGTH = (BUCKET_COUNT + 1) * SUB_BUCKET_HALF_COUNT

/** The JSON form: non-empty buckets as a flat `[lowValue, count, lowValue, count, ...]` list. */
export interface SerializedHistogram {
  readonly format: 'ciralab-hdr-1'
  readonly unit: 'us'
  readonly count: number
  readonly min: number
  readonly max: number
  /** Sum of the recorded values (before bucketing), for an exact mean. */
  readonly sum: number
  /** Values above HIGHEST_TRACKABLE_MICROS that were recorded as that value. */
  readonly clamped: number
  /**
   * Pairs of (lowest value the bucket holds, count), ascending. The low value identifies the
   * bucket without depending on our index layout, so a reader needs no knowledge of it.
   */
  readonly buckets: readonly number[]
}

export interface HistogramSummary {
  readonly count: number
  readonly min: number
  readonly max: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly p999: number
}

/** One non-empty bucket: values in [low, high] were counted `count` times. */
export interface HistogramBucket {
  readonly low: number
  readonly high: number
  readonly count: number
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LENGTH)
  private total = 0
  private minValue = Number.POSITIVE_INFINITY
  private maxValue = 0
  private sumValue = 0
  private clampedCount = 0

  /** Records one latency (or `times` equal ones) in microseconds; fractions are rounded. */
  record(valueMicros: number, times = 1): void {
    // `!(x >= 0)` also rejects NaN; Infinity is caught by the clamp below.
    if (!(valueMicros >= 0) || valueMicros === Number.POSITIVE_INFINITY) throw new RangeError(`latency must be a finite number >= 0, got ${valueMicros}`)
    if (times !== 1 && !(Number.isInteger(times) && times >= 1)) throw new RangeError(`times must be a whole number >= 1, got ${times}`)
    let value = Math.round(valueMicros)
    if (value > HIGHEST_TRACKABLE_MICROS) {
      value = HIGHEST_TRACKABLE_MICROS
      this.clampedCount += times
    }
    this.add(indexOf(value), times)
    this.total += times
    this.sumValue += value * times
    if (value < this.minValue) this.minValue = value
    if (value > this.maxValue) this.maxValue = value
  }

  /** Records the time since `startNs` (from `process.hrtime.bigint()`). */
  recordSince(startNs: bigint): void {
    this.record(Number(process.hrtime.bigint() - startNs) / 1000)
  }

  /** Adds every value of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    for (let i = 0; i < COUNTS_LENGTH; i++) this.add(i, other.counts[i] ?? 0)
    this.total += other.total
    this.sumValue += other.sumValue
    this.clampedCount += other.clampedCount
    if (other.total > 0) {
      this.minValue = Math.min(this.minValue, other.minValue)
      this.maxValue = Math.max(this.maxValue, other.maxValue)
    }
  }

  private add(index: number, times: number): void {
    this.counts[index] = (this.counts[index] ?? 0) + times
  }

  get count(): number {
    return this.total
  }

  get clamped(): number {
    return this.clampedCount
  }

  get min(): number {
    return this.total === 0 ? 0 : this.minValue
  }

  get max(): number {
    return this.maxValue
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sumValue / this.total
  }

  /**
   * The value below or at which `percentile` % of the recorded values fall (nearest rank, as an
   * exact sort would give), reported as the top of its bucket but never beyond the observed
   * min/max. 0 for an empty histogram.
   */
  percentile(percentile: number): number {
    if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile must be within 0..100, got ${percentile}`)
    if (this.total === 0) return 0
    // The epsilon keeps float noise (99.9 * 1000 / 100 = 999.0000000000001) from moving the rank.
    const rank = Math.max(1, Math.ceil((percentile * this.total) / 100 - 1e-9))
    let seen = 0
    for (let i = 0; i < COUNTS_LENGTH; i++) {
      seen += this.counts[i] ?? 0
      if (seen >= rank) return Math.min(this.maxValue, Math.max(this.minValue, highestEquivalent(i)))
    }
    return this.maxValue
  }

  summary(): HistogramSummary {
    return {
      count: this.total,
      min: this.min,
      max: this.max,
      mean: this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
    }
  }

  /** The non-empty buckets, ascending. */
  *buckets(): Generator<HistogramBucket> {
    for (let i = 0; i < COUNTS_LENGTH; i++) {
      const count = this.counts[i] ?? 0
      if (count > 0) yield { low: lowestEquivalent(i), high: highestEquivalent(i), count }
    }
  }

  toJSON(): SerializedHistogram {
    const buckets: number[] = []
    for (const b of this.buckets()) buckets.push(b.low, b.count)
    return { format: 'ciralab-hdr-1', unit: 'us', count: this.total, min: this.min, max: this.max, sum: this.sumValue, clamped: this.clampedCount, buckets }
  }

  /** Rebuilds a histogram from its JSON form; throws a RangeError naming what is inconsistent. */
  static fromJSON(data: SerializedHistogram): LatencyHistogram {
    const problem = describeSerializedProblem(data)
    if (problem !== null) throw new RangeError(`histogram: ${problem}`)
    const h = new LatencyHistogram()
    for (let i = 0; i < data.buckets.length; i += 2) {
      const low = data.buckets[i] as number
      h.add(indexOf(low), data.buckets[i + 1] as number)
    }
    h.total = data.count
    h.sumValue = data.sum
    h.clampedCount = data.clamped
    if (data.count > 0) {
      h.minValue = data.min
      h.maxValue = data.max
    }
    return h
  }
}

/** Why `data` is not a valid serialised histogram, or null. Used by the report validator too. */
export function describeSerializedProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return 'expected an object'
  const d = data as Record<string, unknown>
  if (d['format'] !== 'ciralab-hdr-1') return `format: expected 'ciralab-hdr-1', got ${JSON.stringify(d['format'])}`
  if (d['unit'] !== 'us') return `unit: expected 'us', got ${JSON.stringify(d['unit'])}`
  for (const key of ['count', 'min', 'max', 'sum', 'clamped']) {
    const v = d[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${key}: expected a number >= 0, got ${JSON.stringify(v)}`
  }
  const buckets = d['buckets']
  if (!Array.isArray(buckets) || buckets.length % 2 !== 0) return 'buckets: expected a flat list of [lowValue, count] pairs'
  let total = 0
  let previous = -1
  for (let i = 0; i < buckets.length; i += 2) {
    const low: unknown = buckets[i]
    const count: unknown = buckets[i + 1]
    if (typeof low !== 'number' || !Number.isInteger(low) || low < 0 || low > HIGHEST_TRACKABLE_MICROS) return `buckets[${i}]: bad low value ${JSON.stringify(low)}`
    if (lowestEquivalent(indexOf(low)) !== low) return `buckets[${i}]: ${low} is not the low value of a bucket`
    if (low <= previous) return `buckets[${i}]: low values must ascend`
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return `buckets[${i + 1}]: bad count ${JSON.stringify(count)}`
    previous = low
    total += count
  }
  if (total !== d['count']) return `count: ${String(d['count'])} but the buckets hold ${total}`
  return null
}

/** Index of the counter for `value` (a whole number within range). */
function indexOf(value: number): number {
  if (value < SUB_BUCKET_COUNT) return value
  // floor(log2(value)) via clz32: values stay below 2^32 (1 hour = 3.6e9 µs).
  const bucket = 31 - Math.clz32(value) - SUB_BUCKET_HALF_MAGNITUDE
  // Unsigned shift: values reach 3.6e9, past the signed 32-bit range.
  const subBucket = value >>> bucket
  return bucket * SUB_BUCKET_HALF_COUNT + subBucket
}

function bucketOfIndex(index: number): { bucket: number; subBucket: number } {
  if (index < SUB_BUCKET_COUNT) return { bucket: 0, subBucket: index }
  const bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1
  return { bucket, subBucket: index - bucket * SUB_BUCKET_HALF_COUNT }
}

function lowestEquivalent(index: number): number {
  const { bucket, subBucket } = bucketOfIndex(index)
  return subBucket * 2 ** bucket
}

function highestEquivalent(index: number): number {
  const { bucket } = bucketOfIndex(index)
  return lowestEquivalent(index) + 2 ** bucket - 1
}
