import { describe, expect, it } from 'vitest'
import { createRunReport } from '../reports/model.js'
import { describeAgainstVendor, formatRunSummary } from './summary.js'

describe('the run summary', () => {
  it('says how far ours is from the vendor, in the direction that matters', () => {
    expect(describeAgainstVendor(10, 15, 'lower')).toBe('1.50× better')
    expect(describeAgainstVendor(52, 26, 'lower')).toBe('2.00× worse')
    expect(describeAgainstVendor(250, 125, 'higher')).toBe('2.00× better')
    expect(describeAgainstVendor(0, 0, 'lower')).toBe('same')
    expect(describeAgainstVendor(3, 0, 'lower')).toBe('worse')
    expect(describeAgainstVendor(null, 15, 'lower')).toBe('not measured')
  })

  it('lists results, the vendor table, integrity, notes and where the report is', () => {
    const report = createRunReport({
      scenario: 'stability',
      title: 'Stability',
      startedAt: '2026-01-01T00:00:00.000Z',
      interrupted: true,
      results: { stability: { disconnects: { value: 0, unit: 'count', better: 'lower', label: 'device disconnects' }, cpuPercentMax: { value: 9.01, unit: '%' } } },
      vendor: [{ metric: 'gateway CPU', ours: 9.01, vendor: 15, unit: '%', better: 'lower' }],
      integrity: { solBytesVerified: 123 },
      notes: ['a note'],
    })
    const text = formatRunSummary(report, { json: '/r/s.json', html: '/r/s.html' })
    expect(text.split('\n')[0]).toBe('Stability (interrupted: covers what was measured)')
    expect(text).toMatch(/^stability\.disconnects\s+0\s+device disconnects$/m)
    expect(text).toMatch(/^stability\.cpuPercentMax\s+9\.01 %$/m)
    expect(text).toMatch(/^gateway CPU\s+9\.01 %\s+15 %\s+1\.66× better$/m)
    expect(text).toContain('integrity: solBytesVerified 123')
    expect(text).toContain('note: a note')
    expect(text.trimEnd().split('\n').slice(-2)).toEqual(['report (json): /r/s.json', 'report (html): /r/s.html'])
  })
})
