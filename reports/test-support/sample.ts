/** A complete run report with every kind of content, for renderer and CLI tests. */

import { LatencyHistogram } from '../../bench/histogram.js'
import type { MachineInfo } from '../../bench/machine.js'
import { findKnee } from '../knee.js'
import { createRunReport, type RunReport, type SeriesPoint } from '../model.js'
import { linkLimitKilobytesPerSecond, VENDOR, vendorFigure } from '../vendor.js'

export const SAMPLE_MACHINE: MachineInfo = { hostname: 'lab', platform: 'linux 6.1 x64', cpuModel: 'Test CPU', cpuCount: 2, memoryBytes: 8 * 2 ** 30, nodeVersion: 'v20.0.0', gitCommit: 'abc123' }

/** Deterministic pseudo-random numbers (no Math.random in fixtures). */
function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

export function sampleHistogram(seed: number, centreMicros: number, n = 5000): LatencyHistogram {
  const rnd = lcg(seed)
  const h = new LatencyHistogram()
  for (let i = 0; i < n; i++) h.record(centreMicros * Math.exp((rnd() - 0.5) * 1.5) * (rnd() < 0.01 ? 8 : 1))
  return h
}

export function sampleReport(overrides: Partial<Parameters<typeof createRunReport>[0]> = {}): RunReport {
  const rnd = lcg(7)
  const seconds = 600
  const connected: SeriesPoint[] = []
  const cpu: SeriesPoint[] = []
  const rss: SeriesPoint[] = []
  for (let t = 0; t <= seconds; t += 5) {
    connected.push([t, Math.min(1000, Math.round(t * 4))])
    cpu.push([t, 3 + 6 * Math.min(1, t / 250) + rnd() * 2])
    rss.push([t, 20 + Math.min(6, t / 50) + rnd() * 0.3])
  }
  const ratio: SeriesPoint[] = [100, 200, 300, 400, 500, 550, 600, 700].map((d) => [d, d <= 500 ? 1 : d === 550 ? 0.97 : d === 600 ? 0.6 : 0.3])
  const ider = VENDOR.iderThroughput.map((l, i) => ({ label: l.link, bars: [{ name: 'ours', value: [180, 70, 50][i] ?? null }, { name: 'vendor', value: l.kilobytesPerSecond }, { name: 'link limit', value: linkLimitKilobytesPerSecond(l.downKbps) }] }))
  return createRunReport({
    scenario: 'stability',
    title: 'Stability: 1,000 devices streaming SOL',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    machine: SAMPLE_MACHINE,
    parameters: { devices: 1000, seconds, tls: true, profile: 'sol-stream', note: null },
    results: {
      stability: {
        disconnects: { value: 0, unit: 'count', better: 'lower', label: 'device disconnects' },
        cpuPercentMax: { value: 10.9, unit: '%', better: 'lower' },
        rssMBMax: { value: 26.2, unit: 'MB', better: 'lower' },
        connectedDevices: { value: 1000, unit: 'devices', better: 'higher' },
      },
      latency: { gatewayAddedP99Ms: { value: 0.42, unit: 'ms', better: 'lower' }, notMeasured: { value: null, unit: 'ms' } },
    },
    vendor: [vendorFigure('gateway CPU at 1,000 devices', 10.9, VENDOR.stability.cpuPercentMax, '%', 'lower'), vendorFigure('gateway RAM', 26.2, VENDOR.stability.rssMB, 'MB', 'lower')],
    series: [
      { name: 'devices connected', unit: 'devices', points: connected },
      { name: 'cpu', unit: '%', points: cpu },
      { name: 'rss', unit: 'MB', points: rss },
    ],
    histograms: [
      { name: 'SOL round trip', histogram: sampleHistogram(1, 2500).toJSON() },
      { name: 'WS-MAN request', histogram: sampleHistogram(2, 12_000, 2000).toJSON() },
    ],
    charts: [
      { kind: 'xy', name: 'redirection-ratio', title: 'Redirection success ratio vs connected devices', x: { label: 'connected devices', unit: 'devices' }, y: { label: 'success ratio', unit: 'ratio' }, series: [{ name: 'sessions opened', points: ratio }], knee: findKnee(ratio, 0.99) },
      { kind: 'bars', name: 'ider', title: 'IDE-R throughput over CIRA (80 ms RTT)', unit: 'KB/s', groups: ider },
    ],
    tables: [{ title: 'Phases', columns: ['phase', 'seconds', 'devices'], rows: [['ramp', 250, 1000], ['steady', 350, null]] }],
    integrity: { solBytesSent: 123456789, solBytesVerified: 123456789, mismatches: 0, disconnectsSeenBySimulator: 0 },
    notes: ['Sample report used by the tests | with a pipe', 'CPU is % of one core.'],
    ...overrides,
  })
}
