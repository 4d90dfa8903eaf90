/**
 * The quick forms of the load scenarios, run as CI runs them (against our gateway, checked
 * against the committed gates and baselines): report shape and integrity counters, never speed.
 * And a run stopped early still writes what it measured.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startOurGateway } from '../lab/gateway.js'
import { runBenchScenario } from '../runner.js'
import { stability } from './stability.js'
import { benchQuick, expectCommonShape } from './test-support/run-quick.js'

describe('ciralab bench --quick (load)', () => {
  it('latency: every request answered, loopback and WAN histograms, the WAN at least its 700 ms floor', async () => {
    const run = await benchQuick('latency')
    expect(expectCommonShape(run, 'latency'), run.out + run.err).toEqual([])
    expect(run.report.integrity).toMatchObject({ requestsMeasured: 42, requestsFailed: 0 })
    expect(run.report.histograms.map((h) => h.histogram.count)).toEqual([40, 40, 40, 2])
    // The relay and the link model hold each byte for real: nothing comes back sooner.
    expect(run.report.results['latency']?.['wanRoundTripP50Ms']?.value).toBeGreaterThanOrEqual(700)
  }, 60_000)

  it('proxy-throughput: autocannon WS-MAN all 2xx and answered by devices, CONNECT transfers hash-checked', async () => {
    const run = await benchQuick('proxy-throughput')
    expect(expectCommonShape(run, 'proxy-throughput'), run.out + run.err).toEqual([])
    const i = run.report.integrity
    expect(i).toMatchObject({ wsmanFailed: 0, bulkTransfers: 4, bulkHashFailures: 0 })
    expect(i['wsmanCompleted']).toBeGreaterThan(0)
    // Every 2xx autocannon saw was a device's answer (the devices may have answered a few more in flight at the end).
    expect(i['deviceAnswers']).toBeGreaterThanOrEqual(i['wsmanCompleted'] ?? 0)
  }, 60_000)

  it('connect-storm: a fresh-gateway storm and a restart storm, nothing refused or reset', async () => {
    const run = await benchQuick('connect-storm')
    expect(expectCommonShape(run, 'connect-storm'), run.out + run.err).toEqual([])
    expect(run.report.integrity).toMatchObject({ devices: 30, refusedOrReset: 0 })
    expect(run.report.tables[0]?.rows.map((r) => [r[0], r[1]])).toEqual([['fresh gateway', 30], ['after restart', 30]])
    // Two gateway processes were sampled: the one before and the one after the restart.
    expect(run.report.series.filter((s) => s.chart === 'gateway cpu').length).toBe(2)
  }, 60_000)

  it('scale: every device held on ours and on a target-file gateway compared in the same run; both measured from /proc', async () => {
    // The second target is any CIRA gateway described by a conformance target file: here another
    // of ours, which the bench knows only by its ports, its CA and its pid.
    const other = await startOurGateway()
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-bench-target-'))
    try {
      const t = other.target
      writeFileSync(join(dir, 'ca.pem'), t.device.caPem ?? '')
      const file = join(dir, 'other.json')
      const hostPort = (hp: { host: string; port: number } | null) => (hp === null ? null : `${hp.host}:${hp.port}`)
      writeFileSync(file, JSON.stringify({ name: 'other', device: { host: t.device.host, port: t.device.port, tls: true, ca: 'ca.pem', serverName: t.device.serverName }, credentials: t.credentials, console: { httpProxy: hostPort(t.console.httpProxy), socks5: hostPort(t.console.socks5) }, amt: t.amt }))
      const run = await benchQuick('scale', ['--compare', file, '--compare-pid', String(other.pid())])
      expect(expectCommonShape(run, 'scale'), run.out + run.err).toEqual([])
      expect(run.report.integrity).toMatchObject({ devicesConnected: 30, connectFailures: 0, disconnects: 0, 'other-devicesConnected': 30, 'other-connectFailures': 0 })
      for (const group of ['scale', 'scale-other']) {
        const r = run.report.results[group] ?? {}
        for (const key of ['rssPerDeviceKiB', 'connectCpuMsPerDevice', 'keepaliveCpuPercent']) expect(r[key]?.value, `${group}.${key}`).not.toBeNull()
        expect(r['fdsConnected']?.value).toBeGreaterThanOrEqual(30)
      }
      expect(run.report.parameters).toMatchObject({ target: 'ciralab', compare: 'other', rounds: 1 })
      expect(run.report.tables[0]?.columns).toEqual(['metric', 'unit', 'A ciralab', 'B other', 'B / A'])
      expect(run.report.series.some((s) => s.name === 'other: gateway rss')).toBe(true)
    } finally {
      await other.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('a run stopped early (Ctrl-C) still writes a report of what it measured, marked interrupted', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ciralab-bench-stop-'))
    const controller = new AbortController()
    const lines: string[] = []
    try {
      let stopAt = Number.POSITIVE_INFINITY
      // Stop 1.5 s after every stream is open: the report must hold the bytes verified so far.
      const timer = setInterval(() => {
        if (stopAt === Number.POSITIVE_INFINITY && lines.some((l) => l.includes('sol 5 sessions'))) stopAt = performance.now() + 1500
        if (performance.now() >= stopAt) controller.abort()
      }, 100)
      const started = performance.now()
      const result = await runBenchScenario(stability, {
        params: { quick: true, devices: 5, durationSeconds: 600, seed: 'stop', workers: 0 },
        target: { file: null },
        compare: null,
        rounds: 1,
        out,
        profile: false,
        stderr: { write: (t: string) => lines.push(t), isTTY: true },
        signal: controller.signal,
      })
      clearInterval(timer)
      expect(performance.now() - started).toBeLessThan(60_000)
      expect(result.report.interrupted).toBe(true)
      expect(result.report.integrity['solSessionsOpened']).toBe(5)
      expect(result.report.integrity['solBytesVerified']).toBeGreaterThan(0)
      expect(result.report.integrity['solSessionsLost']).toBe(0)
      expect(result.files.json).toMatch(/stability-.*\.json$/)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 60_000)
})
