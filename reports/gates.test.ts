import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { compareToBaseline, formatBaselineRows } from './baseline.js'
import { compare, evaluateGates, formatGateViolations, GateSyntaxError, parseGates } from './gates.js'
import { findKnee } from './knee.js'
import { sampleReport } from './test-support/sample.js'

describe('gate files', () => {
  it('reads lines with comments', () => {
    const gates = parseGates('# stability\nstability.disconnects == 0\n\nlatency.gatewayAddedP99Ms <= 1   # ms\nintegrity.mismatches<1\n', 'g.txt')
    expect(gates).toEqual([
      { metric: 'stability.disconnects', op: '==', value: 0, where: 'g.txt:2' },
      { metric: 'latency.gatewayAddedP99Ms', op: '<=', value: 1, where: 'g.txt:4' },
      { metric: 'integrity.mismatches', op: '<', value: 1, where: 'g.txt:5' },
    ])
  })

  it('reads JSON, as strings or objects', () => {
    expect(parseGates('{"gates": ["a.b >= 2", {"metric": "c.d", "op": "!=", "value": 3}]}', 'g.json')).toEqual([
      { metric: 'a.b', op: '>=', value: 2, where: 'g.json: gates[0]' },
      { metric: 'c.d', op: '!=', value: 3, where: 'g.json: gates[1]' },
    ])
    expect(parseGates('["a.b > 1e3"]', 'g.json')[0]?.value).toBe(1000)
  })

  it('says which line is wrong and why', () => {
    const error = (text: string) => {
      try {
        parseGates(text, 'g.txt')
      } catch (e) {
        expect(e).toBeInstanceOf(GateSyntaxError)
        expect((e as GateSyntaxError).code).toBe(ErrorCode.REPORT_ERR_GATE_SYNTAX)
        return (e as Error).message
      }
      return 'no error'
    }
    expect(error('a.b == 0\nstability.disconnects = 0')).toMatch(/^g\.txt:2: expected 'group\.metric OP number'/)
    expect(error('a.b <= lots')).toBe("g.txt:1: 'lots' is not a number")
    expect(error('disconnects == 0')).toMatch(/^g\.txt:1:/)
    expect(error('# nothing\n')).toBe('g.txt: no gates found')
    expect(error('{"gates": [{"metric": "a.b", "op": "=~", "value": 1}]}')).toMatch(/^g\.txt: gates\[0\]: expected/)
    expect(error('{"gates": ')).toMatch(/^g\.txt: not valid JSON/)
  })
})

describe('gate evaluation', () => {
  it('compares with every operator, allowing float noise only for equality', () => {
    expect([compare(0, '==', 0), compare(0.1 + 0.2, '==', 0.3), compare(1, '==', 1.0001)]).toEqual([true, true, false])
    expect([compare(1, '!=', 2), compare(1, '<', 1), compare(1, '<=', 1), compare(2, '>', 1), compare(1, '>=', 2)]).toEqual([true, false, true, true, false])
  })

  it('reports failed, missing and unmeasured metrics as violations', () => {
    const gates = parseGates('stability.disconnects == 0\nstability.cpuPercentMax <= 5\nlatency.notMeasured < 1\nnope.missing == 0\nintegrity.mismatches == 0', 'g.txt')
    const results = evaluateGates(gates, sampleReport(), 'run')
    expect(results.map((r) => r.status)).toEqual(['passed', 'failed', 'not measured', 'missing', 'passed'])
    expect(formatGateViolations(results)).toEqual([
      ['run', 'stability.cpuPercentMax <= 5', '10.9 %', 'failed', 'g.txt:2'],
      ['run', 'latency.notMeasured < 1', '—', 'metric not measured', 'g.txt:3'],
      ['run', 'nope.missing == 0', '—', 'metric missing', 'g.txt:4'],
    ])
  })
})

describe('baselines', () => {
  const base = sampleReport()
  const withResults = (stability: Record<string, { value: number | null; unit: string; better?: 'lower' | 'higher'; tolerancePct?: number }>) =>
    sampleReport({ results: { ...base.results, stability: { ...base.results['stability'], ...stability } } })

  it('passes a run within tolerance and flags regressions by direction', () => {
    const run = withResults({
      cpuPercentMax: { value: 11.9, unit: '%', better: 'lower' }, // +9 %: within 10 %
      rssMBMax: { value: 30, unit: 'MB', better: 'lower' }, // +14.5 %: regressed
      connectedDevices: { value: 850, unit: 'devices', better: 'higher' }, // -15 %: regressed
      disconnects: { value: 1, unit: 'count', better: 'lower' }, // from 0: regressed
    })
    const rows = compareToBaseline(run, base, 10)
    const status = Object.fromEntries(rows.map((r) => [r.metric, r.status]))
    expect(status).toEqual({
      'stability.disconnects': 'regressed',
      'stability.cpuPercentMax': 'ok',
      'stability.rssMBMax': 'regressed',
      'stability.connectedDevices': 'regressed',
      'latency.gatewayAddedP99Ms': 'ok',
    })
  })

  it('counts moves the right way as improvements, never regressions', () => {
    const rows = compareToBaseline(withResults({ rssMBMax: { value: 13, unit: 'MB', better: 'lower' }, connectedDevices: { value: 2000, unit: 'devices', better: 'higher' } }), base, 10)
    expect(rows.filter((r) => r.status === 'improved').map((r) => r.metric)).toEqual(['stability.rssMBMax', 'stability.connectedDevices'])
  })

  it("uses the baseline metric's own tolerance over the default", () => {
    const strict = withResults({ cpuPercentMax: { value: 10.9, unit: '%', better: 'lower', tolerancePct: 1 } })
    const rows = compareToBaseline(withResults({ cpuPercentMax: { value: 11.2, unit: '%', better: 'lower' } }), strict, 10)
    expect(rows.find((r) => r.metric === 'stability.cpuPercentMax')).toMatchObject({ status: 'regressed', tolerancePct: 1 })
  })

  it('flags a metric the run no longer has, and refuses another scenario', () => {
    const rows = compareToBaseline(withResults({ cpuPercentMax: { value: null, unit: '%', better: 'lower' } }), base, 10)
    expect(rows.find((r) => r.metric === 'stability.cpuPercentMax')?.status).toBe('missing')
    expect(() => compareToBaseline(sampleReport({ scenario: 'latency' }), base)).toThrow(/baseline is for scenario 'stability', the run is 'latency'/)
  })

  it('formats rows for the terminal', () => {
    const rows = compareToBaseline(withResults({ rssMBMax: { value: 30, unit: 'MB', better: 'lower' } }), base, 10)
    expect(formatBaselineRows(rows.filter((r) => r.status !== 'ok'))).toEqual([['stability.rssMBMax', '26.2 MB', '30 MB', '+14.5 %', 'lower is better, ±10 %', 'regressed']])
  })
})

describe('knee', () => {
  it('finds the last good and first bad x, in any order', () => {
    expect(findKnee([[600, 0.5], [100, 1], [500, 0.995], [550, 0.9]], 0.99)).toEqual({ lastGoodX: 500, firstBadX: 550, label: 'below 99 % between 500 and 550 devices' })
  })

  it('is null when the curve holds up everywhere', () => {
    expect(findKnee([[100, 1], [200, 1]])).toBeNull()
  })
})
