/**
 * The quick forms of the session scenarios, run as CI runs them (against our gateway, checked
 * against the committed gates and baselines): report shape and integrity counters, never speed.
 */

import { describe, expect, it } from 'vitest'
import { benchQuick, expectCommonShape } from './test-support/run-quick.js'

describe('ciralab bench --quick (sessions)', () => {
  it('quick: WS-MAN to every device, SOL verified on 5, IDE-R verified on 2', async () => {
    const run = await benchQuick('quick')
    expect(expectCommonShape(run, 'quick'), run.out + run.err).toEqual([])
    expect(run.status).toBe(0)
    const i = run.report.integrity
    expect(i).toMatchObject({ wsmanOk: 20, wsmanFailed: 0, solSessionsOpened: 5, solFailures: 0, iderImagesVerified: 2, iderIntegrityFailures: 0 })
    expect(run.out).toMatch(/report \(html\): .+\.html/)
  }, 60_000)

  it('stability: every SOL stream verified record by record, no disconnects, log I/O measured', async () => {
    const run = await benchQuick('stability')
    expect(expectCommonShape(run, 'stability'), run.out + run.err).toEqual([])
    const i = run.report.integrity
    expect(i).toMatchObject({ disconnects: 0, solSessionsOpened: 20, solSessionsFailed: 0, solSessionsLost: 0, solSequenceErrors: 0, solChecksumErrors: 0, solFormatErrors: 0 })
    // 20 streams of 1,200 B/s for about 3 s: at least a second's worth each arrived and checked.
    expect(i['solBytesVerified']).toBeGreaterThan(20 * 1200)
    // 64-byte records: each stream may end inside one.
    const records = i['solRecordsVerified'] ?? 0
    expect((i['solBytesVerified'] ?? 0) - records * 64).toBeGreaterThanOrEqual(0)
    expect((i['solBytesVerified'] ?? 0) - records * 64).toBeLessThan(20 * 64)
    expect(run.report.results['stability']?.['logKB']?.value).toBeGreaterThan(0)
    expect(run.report.vendor.map((v) => v.metric)).toContain('log I/O over 48 h')
    expect(run.report.tables[0]?.title).toMatch(/ciralab stats/)
  }, 60_000)

  it('redirection-limit: every session opens at every step; the ratio curve and the vendor knee are charted', async () => {
    const run = await benchQuick('redirection-limit')
    expect(expectCommonShape(run, 'redirection-limit'), run.out + run.err).toEqual([])
    expect(run.report.integrity).toMatchObject({ sessionsAttempted: 18, sessionsOpened: 18, sessionsFailed: 0 })
    const chart = run.report.charts[0]
    expect(chart?.kind).toBe('xy')
    if (chart?.kind !== 'xy') return
    expect(chart.series[0]?.points.map(([x]) => x)).toEqual([10, 20, 30])
    expect(chart.series[0]?.points.every(([, y]) => y === 1)).toBe(true)
    expect(chart.knee).toBeNull()
  }, 60_000)

  it('ider-throughput: one image per vendor link, each verified by its device', async () => {
    const run = await benchQuick('ider-throughput')
    expect(expectCommonShape(run, 'ider-throughput'), run.out + run.err).toEqual([])
    expect(run.report.integrity).toMatchObject({ imagesVerified: 3, imageIntegrityFailures: 0, imagesFailed: 0 })
    expect(run.report.vendor.map((v) => v.vendor)).toEqual([125, 48, 32])
    const bars = run.report.charts.find((c) => c.kind === 'bars')
    expect(bars?.kind === 'bars' ? bars.groups.map((g) => g.bars.map((b) => b.name)) : []).toEqual(Array(3).fill(['ours', 'vendor (MPS)', 'link limit']))
  }, 60_000)
})
