import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sampleReport } from './test-support/sample.js'
import { writeReport } from './write.js'
import { ciralab } from '../cli/test-support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'ciralab-report-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const run = file('run-a.json', sampleReport())
const slower = file('run-b.json', sampleReport({ results: { stability: { disconnects: { value: 3, unit: 'count', better: 'lower' }, cpuPercentMax: { value: 14, unit: '%', better: 'lower' }, rssMBMax: { value: 26.2, unit: 'MB', better: 'lower' }, connectedDevices: { value: 1000, unit: 'devices', better: 'higher' } } } }))

describe('ciralab report', () => {
  it('renders one report as Markdown and HTML into --out', async () => {
    const out = join(dir, 'one')
    const r = await ciralab('report', run, '--out', out)
    expect(r).toMatchObject({ status: 0, err: '' })
    expect(r.out).toBe(`wrote ${join(out, 'run-a.md')}\nwrote ${join(out, 'run-a.html')}\n`)
    expect(readFileSync(join(out, 'run-a.md'), 'utf8')).toMatch(/^# Stability/)
    expect(readFileSync(join(out, 'run-a.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/)
  })

  it('compares several runs into one page, with JSON of the metrics side by side', async () => {
    const out = join(dir, 'cmp')
    const r = await ciralab('report', run, slower, '--out', out, '--format', 'html,json')
    expect(r.status).toBe(0)
    const json = JSON.parse(readFileSync(join(out, 'compare-run-a--run-b.json'), 'utf8')) as { metrics: Record<string, { values: unknown[] }> }
    expect(json.metrics['stability.disconnects']?.values).toEqual([0, 3])
    expect(readFileSync(join(out, 'compare-run-a--run-b.html'), 'utf8')).toContain('3 (worse (was 0))')
  })

  it('passes gates that hold and exits 1 with a table of violations otherwise', async () => {
    const gates = file('gates.txt', '# stability\nstability.disconnects == 0\nlatency.gatewayAddedP99Ms <= 1\n')
    const ok = await ciralab('report', run, '--out', join(dir, 'g1'), '--gate', gates)
    expect(ok.status).toBe(0)
    expect(ok.out).toContain(`gates: 2 checked, all passed (${gates})`)
    const bad = await ciralab('report', run, slower, '--out', join(dir, 'g2'), '--gate', gates)
    expect(bad.status).toBe(1)
    // run-b has no latency results at all: a gate that cannot be checked is a violation too.
    expect(bad.out).toContain(`gates: 2 of 4 violated (${gates})`)
    expect(bad.out).toMatch(/report +gate +actual +problem +where\n[- ]+\nrun-b +stability\.disconnects == 0 +3 +failed +.*gates\.txt:2\nrun-b +latency\.gatewayAddedP99Ms <= 1 +— +metric missing +.*gates\.txt:3\n/)
  })

  it('flags regressions against a baseline and exits 1', async () => {
    const r = await ciralab('report', slower, '--out', join(dir, 'b1'), '--baseline', run, '--tolerance', '5')
    expect(r.status).toBe(1)
    expect(r.out).toContain('baseline: run-b: 5 metrics compared, 3 regressed or missing')
    expect(r.out).toMatch(/latency\.gatewayAddedP99Ms +0\.42 ms +— +lower is better, ±5 % +missing/)
    expect(r.out).toMatch(/stability\.cpuPercentMax +10\.9 % +14 % +\+28\.4 % +lower is better, ±5 % +regressed/)
    expect((await ciralab('report', run, '--out', join(dir, 'b2'), '--baseline', run)).status).toBe(0)
  })

  it('never overwrites the input when re-rendering into its own folder', async () => {
    const before = readFileSync(run, 'utf8')
    const r = await ciralab('report', run, '--out', dir, '--format', 'json,md')
    expect(r.status).toBe(0)
    expect(readFileSync(run, 'utf8')).toBe(before)
    expect(r.out).not.toContain('run-a.json')
  })

  it('renders what a scenario wrote with writeReport', async () => {
    const written = writeReport(sampleReport({ scenario: 'latency' }), join(dir, 'w'))
    expect(Object.keys(written)).toEqual(['json', 'md', 'html'])
    expect(written.json).toMatch(/latency-2026-01-01T00-00-00\.json$/)
    expect((await ciralab('report', written.json as string, '--out', join(dir, 'w2'))).status).toBe(0)
  })

  it('names the file and the field when a report is bad', async () => {
    const broken = file('broken.json', { ...sampleReport(), startedAt: 12 })
    expect(await ciralab('report', broken)).toEqual({ status: 1, out: '', err: `ciralab report: ${broken}: startedAt: expected a string, got 12\n` })
    const notJson = file('not.json', '{"kind": "run",')
    expect((await ciralab('report', notJson)).err).toMatch(new RegExp(`^ciralab report: ${notJson}: not JSON \\(`))
    expect((await ciralab('report', join(dir, 'nope.json'))).err).toBe(`ciralab report: ${join(dir, 'nope.json')}: cannot read the report (ENOENT)\n`)
  })

  it('rejects bad options with one line and status 2', async () => {
    expect(await ciralab('report', run, '--format', 'pdf')).toMatchObject({ status: 2, err: "ciralab report: --format: unknown format 'pdf' (formats: json, md, html)\n" })
    expect((await ciralab('report', run, '--tolerance=-3')).err).toMatch(/--tolerance must be a percentage/)
    expect((await ciralab('report', run, '--gate', join(dir, 'none.txt'))).err).toMatch(/--gate: no such file/)
    const badGates = file('bad-gates.txt', 'stability.disconnects === 0')
    expect((await ciralab('report', run, '--out', join(dir, 'x'), '--gate', badGates)).err).toMatch(/bad-gates\.txt:1: expected 'group\.metric OP number'/)
    expect((await ciralab('report')).status).toBe(2)
  })

  it('has help', async () => {
    const r = await ciralab('report', '--help')
    expect(r.status).toBe(0)
    expect(r.out).toContain('ciralab report FILE.json... [options]')
    expect(r.out).toContain('--baseline FILE')
    expect(existsSync(join(dir, 'reports'))).toBe(false)
  })
})
