import { describe, expect, it } from 'vitest'
import { createRunReport, flattenMetrics } from '../reports/model.js'
import { evaluateGates, parseGates } from '../reports/gates.js'
import { validateReport } from '../reports/validate.js'
import { mergeComparison, pathSafe } from './compare.js'
import { medianResults } from './runner.js'
import type { ScenarioOutcome } from './scenarios/types.js'

const outcome = (rss: number, disconnects: number): ScenarioOutcome => ({
  results: { scale: { rssPerDeviceKiB: { value: rss, unit: 'KiB', better: 'lower', tolerancePct: 100 }, disconnects: { value: disconnects, unit: 'count', better: 'lower', tolerancePct: 0 } } },
  vendor: [{ metric: 'gateway memory per device', ours: rss, vendor: 26, unit: 'KiB', better: 'lower' }],
  series: [{ name: 'gateway rss', unit: 'MB', chart: 'gateway rss', points: [[0, 70], [1, 80]] }],
  tables: [{ title: 'Per step', columns: ['a'], rows: [[1]] }],
  integrity: { disconnects },
  notes: ['n'],
})

describe('comparing two targets in one report', () => {
  it("keeps A's results where gates look, puts B's beside them without directions, and gives B / A", () => {
    const merged = mergeComparison(outcome(20, 0), 'ciralab', outcome(30, 2), 'MeshCentral 1.1')
    const report = validateReport(JSON.parse(JSON.stringify(createRunReport({ scenario: 'scale', startedAt: new Date().toISOString(), ...merged }))), 'merged')
    const metrics = flattenMetrics(report)
    expect(metrics.get('scale.rssPerDeviceKiB')?.value).toBe(20)
    expect(metrics.get('scale-MeshCentral-1-1.rssPerDeviceKiB')).toEqual({ value: 30, unit: 'KiB' })
    expect(metrics.get('integrity.MeshCentral-1-1-disconnects')?.value).toBe(2)
    expect(merged.tables?.[0]?.rows).toEqual([
      ['scale.rssPerDeviceKiB', 'KiB', 20, 30, 1.5],
      ['scale.disconnects', 'count', 0, 2, null],
    ])
    expect(merged.series?.map((s) => [s.name, s.chart])).toEqual([['gateway rss', 'gateway rss'], ['MeshCentral 1.1: gateway rss', 'MeshCentral 1.1: gateway rss']])
    expect(merged.vendor?.map((v) => v.metric)).toEqual(['gateway memory per device', 'MeshCentral 1.1: gateway memory per device'])
    // Gates address A; B's metrics are there to read and can be gated by their own path.
    const gates = parseGates('scale.disconnects == 0\nscale-MeshCentral-1-1.disconnects == 0', 'g')
    expect(evaluateGates(gates, report, 'r').map((r) => r.status)).toEqual(['passed', 'failed'])
  })

  it('names become metric path segments', () => {
    expect(pathSafe('MeshCentral 1.1.55 (mpsserver)')).toBe('MeshCentral-1-1-55-mpsserver')
    expect(pathSafe('...')).toBe('b')
  })

  it('takes the median of each metric over rounds', () => {
    const rounds = [outcome(30, 0), outcome(10, 1), outcome(20, 0)].map((o) => o.results ?? {})
    const median = medianResults(rounds)
    expect(median['scale']?.['rssPerDeviceKiB']).toEqual({ value: 20, unit: 'KiB', better: 'lower', tolerancePct: 100 })
    expect(median['scale']?.['disconnects']?.value).toBe(0)
    expect(medianResults([outcome(1, 0).results ?? {}, outcome(4, 0).results ?? {}])['scale']?.['rssPerDeviceKiB']?.value).toBe(2.5)
  })
})
