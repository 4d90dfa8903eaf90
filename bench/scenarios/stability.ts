/**
 * stability: the vendor's "1,000 devices streaming SOL for 48 h: no disconnects, no transmission
 * failures, MPS at most 15 % CPU, 26 MB RAM, 725 KB log I/O". Devices call home, a console opens
 * SOL to every one through SOCKS5 and verifies each stream (sequence and checksum per record)
 * while the bench samples the gateway. 60 s by default, `--duration 172800` for the full 48 h.
 */

import { VENDOR, vendorFigure } from '../../reports/vendor.js'
import type { ReportTable, VendorFigure } from '../../reports/model.js'
import { socksOf } from '../lab/consoles.js'
import { BenchFleets, failuresOf, totalFailures, unexpectedDisconnects } from '../lab/fleet.js'
import { logStatsTable } from '../lab/log-stats.js'
import { RunMonitor } from '../lab/monitor.js'
import { SolSessions, type SolTotals } from '../lab/sol-sessions.js'
import { ScenarioError, sleep, waitUntil } from '../lab/wait.js'
import type { ProcSample } from '../proc-sampler.js'
import { cpuMetric, integrityMetric, latencyMetrics, metric, parameters, sized, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

/** SOL output per device: 9,600 baud of console text is ~1,200 bytes a second. */
const SOL_BYTES_PER_SECOND = 1200
const HOURS_48 = 48 * 3600

export const stability: Scenario = {
  name: 'stability',
  title: 'Stability: devices streaming SOL through the gateway',
  summary: "devices streaming SOL via SOCKS5 (1,000 for 60 s; --duration 172800 = the vendor's 48 h): disconnects, integrity, CPU, RSS, log I/O",
  run: runStability,
}

interface Window {
  readonly fromMs: number
  readonly toMs: number
}

async function runStability(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 20, 1000)
  const seconds = sized(params.durationSeconds, params.quick, 3, 60)
  const warmUpSeconds = Math.min(30, seconds / 4)
  socksOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const sessions = new SolSessions()
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'stability', totalSeconds: null, detail: () => `sol ${sessions.count} sessions, ${(sessions.bytes() / 1e6).toFixed(1)} MB verified` })
  const startedAt = new Date()
  monitor.start()
  let window: Window | null = null
  let benchCpuPercent: number | null = null
  let totals: SolTotals | null = null
  let fleetsStopped: Awaited<ReturnType<BenchFleets['stop']>> | null = null
  try {
    // The streaming devices run in simulator worker processes (full runs), so the consoles
    // verifying every stream have this process to themselves; quick runs (--workers 0) keep them here.
    const fleet = await fleets.add({ name: 'sol', devices, services: true, workers: workersFor(params, devices), rampPerSecond: params.quick ? 0 : 500, solStreamBytesPerSecond: SOL_BYTES_PER_SECOND })
    const connect = await waitUntil(() => fleets.connected() === devices, 30_000 + devices * 60, signal)
    if (connect === 'timeout') throw new ScenarioError(`only ${fleets.connected()} of ${devices} devices connected (failures: ${JSON.stringify(failuresOf(fleets.snapshot()))})`)
    const hostnames = Array.from({ length: devices }, (_, i) => fleet.hostname(i))
    await sessions.open(gateway.target, hostnames, (seconds + 120) * 1000, 50, signal)
    await monitor.sampleNow()
    const fromMs = Date.now()
    const cpuBefore = process.cpuUsage()
    await sleep(seconds * 1000, signal)
    await monitor.sampleNow()
    const used = process.cpuUsage(cpuBefore)
    window = { fromMs, toMs: Date.now() }
    benchCpuPercent = ((used.user + used.system) / 1e3 / (window.toMs - fromMs)) * 100
    totals = sessions.totals()
    await sessions.endAll(50)
  } finally {
    fleetsStopped = await fleets.stop()
  }
  const series = await monitor.stop()
  const before = fleetsStopped.before
  const stats = await logStatsTable(gateway.logPath, startedAt, new Date())
  return report({ devices, workers: workersFor(params, devices), benchCpuPercent, seconds, warmUpSeconds, window, totals: totals ?? sessions.totals(), monitor, disconnects: unexpectedDisconnects(before), connectFailures: totalFailures(before), series, stats, sessions })
}

interface Measured {
  readonly devices: number
  /** Simulator worker processes of the streaming fleet (0: the bench process). */
  readonly workers: number
  readonly benchCpuPercent: number | null
  readonly seconds: number
  readonly warmUpSeconds: number
  readonly window: Window | null
  readonly totals: SolTotals
  readonly monitor: RunMonitor
  readonly disconnects: number
  readonly connectFailures: number
  readonly series: ScenarioOutcome['series']
  readonly stats: ReportTable | null
  readonly sessions: SolSessions
}

function logBytesBetween(samples: readonly ProcSample[]): number | null {
  const first = samples[0]
  const last = samples[samples.length - 1]
  if (first?.logBytes == null || last?.logBytes == null) return null
  return last.logBytes - first.logBytes
}

/**
 * RSS growth after warm-up, peak to peak: the highest reading of the last quarter of samples
 * minus the highest of the first. Readings saw-tooth by 30 MB over minutes as V8 grows its heap
 * and collects (125 → 155 → 125 MB here); a leak raises the peaks, a saw-tooth does not.
 */
function rssPeakGrowthBytes(samples: readonly ProcSample[], fromMs: number): number | null {
  const after = samples.filter((s) => s.atMs >= fromMs)
  if (after.length < 8) return null
  const quarter = Math.floor(after.length / 4)
  const peak = (list: readonly ProcSample[]) => list.reduce((m, s) => Math.max(m, s.rssBytes), 0)
  return peak(after.slice(-quarter)) - peak(after.slice(0, quarter))
}

