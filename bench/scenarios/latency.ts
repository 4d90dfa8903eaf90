/**
 * latency: what the gateway adds to a WS-MAN request, and the vendor's WAN setup.
 *
 * Loopback, with N devices connected (1,000 by default): the same authenticated WS-MAN Get is
 * sent alternately straight to a copy of the simulated WS-MAN service and through the gateway's
 * HTTP proxy to devices of the fleet; the gateway-added latency is the difference of the two
 * distributions at each percentile (it includes the device's side of the APF channel, which a
 * CIRA path always has).
 *
 * WAN: the vendor reported 240 ms device-to-gateway latency with the console 220 ms away. A few
 * devices sit behind a 240 ms RTT link (the simulator's link model) and the console reaches the
 * proxy through a 220 ms RTT relay; a request needs one console round trip and two device round
 * trips (channel open, then the exchange), so 700 ms is the floor and the rest is ours.
 */

import type { WsmanClient } from '../../consoles/wsman-client.js'
import type { ResolvedTarget } from '../../conformance/target.js'
import { VENDOR, vendorFigure } from '../../reports/vendor.js'
import { LatencyHistogram } from '../histogram.js'
import { httpProxyOf, wsmanViaProxy } from '../lab/consoles.js'
import { DelayProxy } from '../lab/delay-proxy.js'
import { DirectWsman } from '../lab/direct-wsman.js'
import { BenchFleets, failuresOf, type BenchFleet } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { mapLimited, ScenarioError, waitUntil } from '../lab/wait.js'
import { cpuMetric, integrityMetric, latencyMetrics, metric, parameters, sized, SPEED_TOLERANCE_PCT, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

const RESOURCE = 'AMT_GeneralSettings'

export const latency: Scenario = {
  name: 'latency',
  title: 'Latency: what the gateway adds to a WS-MAN request',
  summary: "gateway-added WS-MAN latency at 1,000 devices (HTTP proxy vs direct), and the vendor's WAN (device 240 ms, console 220 ms)",
  run: runLatency,
}

interface Samples {
  readonly direct: LatencyHistogram
  readonly via: LatencyHistogram
  readonly paired: LatencyHistogram
  readonly wan: LatencyHistogram
  failures: number
  /** Gateway CPU seconds over the measured loopback requests. */
  gatewayCpuSeconds: number | null
}

/** One Get; its latency in µs, or null when it did not answer 200. */
async function timedGet(client: WsmanClient, samples: Samples): Promise<number | null> {
  try {
    const x = await client.get(RESOURCE)
    if (x.status === 200 && x.attempts === 1) return x.latencyMs * 1000
    if (x.status !== 200) samples.failures++
    return null
  } catch {
    samples.failures++
    return null
  }
}

/** Unrecorded paired requests before the measured ones: a quarter of them, at most 500. */
export function warmUpRounds(requests: number): number {
  return Math.min(500, Math.floor(requests / 4))
}

async function loopbackPhase(run: ScenarioRun, monitor: RunMonitor, probe: BenchFleet, requests: number, samples: Samples): Promise<void> {
  const target = run.gateway.target
  const account = { user: target.amt.username, password: target.amt.password }
  const direct = await DirectWsman.start(probe.identity(0), account)
  const directClient = direct.client(account)
  const clients = Array.from({ length: probe.spec.devices }, (_, i) => wsmanViaProxy(target, probe.hostname(i)))
  try {
    // Warm-up: every client learns its device's Digest challenge, so measured calls are one
    // exchange; then unrecorded rounds, so the gateway's hot path is compiled before the CPU and
    // latency it is measured by (the first rounds after start-up cost several times the rest).
    await timedGet(directClient, samples)
    await mapLimited(clients, 10, (c) => timedGet(c, samples), run.signal)
    for (let i = 0; i < warmUpRounds(requests) && !run.signal.aborted; i++) {
      await timedGet(directClient, samples)
      await timedGet(clients[i % clients.length] as WsmanClient, samples)
    }
    await monitor.sampleNow()
    const fromMs = Date.now()
    for (let i = 0; i < requests && !run.signal.aborted; i++) {
      const d = await timedGet(directClient, samples)
      const v = await timedGet(clients[i % clients.length] as WsmanClient, samples)
      if (d !== null) samples.direct.record(d)
      if (v !== null) samples.via.record(v)
      if (d !== null && v !== null) samples.paired.record(Math.max(0, v - d))
    }
    await monitor.sampleNow()
    samples.gatewayCpuSeconds = monitor.cpuSecondsBetween(fromMs - 1, Date.now())
  } finally {
    await directClient.close()
    await Promise.all(clients.map((c) => c.close()))
    await direct.close()
  }
}

async function wanPhase(run: ScenarioRun, wan: BenchFleet, requests: number, samples: Samples): Promise<void> {
  const target = run.gateway.target
  const relay = await DelayProxy.start({ target: httpProxyOf(target), rttMs: VENDOR.latency.consoleToGatewayMs })
  const far: ResolvedTarget = { ...target, console: { ...target.console, httpProxy: relay.address } }
  const clients = Array.from({ length: wan.spec.devices }, (_, i) => wsmanViaProxy(far, wan.hostname(i)))
  try {
    await Promise.all(clients.map((c) => timedGet(c, samples)))
    for (let i = 0; i < requests && !run.signal.aborted; i++) {
      const v = await timedGet(clients[i % clients.length] as WsmanClient, samples)
      if (v !== null) samples.wan.record(v)
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()))
    await relay.close()
  }
}

