/**
 * scale: devices held on one gateway process up to a configured count (19,000 by default: this
 * machine allows 20,000 open files per process). Devices ramp in over APF/TLS and then idle,
 * answering keepalives. Measured from /proc: gateway memory per device (RSS over the idle
 * gateway's), CPU per device connect, and the CPU keepalives cost while everything is idle.
 */

import type { SeriesPoint } from '../../reports/model.js'
import { vendorFigure } from '../../reports/vendor.js'
import { BenchFleets, failuresOf, totalFailures, unexpectedDisconnects } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { sleep, waitUntil } from '../lab/wait.js'
import type { ProcSample } from '../proc-sampler.js'
import { cpuMetric, integrityMetric, metric, parameters, sized, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

/** The vendor's MPS: 26 KB per device without TLS (issue 6's targets). */
const VENDOR_KIB_PER_DEVICE = 26
const KIB = 1024

export const scale: Scenario = {
  name: 'scale',
  title: 'Scale: devices held on one gateway process',
  summary: 'devices (19,000) ramped in and held idle: gateway memory per device, CPU per connect, keepalive CPU',
  run: runScale,
}

interface Measured {
  readonly devices: number
  readonly rampPerSecond: number
  readonly holdSeconds: number
  readonly base: ProcSample | null
  readonly connected: ProcSample | null
  readonly connectedCount: number
  readonly rampStartMs: number
  readonly rampEndMs: number | null
  readonly holdFromMs: number | null
  readonly holdToMs: number | null
  readonly points: readonly SeriesPoint[]
  readonly failures: Readonly<Record<string, number>>
  readonly disconnects: number
}

async function runScale(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 30, 19_000)
  const rampPerSecond = params.quick ? 0 : 500
  const holdSeconds = sized(params.durationSeconds, params.quick, 2, 60)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'scale', totalSeconds: null })
  monitor.start()
  let m: Omit<Measured, 'failures' | 'disconnects' | 'points'> = { devices, rampPerSecond, holdSeconds, base: null, connected: null, connectedCount: 0, rampStartMs: Date.now(), rampEndMs: null, holdFromMs: null, holdToMs: null }
  let stopped: Awaited<ReturnType<BenchFleets['stop']>> | null = null
  try {
    // The idle gateway first: memory per device is measured against it.
    await sleep(1000, signal)
    const base = await monitor.sampleNow()
    const rampStartMs = Date.now()
    await fleets.add({ name: 'scale', devices, workers: workersFor(params, devices), rampPerSecond })
    const timeoutMs = 120_000 + (rampPerSecond > 0 ? (devices / rampPerSecond) * 2000 : devices * 10)
    const outcome = await waitUntil(() => fleets.connected() >= devices, timeoutMs, signal, 1000)
    const rampEndMs = Date.now()
    // Let the last handshakes' garbage be collected before reading memory.
    await sleep(params.quick ? 1000 : 5000, signal)
    const connected = await monitor.sampleNow()
    m = { ...m, base, connected, connectedCount: fleets.connected(), rampStartMs, rampEndMs: outcome === 'met' ? rampEndMs : null }
    const holdFromMs = Date.now()
    await sleep(holdSeconds * 1000, signal)
    await monitor.sampleNow()
    m = { ...m, holdFromMs, holdToMs: Date.now() }
  } finally {
    stopped = await fleets.stop()
  }
  const series = await monitor.stop()
  const connectedSeries = series.find((s) => s.name === 'devices connected')?.points ?? []
  const rssSeries = series.find((s) => s.name === 'gateway rss')?.points ?? []
  // RSS against devices: pair each RSS sample with the connected count nearest in time.
  const curve: SeriesPoint[] = rssSeries.map(([t, rss]) => [nearest(connectedSeries, t), rss])
  return report({ ...m, points: curve, failures: failuresOf(stopped.before), disconnects: unexpectedDisconnects(stopped.before) }, series, totalFailures(stopped.before), monitor)
}

function nearest(points: readonly SeriesPoint[], t: number): number {
  let best = points[0]
  for (const p of points) if (Math.abs(p[0] - t) < Math.abs((best?.[0] ?? Infinity) - t)) best = p
  return best?.[1] ?? 0
}

function report(m: Measured, series: ScenarioOutcome['series'], failures: number, monitor: RunMonitor): ScenarioOutcome {
  const perDevice = m.base === null || m.connected === null || m.connectedCount === 0 ? null : (m.connected.rssBytes - m.base.rssBytes) / m.connectedCount / KIB
  const rampCpu = m.rampEndMs === null ? null : monitor.cpuSecondsBetween(m.rampStartMs - 1500, m.rampEndMs + 1500)
  const hold = m.holdFromMs === null || m.holdToMs === null ? null : monitor.summarize(m.holdFromMs, m.holdToMs)
  const rampSeconds = m.rampEndMs === null ? null : (m.rampEndMs - m.rampStartMs) / 1000
  return {
    parameters: parameters({ devices: m.devices, rampPerSecond: m.rampPerSecond, holdSeconds: m.holdSeconds, transport: 'APF over TLS, idle after connect (keepalives only)' }),
    results: {
      scale: {
        devicesConnected: metric(m.connectedCount, 'devices', 'higher', 0, 'connected at once on one gateway process'),
        connectFailures: integrityMetric(failures, 'connect attempts that failed'),
        disconnects: integrityMetric(m.disconnects, 'tunnels lost while held'),
        rssPerDeviceKiB: metric(perDevice, 'KiB', 'lower', 100, 'gateway RSS per connected device (over the idle gateway)'),
        connectCpuMsPerDevice: cpuMetric(rampCpu === null || m.connectedCount === 0 ? null : (rampCpu * 1000) / m.connectedCount, 'ms', rampCpu, 'gateway CPU per device connect (TLS + APF)'),
        keepaliveCpuPercent: cpuMetric(hold?.cpuPercentMean ?? null, '%', hold?.cpuSeconds ?? null, 'gateway CPU while every device idles (% of one core)'),
        rampSeconds: metric(rampSeconds, 's', undefined, undefined, 'until all were connected'),
        rssBaseMB: metric(m.base === null ? null : m.base.rssBytes / 1e6, 'MB', undefined, undefined, 'the idle gateway'),
        rssConnectedMB: metric(m.connected === null ? null : m.connected.rssBytes / 1e6, 'MB'),
        fdsConnected: metric(m.connected?.fds ?? null, 'count', undefined, undefined, 'gateway open files with every device connected'),
      },
    },
    vendor: [vendorFigure('gateway memory per device', perDevice, VENDOR_KIB_PER_DEVICE, 'KiB', 'lower')],
    series,
    charts: [{ kind: 'xy', name: 'rss-per-device', title: 'Gateway RSS against connected devices', x: { label: 'connected devices', unit: 'devices' }, y: { label: 'gateway RSS', unit: 'MB' }, series: [{ name: 'gateway RSS', points: m.points }] }],
    integrity: { devicesConnected: m.connectedCount, connectFailures: failures, disconnects: m.disconnects },
    notes: [
      `The vendor's 26 KB per device is without TLS (TLS terminated by stunnel in front of MPS); ours includes the TLS session of every device.`,
      ...(Object.keys(m.failures).length > 0 ? [`Connect attempts that failed, by reason: ${JSON.stringify(m.failures)}`] : []),
    ],
  }
}