function report(m: Measured): ScenarioOutcome {
  const w = m.window
  const proc = w === null ? null : m.monitor.summarize(w.fromMs, w.toMs, m.warmUpSeconds)
  const all = m.monitor.samplesBetween(0)
  const streamed = w === null ? [] : m.monitor.samplesBetween(w.fromMs, w.toMs)
  const logTotal = all.at(-1)?.logBytes ?? null
  const logStreaming = logBytesBetween(streamed)
  const streamSeconds = w === null ? 0 : (w.toMs - w.fromMs) / 1000
  // The vendor's 725 KB is for 48 h: ours is what connecting cost plus the streaming rate for 48 h.
  const log48h = logTotal === null || logStreaming === null || streamSeconds <= 0 ? null : (logTotal - logStreaming + (logStreaming / streamSeconds) * HOURS_48) / 1000
  const t = m.totals
  const transmissionFailures = t.sequenceErrors + t.checksumErrors + t.formatErrors + t.lost
  const mb = (b: number | null | undefined) => (b === null || b === undefined ? null : b / 1e6)
  const results = {
    stability: {
      disconnects: integrityMetric(m.disconnects, 'device disconnects (simulator side)'),
      transmissionFailures: integrityMetric(transmissionFailures, 'SOL sequence/checksum/format errors + sessions lost'),
      solSessionsFailed: integrityMetric(t.failedToOpen, 'SOL sessions that did not open'),
      solSessionsLost: integrityMetric(t.lost),
      connectFailures: metric(m.connectFailures, 'count', 'lower', 0, 'device connect attempts that failed'),
      solSessionsOpened: metric(t.opened, 'count'),
      solMegabytesVerified: metric(t.bytes / 1e6, 'MB'),
      streamSeconds: metric(streamSeconds, 's'),
      cpuPercentMean: cpuMetric(proc?.cpuPercentMean ?? null, '%', proc?.cpuSeconds ?? null, 'gateway CPU, mean while streaming (% of one core)'),
      cpuPercentMax: metric(proc?.cpuPercentMax ?? null, '%', undefined, undefined, 'gateway CPU, highest 1 s sample while streaming'),
      rssMB: metric(mb(proc?.rssEndBytes), 'MB', 'lower', 100, 'gateway RSS at the end'),
      rssGrowthAfterWarmUpMB: metric(mb(proc?.rssGrowthAfterWarmUpBytes), 'MB', undefined, undefined, `gateway RSS at the end minus after ${m.warmUpSeconds} s of streaming`),
      rssPeakGrowthAfterWarmUpMB: metric(w === null ? null : mb(rssPeakGrowthBytes(streamed, w.fromMs + m.warmUpSeconds * 1000)), 'MB', undefined, undefined, 'highest RSS of the last quarter minus the highest of the first, after warm-up'),
      fdsMax: metric(proc?.fdsMax ?? null, 'count'),
      benchCpuPercent: metric(m.benchCpuPercent, '%', undefined, undefined, m.workers === 0 ? 'CPU of the bench process (consoles and the streaming devices) while streaming' : 'CPU of the bench process (consoles; the devices stream from simulator workers) while streaming'),
      logKB: metric(logTotal === null ? null : logTotal / 1000, 'KB', undefined, undefined, 'gateway log bytes, whole run'),
      logKBPer48h: metric(log48h, 'KB', undefined, undefined, 'gateway log bytes over 48 h (connect + streaming rate × 48 h)'),
      ...latencyMetrics('solOpen', m.sessions.openTimes),
    },
  }
  const v = VENDOR.stability
  const vendor: VendorFigure[] = [
    vendorFigure(`disconnects (${m.devices} devices)`, m.disconnects, v.disconnects, 'count', 'lower'),
    vendorFigure('transmission failures', transmissionFailures, v.transmissionFailures, 'count', 'lower'),
    vendorFigure('gateway CPU, highest (% of one core)', proc?.cpuPercentMax ?? null, v.cpuPercentMax, '%', 'lower'),
    vendorFigure('gateway memory (RSS)', mb(proc?.rssEndBytes), v.rssMB, 'MB', 'lower'),
    vendorFigure('log I/O over 48 h', log48h, v.logKB, 'KB', 'lower'),
  ]
  return {
    parameters: parameters({ devices: m.devices, simulatorWorkers: m.workers, seconds: m.seconds, warmUpSeconds: m.warmUpSeconds, solBytesPerSecondPerDevice: SOL_BYTES_PER_SECOND, transport: 'APF over TLS; consoles via SOCKS5' }),
    results,
    vendor,
    series: m.series,
    histograms: [{ name: 'SOL session open (SOCKS5 connect to SOL start reply)', histogram: m.sessions.openTimes.toJSON() }],
    tables: m.stats === null ? [] : [m.stats],
    integrity: {
      disconnects: m.disconnects,
      solSessionsOpened: t.opened,
      solSessionsFailed: t.failedToOpen,
      solSessionsLost: t.lost,
      solBytesVerified: t.bytes,
      solRecordsVerified: t.records,
      solSequenceErrors: t.sequenceErrors,
      solChecksumErrors: t.checksumErrors,
      solFormatErrors: t.formatErrors,
    },
    notes: [
      `The vendor ran 48 h; this run streamed ${streamSeconds.toFixed(0)} s. Log bytes for 48 h are extrapolated from the streaming rate.`,
      ...(Object.keys(t.openErrors).length > 0 ? [`SOL sessions that failed to open, by error: ${JSON.stringify(t.openErrors)}`] : []),
    ],
  }
}