async function runLatency(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 20, 1000)
  const requests = params.quick ? 40 : 2000
  const wanRequests = params.quick ? 2 : 40
  const probeCount = Math.min(devices, params.quick ? 5 : 50)
  const wanCount = params.quick ? 1 : 4
  httpProxyOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const samples: Samples = { direct: new LatencyHistogram(), via: new LatencyHistogram(), paired: new LatencyHistogram(), wan: new LatencyHistogram(), failures: 0, gatewayCpuSeconds: null }
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'latency', totalSeconds: null, detail: () => `requests ${samples.via.count}/${requests}, WAN ${samples.wan.count}/${wanRequests}` })
  monitor.start()
  try {
    const probe = await fleets.add({ name: 'probe', devices: probeCount, services: true })
    if (devices > probeCount) await fleets.add({ name: 'bulk', devices: devices - probeCount, workers: workersFor(params, devices - probeCount), rampPerSecond: params.quick ? 0 : 1000 })
    const wan = await fleets.add({ name: 'wan', devices: wanCount, services: true, link: { downlinkBytesPerSecond: 0, uplinkBytesPerSecond: 0, rttMs: VENDOR.latency.deviceToGatewayMs } })
    const all = devices + wanCount
    if ((await waitUntil(() => fleets.connected() === all, 60_000 + devices * 20, signal, 200)) === 'timeout') {
      throw new ScenarioError(`only ${fleets.connected()} of ${all} devices connected (failures: ${JSON.stringify(failuresOf(fleets.snapshot()))})`)
    }
    await loopbackPhase(run, monitor, probe, requests, samples)
    await wanPhase(run, wan, wanRequests, samples)
  } finally {
    await fleets.stop()
  }
  const series = await monitor.stop()
  return report(devices, requests, wanRequests, samples, series)
}

function report(devices: number, requests: number, wanRequests: number, s: Samples, series: ScenarioOutcome['series']): ScenarioOutcome {
  const d = s.direct.summary()
  const v = s.via.summary()
  const w = s.wan.summary()
  const added = (via: number, direct: number) => (v.count === 0 || d.count === 0 ? null : Math.max(0, via - direct) / 1000)
  const floorMs = VENDOR.latency.consoleToGatewayMs + 2 * VENDOR.latency.deviceToGatewayMs
  const wanAdded = w.count === 0 ? null : w.p50 / 1000 - floorMs
  return {
    parameters: parameters({ devices, requests, warmUpRequests: warmUpRounds(requests), wanRequests, request: `WS-MAN Get ${RESOURCE} with Digest, through the HTTP proxy (absolute form)`, wanDeviceRttMs: VENDOR.latency.deviceToGatewayMs, wanConsoleRttMs: VENDOR.latency.consoleToGatewayMs }),
    results: {
      latency: {
        requestsFailed: integrityMetric(s.failures, 'WS-MAN requests that did not answer 200'),
        gatewayAddedP50Ms: metric(added(v.p50, d.p50), 'ms', undefined, undefined, 'through the gateway minus direct, at p50'),
        gatewayAddedP99Ms: metric(added(v.p99, d.p99), 'ms', undefined, undefined, 'through the gateway minus direct, at p99'),
        ...latencyMetrics('via', s.via),
        ...latencyMetrics('direct', s.direct),
        gatewayCpuMsPerRequest: cpuMetric(s.gatewayCpuSeconds === null || v.count === 0 ? null : (s.gatewayCpuSeconds * 1000) / v.count, 'ms', s.gatewayCpuSeconds, 'gateway CPU (user + system) per proxied request: its own work, without waiting'),
        pairedAddedP50Ms: metric(s.paired.count === 0 ? null : s.paired.percentile(50) / 1000, 'ms', undefined, undefined, 'per request pair, via minus direct'),
        pairedAddedP99Ms: metric(s.paired.count === 0 ? null : s.paired.percentile(99) / 1000, 'ms'),
        wanRoundTripP50Ms: metric(w.count === 0 ? null : w.p50 / 1000, 'ms', 'lower', 50, 'device 240 ms and console 220 ms away'),
        wanRoundTripP99Ms: metric(w.count === 0 ? null : w.p99 / 1000, 'ms'),
        wanFloorMs: metric(floorMs, 'ms', undefined, undefined, 'one console and two device round trips'),
        wanGatewayAddedP50Ms: metric(wanAdded, 'ms', undefined, undefined, 'WAN p50 minus the floor'),
      },
    },
    vendor: [
      vendorFigure('WAN setup: device-to-gateway RTT applied (ms)', VENDOR.latency.deviceToGatewayMs, VENDOR.latency.deviceToGatewayMs, 'ms', 'lower'),
      vendorFigure('WAN setup: console-to-gateway RTT applied (ms)', VENDOR.latency.consoleToGatewayMs, VENDOR.latency.consoleToGatewayMs, 'ms', 'lower'),
    ],
    series,
    histograms: [
      { name: 'WS-MAN through the gateway (HTTP proxy)', histogram: s.via.toJSON() },
      { name: 'WS-MAN direct to the same service', histogram: s.direct.toJSON() },
      { name: 'Added per request pair (via − direct, floored at 0)', histogram: s.paired.toJSON() },
      { name: 'WS-MAN over the WAN (device 240 ms, console 220 ms RTT)', histogram: s.wan.toJSON() },
    ],
    integrity: { requestsMeasured: v.count + w.count, requestsFailed: s.failures },
    notes: [
      'Gateway-added latency is the difference of the two distributions at each percentile; the CIRA path includes the simulated device handling the APF channel (open, data, close), which no direct path has.',
      `WAN: the floor is ${floorMs} ms (console RTT + channel open and request over the device link); what the vendor published is the setup, not a round-trip time.`,
    ],
  }
}
