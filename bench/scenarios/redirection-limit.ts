/**
 * redirection-limit: the vendor found that with ~500 connected devices redirection sessions still
 * opened and at ~600 they failed ("Session Closed"). Here the connected fleet grows in steps (to
 * 10,000 by default) and at each step a console opens SOL sessions through SOCKS5 (connect,
 * redirection login, SOL start) to devices of the fleet: the success ratio against connected
 * devices, where it breaks (the knee) and the time to open.
 */

import { findKnee } from '../../reports/knee.js'
import type { Cell, SeriesPoint } from '../../reports/model.js'
import { VENDOR, vendorFigure } from '../../reports/vendor.js'
import { LatencyHistogram } from '../histogram.js'
import { bump, errorKey, openRedirection, socksOf } from '../lab/consoles.js'
import { BenchFleets, type BenchFleet } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { mapLimited, sleep, waitUntil } from '../lab/wait.js'
import { SolClient } from '../../consoles/sol-client.js'
import type { ResolvedTarget } from '../../conformance/target.js'
import { integrityMetric, latencyMetrics, metric, parameters, sized, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

/** Steps around the vendor's 500/600 and on to 10,000. */
const FULL_STEPS = [100, 250, 500, 600, 750, 1000, 2000, 5000, 10_000, 15_000, 19_000]

export const redirectionLimit: Scenario = {
  name: 'redirection-limit',
  title: 'Redirection limit: SOL sessions opened against connected devices',
  summary: 'connected devices in steps to 10,000; at each, SOL sessions through SOCKS5: success ratio, the knee, time to open',
  run: runRedirectionLimit,
}

interface Step {
  readonly target: number
  readonly connected: number
  readonly opened: number
  readonly attempted: number
  readonly times: LatencyHistogram
  readonly rssMB: number | null
  readonly fds: number | null
}

export function stepsUpTo(devices: number, quick: boolean): number[] {
  if (quick) return [Math.max(1, Math.round(devices / 3)), Math.max(1, Math.round((2 * devices) / 3)), devices].filter((v, i, a) => a.indexOf(v) === i)
  return [...FULL_STEPS.filter((s) => s < devices), devices]
}

/** Open, log in, start SOL, end: one console's redirection session. Resolves with ms to SOL start. */
async function oneSession(target: ResolvedTarget, hostname: string): Promise<number> {
  const started = performance.now()
  const session = await openRedirection(target, hostname, 'sol', 30_000)
  const client = await SolClient.start(session)
  const ms = performance.now() - started
  await client.end()
  return ms
}

async function runRedirectionLimit(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 30, 10_000)
  const sessionsPerStep = params.quick ? 6 : 50
  const steps = stepsUpTo(devices, params.quick)
  const probeCount = Math.min(steps[0] ?? devices, params.quick ? 6 : 50)
  socksOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'redirection-limit', totalSeconds: null })
  monitor.start()
  const results: Step[] = []
  const errors: Record<string, number> = {}
  try {
    const probe = await fleets.add({ name: 'probe', devices: probeCount, services: true })
    for (const [k, stepTarget] of steps.entries()) {
      if (signal.aborted) break
      const more = stepTarget - fleets.devices
      if (more > 0) await fleets.add({ name: `bulk-${k + 1}`, devices: more, workers: workersFor(params, more), rampPerSecond: params.quick ? 0 : 1000 })
      await waitUntil(() => fleets.connected() >= stepTarget, 60_000 + more * 20, signal, 200)
      // Measure at N connected devices, not while the last of them are still handshaking.
      if (!params.quick) await sleep(5000, signal)
      if (signal.aborted) break
      results.push(await measureStep(gateway.target, probe, stepTarget, fleets.connected(), sessionsPerStep, errors, monitor, signal))
    }
  } finally {
    await fleets.stop()
  }
  const series = await monitor.stop()
  return report({ devices, sessionsPerStep, probeCount, results, errors, series })
}

async function measureStep(target: ResolvedTarget, probe: BenchFleet, stepTarget: number, connected: number, sessions: number, errors: Record<string, number>, monitor: RunMonitor, signal: AbortSignal): Promise<Step> {
  const times = new LatencyHistogram()
  let opened = 0
  const order = Array.from({ length: sessions }, (_, i) => i % probe.spec.devices)
  await mapLimited(
    order,
    10,
    async (i) => {
      try {
        times.record((await oneSession(target, probe.hostname(i))) * 1000)
        opened++
      } catch (error) {
        bump(errors, errorKey(error))
      }
    },
    signal,
  )
  const sample = await monitor.sampleNow()
  return { target: stepTarget, connected, opened, attempted: sessions, times, rssMB: sample === null ? null : sample.rssBytes / 1e6, fds: sample?.fds ?? null }
}

