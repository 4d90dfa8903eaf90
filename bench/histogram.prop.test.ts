import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { propertyParams, propertyTimeout } from '../conformance/codec/fc-params.js'
import { HIGHEST_TRACKABLE_MICROS, LatencyHistogram, RELATIVE_ERROR } from './histogram.js'

const PROPERTIES = 3
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

/** Latencies spread over the whole range: mostly small, with a log-uniform tail up to 1 hour. */
const latency = fc.oneof(
  fc.integer({ min: 0, max: 5000 }),
  fc.double({ min: 0, max: Math.log(HIGHEST_TRACKABLE_MICROS), noNaN: true }).map((x) => Math.round(Math.exp(x))),
)
const latencies = fc.array(latency, { minLength: 1, maxLength: 400 })
const percentiles = [0, 1, 25, 50, 90, 99, 99.9, 100]

/** Nearest-rank percentile of an exact sort: the definition the histogram approximates. */
function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9))
  return sorted[rank - 1] as number
}

describe('latency histogram properties', () => {
  it(
    'every percentile is within the stated relative error of an exact sort, never below it',
    () => {
      fc.assert(
        fc.property(latencies, (values) => {
          const h = new LatencyHistogram()
          for (const v of values) h.record(v)
          const sorted = [...values].sort((a, b) => a - b)
          for (const p of percentiles) {
            const exact = exactPercentile(sorted, p)
            const got = h.percentile(p)
            expect(got).toBeGreaterThanOrEqual(exact)
            expect(got - exact).toBeLessThanOrEqual(exact * RELATIVE_ERROR)
          }
          expect(h.min).toBe(sorted[0])
          expect(h.max).toBe(sorted[sorted.length - 1])
          expect(h.count).toBe(values.length)
        }),
        params(300),
      )
    },
    timeout,
  )

  it(
    'merging equals recording everything into one histogram',
    () => {
      fc.assert(
        fc.property(latencies, latencies, (a, b) => {
          const left = new LatencyHistogram()
          const right = new LatencyHistogram()
          const all = new LatencyHistogram()
          for (const v of a) left.record(v)
          for (const v of b) right.record(v)
          for (const v of [...a, ...b]) all.record(v)
          left.merge(right)
          expect(left.toJSON()).toEqual(all.toJSON())
        }),
        params(200),
      )
    },
    timeout,
  )

  it(
    'the JSON form round-trips through text',
    () => {
      fc.assert(
        fc.property(fc.array(latency, { maxLength: 300 }), (values) => {
          const h = new LatencyHistogram()
          for (const v of values) h.record(v)
          const back = LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(h)))
          expect(back.toJSON()).toEqual(h.toJSON())
          expect(back.summary()).toEqual(h.summary())
        }),
        params(200),
      )
    },
    timeout,
  )
})
