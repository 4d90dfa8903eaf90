/**
 * The quick forms of the load scenarios, run as CI runs them (against our gateway, checked
 * against the committed gates and baselines): report shape and integrity counters, never speed.
 * And a run stopped early still writes what it measured.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
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

  it('scale: every device held; memory per device, connect CPU and keepalive CPU measured', async () => {
    const run = await benchQuick('scale')
    expect(expectCommonShape(run, 'scale'), run.out + run.err).toEqual([])
    expect(run.report.integrity).toMatchObject({ devicesConnected: 30, connectFailures: 0, disconnects: 0 })
    const r = run.report.results['scale'] ?? {}
    for (const key of ['rssPerDeviceKiB', 'connectCpuMsPerDevice', 'keepaliveCpuPercent']) expect(r[key]?.value, key).not.toBeNull()
    expect(r['fdsConnected']?.value).toBeGreaterThanOrEqual(30)
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
