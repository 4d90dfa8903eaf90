import { describe, expect, it } from 'vitest'
import { describeSerializedProblem, HIGHEST_TRACKABLE_MICROS, LatencyHistogram } from './histogram.js'

describe('latency histogram', () => {
  it('is exact below 2048 µs', () => {
    const h = new LatencyHistogram()
    for (let v = 1; v <= 1000; v++) h.record(v)
    expect(h.summary()).toEqual({ count: 1000, min: 1, max: 1000, mean: 500.5, p50: 500, p90: 900, p99: 990, p999: 999 })
  })

  it('keeps 3 significant digits at large values and reports the exact max', () => {
    const h = new LatencyHistogram()
    h.record(1_234_567)
    h.record(2_000_000)
    expect(h.percentile(50)).toBeGreaterThanOrEqual(1_234_567)
    expect(h.percentile(50)).toBeLessThan(1_234_567 * 1.001)
    expect(h.percentile(100)).toBe(2_000_000)
    expect(h.max).toBe(2_000_000)
  })

  it('clamps values above one hour and counts them', () => {
    const h = new LatencyHistogram()
    h.record(HIGHEST_TRACKABLE_MICROS * 3)
    expect(h.max).toBe(HIGHEST_TRACKABLE_MICROS)
    expect(h.clamped).toBe(1)
  })

  it('rounds fractional microseconds and records repeated values at once', () => {
    const h = new LatencyHistogram()
    h.record(10.4, 3)
    h.record(10.6)
    expect(h.toJSON().buckets).toEqual([10, 3, 11, 1])
  })

  it('rejects negative and non-finite values', () => {
    const h = new LatencyHistogram()
    expect(() => h.record(-1)).toThrow(RangeError)
    expect(() => h.record(Number.NaN)).toThrow(RangeError)
    expect(() => h.record(1, 0)).toThrow(RangeError)
    expect(() => h.percentile(101)).toThrow(RangeError)
  })

  it('reports zeros when empty', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0 })
  })

  it('serialises compactly: only non-empty buckets', () => {
    const h = new LatencyHistogram()
    for (let i = 0; i < 10_000; i++) h.record(5000 + (i % 7))
    const json = h.toJSON()
    expect(json.buckets.length).toBeLessThanOrEqual(8)
    expect(JSON.stringify(json).length).toBeLessThan(300)
    expect(json.count).toBe(10_000)
  })

  it('measures elapsed time from an hrtime start', () => {
    const h = new LatencyHistogram()
    h.recordSince(process.hrtime.bigint())
    expect(h.count).toBe(1)
  })

  it('names what is wrong with a bad serialised form', () => {
    const good = new LatencyHistogram()
    good.record(3000)
    const json = good.toJSON()
    expect(describeSerializedProblem(json)).toBeNull()
    expect(describeSerializedProblem({ ...json, count: 2 })).toMatch(/count: 2 but the buckets hold 1/)
    expect(describeSerializedProblem({ ...json, buckets: [3001, 1] })).toMatch(/not the low value of a bucket/)
    expect(describeSerializedProblem({ ...json, buckets: [1, 1, 1, 1], count: 2 })).toMatch(/ascend/)
    expect(describeSerializedProblem({ ...json, format: 'x' })).toMatch(/^format/)
    expect(() => LatencyHistogram.fromJSON({ ...json, buckets: [2, 0] })).toThrow(/bad count/)
  })
})
