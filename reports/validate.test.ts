import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { codecMetricKey, createRunReport, flattenMetrics } from './model.js'
import { sampleReport, SAMPLE_MACHINE } from './test-support/sample.js'
import { ReportValidationError, validateReport } from './validate.js'

const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>

function problemsOf(data: unknown): readonly string[] {
  try {
    validateReport(data, 'run.json')
  } catch (error) {
    expect(error).toBeInstanceOf(ReportValidationError)
    expect((error as ReportValidationError).code).toBe(ErrorCode.REPORT_ERR_INVALID)
    return (error as ReportValidationError).problems
  }
  throw new Error('expected a validation error')
}

describe('report validation', () => {
  it('accepts a complete report and gives it back unchanged', () => {
    const report = sampleReport()
    expect(validateReport(roundTrip(report))).toEqual(roundTrip(report))
  })

  it('fills in defaults for the optional parts', () => {
    const minimal = { kind: 'run', format: 'ciralab-run-1', scenario: 'latency', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', machine: SAMPLE_MACHINE, results: {} }
    const report = validateReport(minimal)
    expect(report).toMatchObject({ title: 'latency', interrupted: false, vendor: [], series: [], histograms: [], charts: [], tables: [], integrity: {}, notes: [], parameters: {} })
  })

  it('names the path of every bad field, all at once', () => {
    const bad = roundTrip(sampleReport())
    const results = bad['results'] as Record<string, Record<string, Record<string, unknown>>>
    ;(results['stability'] as Record<string, Record<string, unknown>>)['disconnects'] = { value: 'none', unit: 'count', better: 'less' }
    ;(bad['series'] as Record<string, unknown>[])[1] = { name: 'cpu', unit: '%', points: [[0, 1], [2]] }
    ;(bad['machine'] as Record<string, unknown>)['cpuCount'] = '2'
    bad['startedAt'] = 'yesterday'
    const problems = problemsOf(bad)
    expect(problems).toEqual([
      'startedAt: expected an ISO date, got "yesterday"',
      'machine.cpuCount: expected a number, got "2"',
      'results.stability.disconnects.value: expected a number or null, got "none"',
      "results.stability.disconnects.better: expected 'lower' or 'higher' or 'none', got \"less\"",
      'series[1].points[1]: expected a [x, y] pair of numbers, got [2]',
    ])
  })

  it('puts the file name and the first problems in the message', () => {
    expect(() => validateReport({ kind: 'run', format: 'ciralab-run-1' }, 'a.json')).toThrow(/^a\.json: scenario: expected a string, got nothing \(and \d+ more: /)
  })

  it('rejects an unknown kind and a broken histogram', () => {
    expect(problemsOf({ kind: 'bench' })).toEqual(["kind: expected 'run' or 'codec', got \"bench\""])
    const bad = roundTrip(sampleReport())
    const h = (bad['histograms'] as Record<string, Record<string, unknown>>[])[0] as Record<string, Record<string, unknown>>
    ;(h['histogram'] as Record<string, unknown>)['count'] = 1
    expect(problemsOf(bad)[0]).toMatch(/^histograms\[0\]\.histogram: count: 1 but the buckets hold 5000/)
  })

  it('checks table rows against the columns and dots in metric names', () => {
    const bad = roundTrip(sampleReport({ tables: [{ title: 't', columns: ['a', 'b'], rows: [['x']] }], results: { 'a.b': { c: { value: 1, unit: '' } } } }))
    expect(problemsOf(bad)).toEqual(['results.a.b: expected a group name without dots, got "a.b"', 'tables[0].rows[0]: expected 2 cells (one per column), got 1'])
  })

  it('accepts the codec benchmark report, including older operation names', () => {
    const codec = {
      kind: 'codec',
      startedAt: '2026-01-01T00:00:00Z',
      machine: SAMPLE_MACHINE,
      chunkBytes: 65536,
      results: [{ name: 'CHANNEL_DATA 64 B', operation: 'encode-header', messageBytes: 73, messages: 1, seconds: 1, messagesPerSecond: 1, megabytesPerSecond: 1 }],
      targets: { channelData32kDecodeMBps: 1000, smallMessagesDecodePerSecond: 2000000 },
    }
    expect(validateReport(codec)).toEqual(codec)
    expect(problemsOf({ ...codec, results: [{}] })[0]).toBe('results[0].name: expected a string, got nothing')
  })
})

describe('metric paths', () => {
  it('flattens groups and integrity counters', () => {
    const paths = [...flattenMetrics(sampleReport()).keys()]
    expect(paths).toContain('stability.disconnects')
    expect(paths).toContain('latency.gatewayAddedP99Ms')
    expect(paths).toContain('integrity.mismatches')
  })

  it('names codec cases without dots or spaces', () => {
    expect(codecMetricKey('CHANNEL_DATA 32 KiB', 'decode')).toBe('channelData32Kib-decode')
    expect(codecMetricKey('KEEPALIVE_REQUEST', 'encode')).toBe('keepaliveRequest-encode')
  })

  it('creates a report with the machine filled in', () => {
    const r = createRunReport({ scenario: 's', startedAt: '2026-01-01T00:00:00Z' })
    expect(r.machine.nodeVersion).toBe(process.version)
    expect(validateReport(roundTrip(r))).toEqual(roundTrip(r))
  })
})
