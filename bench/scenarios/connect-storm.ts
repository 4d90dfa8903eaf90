/**
 * connect-storm: N devices (10,000 by default) connecting at once. First against a gateway that
 * just started (every device starts calling home together), then after a gateway restart: the
 * gateway stops (devices get DISCONNECT), starts again on the same ports, and the whole fleet
 * calls back at once after its retry delay. Time until all are connected, handshakes per
 * second, gateway CPU per handshake, and every failed attempt by reason (a refused or reset
 * connection means the listen backlog overflowed: the target allows none).
 */

import { ConnectTimes, type ConnectTimesSummary } from '../../simulator/fleet/connect-times.js'
import type { FleetSnapshot } from '../../simulator/index.js'
import type { Cell } from '../../reports/model.js'
import { BenchFleets, totalFailures } from '../lab/fleet.js'
import type { GatewayUnderTest } from '../lab/gateway.js'
import { RunMonitor } from '../lab/monitor.js'
import { sleep, waitUntil } from '../lab/wait.js'
import { cpuMetric, integrityMetric, metric, parameters, sized, SPEED_TOLERANCE_PCT, THROUGHPUT_TOLERANCE_PCT, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

/**
 * Devices call back this long after losing the gateway: long enough for ours to be up again
 * (stopping 10,000 sessions and starting again takes seconds on a loaded machine), so the herd
 * meets a listening gateway and a refusal means the gateway turned a connection away.
 */
function retryDelaySeconds(quick: boolean): number {
  return quick ? 3 : 10
}

export const connectStorm: Scenario = {
  name: 'connect-storm',
  title: 'Connect storm: every device connecting at once',
  summary: 'N devices (10,000) connecting at once, on a fresh gateway and again after a restart: time to all connected, handshakes/s, failures',
  run: runConnectStorm,
}

interface Storm {
  readonly name: string
  /** Restart storm: from SIGTERM to the new gateway's ready line. */
  readonly restartSeconds?: number
  readonly seconds: number | null
  readonly connected: number
  readonly failures: Readonly<Record<string, number>>
  readonly connectMs: ConnectTimesSummary
  readonly gatewayCpuSeconds: number | null
}

function failureDelta(after: FleetSnapshot, before: FleetSnapshot | null): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [reason, n] of Object.entries(after.failures)) {
    const d = n - (before?.failures[reason as keyof FleetSnapshot['failures']] ?? 0)
    if (d > 0) out[reason] = d
  }
  return out
}

/** Connect times recorded between two snapshots (the fleet's buckets are cumulative). */
function connectTimesBetween(after: FleetSnapshot, before: FleetSnapshot | null): ConnectTimesSummary {
  const times = new ConnectTimes()
  const delta: Record<string, number> = {}
  for (const [key, n] of Object.entries(after.connectMs.buckets)) {
    if (key === 'max') continue
    const d = n - (before?.connectMs.buckets[key] ?? 0)
    if (d > 0) delta[key] = d
  }
  times.merge({ ...delta, max: after.connectMs.max })
  return times.summary()
}

async function timeStorm(name: string, fleets: BenchFleets, monitor: RunMonitor, startMs: number, done: () => boolean, before: FleetSnapshot | null, timeoutMs: number, signal: AbortSignal): Promise<Storm> {
  const outcome = await waitUntil(done, timeoutMs, signal, 20)
  const endMs = Date.now()
  await monitor.sampleNow()
  const after = fleets.snapshot()
  return {
    name,
    seconds: outcome === 'met' ? (endMs - startMs) / 1000 : null,
    connected: after.connected,
    failures: failureDelta(after, before),
    connectMs: connectTimesBetween(after, before),
    gatewayCpuSeconds: monitor.cpuSecondsBetween(startMs - 1000, endMs + 1),
  }
}

async function restartStorm(gateway: GatewayUnderTest, fleets: BenchFleets, monitor: RunMonitor, devices: number, retryDelay: number, timeoutMs: number, signal: AbortSignal): Promise<Storm> {
  const before = fleets.snapshot()
  const downAt = Date.now()
  await gateway.restart()
  const restartSeconds = (Date.now() - downAt) / 1000
  await monitor.restarted('gateway after restart')
  // The fleet lost the gateway together and calls back together, one retry delay later. Counts
  // are taken just before the herd: worker fleets report attempts that failed while the gateway
  // was down up to half a second late.
  const herdAt = Math.max(Date.now(), downAt + retryDelay * 1000)
  await sleep(herdAt - Date.now() - 100, signal)
  const atHerd = fleets.snapshot()
  const storm = await timeStorm('after restart', fleets, monitor, herdAt, () => fleets.connected() === devices && fleets.snapshot().connects - before.connects >= devices, atHerd, timeoutMs, signal)
  const whileDown = totalFailures(atHerd) - totalFailures(before)
  return { ...storm, restartSeconds, failures: { ...storm.failures, ...(whileDown > 0 ? { 'while the gateway was down': whileDown } : {}) } }
}