interface Measured {
  readonly devices: number
  readonly sessionsPerStep: number
  readonly probeCount: number
  readonly results: readonly Step[]
  readonly errors: Readonly<Record<string, number>>
  readonly series: ScenarioOutcome['series']
}

function report(m: Measured): ScenarioOutcome {
  const points: SeriesPoint[] = m.results.map((s) => [s.connected, s.attempted === 0 ? 0 : s.opened / s.attempted])
  const knee = findKnee(points, 1)
  const all = new LatencyHistogram()
  for (const s of m.results) all.merge(s.times)
  const failed = m.results.reduce((n, s) => n + (s.attempted - s.opened), 0)
  const allOpenedUpTo = knee !== null ? knee.lastGoodX : m.results.reduce((x, s) => Math.max(x, s.connected), 0)
  const last = m.results[m.results.length - 1]
  const v = VENDOR.redirectionLimit
  const rows: Cell[][] = m.results.map((s) => {
    const h = s.times.summary()
    return [s.target, s.connected, `${s.opened}/${s.attempted}`, Number((s.opened / Math.max(1, s.attempted)).toFixed(3)), h.count === 0 ? null : h.p50 / 1000, h.count === 0 ? null : h.p99 / 1000, s.rssMB === null ? null : Number(s.rssMB.toFixed(1)), s.fds]
  })
  return {
    parameters: parameters({ devices: m.devices, sessionsPerStep: m.sessionsPerStep, steps: m.results.map((s) => s.target).join(','), probeDevices: m.probeCount, session: 'SOCKS5 connect, redirection login (digest), SOL start, SOL end' }),
    results: {
      redirectionLimit: {
        sessionsFailed: integrityMetric(failed, 'redirection sessions that did not open'),
        devicesConnectedMax: metric(last?.connected ?? null, 'devices', 'higher', 0),
        allOpenedUpToDevices: metric(allOpenedUpTo, 'devices', 'higher', 0, 'largest step at which every session opened'),
        kneeDevices: metric(knee?.firstBadX ?? null, 'devices', undefined, undefined, 'first step where a session failed (none: no knee)'),
        ...latencyMetrics('open', all),
        ...(last === undefined ? {} : latencyMetrics('openAtMax', last.times)),
      },
    },
    vendor: [vendorFigure('redirection still opens at (devices)', allOpenedUpTo, v.stillOpenAtDevices, 'devices', 'higher'), vendorFigure('redirection fails at (devices)', knee?.firstBadX ?? null, v.failedAtDevices, 'devices', 'higher')],
    series: m.series,
    histograms: [{ name: 'Redirection session open (SOCKS5 connect to SOL start), all steps', histogram: all.toJSON() }, ...(last === undefined ? [] : [{ name: `Redirection session open at ${last.connected} devices`, histogram: last.times.toJSON() }])],
    charts: [
      {
        kind: 'xy',
        name: 'redirection-ratio',
        title: 'Redirection sessions opened against connected devices',
        x: { label: 'connected devices', unit: 'devices' },
        y: { label: 'sessions opened', unit: 'ratio' },
        series: [
          { name: 'ours', points },
          { name: 'vendor (MPS)', points: [[v.stillOpenAtDevices, 1], [v.failedAtDevices, 0]] },
        ],
        knee,
      },
    ],
    tables: [{ title: 'Per step', columns: ['step', 'connected', 'opened', 'ratio', 'p50 ms', 'p99 ms', 'gateway RSS MB', 'gateway fds'], rows }],
    integrity: { sessionsAttempted: m.results.reduce((n, s) => n + s.attempted, 0), sessionsOpened: m.results.reduce((n, s) => n + s.opened, 0), sessionsFailed: failed },
    notes: [
      knee === null ? `No knee: every session opened at every step up to ${last?.connected ?? 0} connected devices.` : `Knee: ${knee.label}.`,
      ...(Object.keys(m.errors).length > 0 ? [`Sessions that failed, by error: ${JSON.stringify(m.errors)}`] : []),
    ],
  }
}