async function runConnectStorm(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 30, 10_000)
  const timeoutMs = 120_000 + devices * 10
  const retryDelay = retryDelaySeconds(params.quick)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'connect-storm', totalSeconds: null, intervalMs: 500 })
  monitor.start()
  const storms: Storm[] = []
  try {
    await monitor.sampleNow()
    const startMs = Date.now()
    await fleets.add({ name: 'storm', devices, workers: workersFor(params, devices), rampPerSecond: 0, retryDelaySeconds: retryDelay })
    storms.push(await timeStorm('fresh gateway', fleets, monitor, startMs, () => fleets.connected() === devices, null, timeoutMs, signal))
    if (gateway.restartable && !signal.aborted && storms[0]?.seconds !== null) storms.push(await restartStorm(gateway, fleets, monitor, devices, retryDelay, timeoutMs, signal))
  } finally {
    await fleets.stop()
  }
  const series = await monitor.stop()
  return report(devices, retryDelay, storms, series, gateway.restartable)
}

function refusedOrReset(s: Storm | undefined): number {
  return s === undefined ? 0 : (s.failures['tcp-refused'] ?? 0) + (s.failures['tcp-reset'] ?? 0)
}

function report(devices: number, retryDelay: number, storms: readonly Storm[], series: ScenarioOutcome['series'], restartable: boolean): ScenarioOutcome {
  const results: Record<string, ReturnType<typeof metric>> = {}
  for (const [key, s] of [['fresh', storms[0]], ['restart', storms[1]]] as const) {
    if (s === undefined) continue
    const rate = s.seconds === null || s.seconds <= 0 ? null : devices / s.seconds
    results[`${key}RefusedOrReset`] = integrityMetric(refusedOrReset(s), `connections refused or reset (${s.name})`)
    results[`${key}Failures`] = integrityMetric(Object.entries(s.failures).filter(([k]) => k !== 'while the gateway was down').reduce((n, [, v]) => n + v, 0), `failed connect attempts (${s.name})`)
    results[`${key}AllConnectedSeconds`] = metric(s.seconds, 's', 'lower', SPEED_TOLERANCE_PCT, `until all ${devices} were connected (${s.name})`)
    results[`${key}HandshakesPerSecond`] = metric(rate, '/s', 'higher', THROUGHPUT_TOLERANCE_PCT, `TLS + APF handshakes per second (${s.name})`)
    results[`${key}ConnectP50Ms`] = metric(s.connectMs.count === 0 ? null : s.connectMs.p50, 'ms', undefined, undefined, 'TCP connect to tunnel ready, device side')
    results[`${key}ConnectP99Ms`] = metric(s.connectMs.count === 0 ? null : s.connectMs.p99, 'ms')
    if (s.restartSeconds !== undefined) results['restartGatewaySeconds'] = metric(s.restartSeconds, 's', undefined, undefined, 'SIGTERM to the new gateway listening (devices wait the retry delay)')
    results[`${key}GatewayCpuMsPerHandshake`] = cpuMetric(s.gatewayCpuSeconds === null ? null : (s.gatewayCpuSeconds * 1000) / devices, 'ms', s.gatewayCpuSeconds, `gateway CPU per handshake (${s.name})`)
  }
  const rows: Cell[][] = storms.map((s) => [s.name, s.connected, s.seconds === null ? 'not all' : Number(s.seconds.toFixed(2)), s.seconds === null ? null : Math.round(devices / s.seconds), s.connectMs.p50, s.connectMs.p99, s.connectMs.max, s.gatewayCpuSeconds === null ? null : Number(((s.gatewayCpuSeconds * 1000) / devices).toFixed(2)), JSON.stringify(s.failures)])
  return {
    parameters: parameters({ devices, retryDelaySeconds: retryDelay, transport: 'APF over TLS' }),
    results: { connectStorm: results },
    series,
    tables: [{ title: 'Storms', columns: ['storm', 'connected', 'all connected after s', 'handshakes/s', 'connect p50 ms', 'connect p99 ms', 'max ms', 'gateway CPU ms/handshake', 'failed attempts'], rows }],
    integrity: { devices, refusedOrReset: storms.reduce((n, s) => n + refusedOrReset(s), 0) },
    notes: [
      ...(restartable ? [] : ['The target is not ours: the bench cannot restart it, so only the first storm ran.']),
      ...((storms[1]?.restartSeconds ?? 0) > retryDelay ? [`The restart took ${storms[1]?.restartSeconds?.toFixed(1)} s, longer than the devices' ${retryDelay} s retry delay: part of the herd found no listener.`] : []),
      'The simulator lets a bounded number of its devices handshake at once per process (TLS costs it CPU too); the storm reaches the gateway as fast as the simulator can make handshakes.',
    ],
  }
}
