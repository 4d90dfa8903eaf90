/**
 * quick: the whole path in under two minutes (what `npm start` runs). Our gateway, 1,000 devices
 * calling home over TLS; a WS-MAN Get with Digest to every one through the HTTP proxy; SOL
 * through SOCKS5 on 100 of them, every byte verified, while 10 boot an IDE-R image that each
 * device checks by SHA-256. The report shows all of it beside the gateway's CPU and memory.
 */

import { describeIderImage, type IderClient } from '../../consoles/ider-client.js'
import { LatencyHistogram } from '../histogram.js'
import { patternBlocks } from '../lab/bulk.js'
import { bump, errorKey, httpProxyOf, openIder, socksOf, wsmanViaProxy } from '../lab/consoles.js'
import { BenchFleets, failuresOf, totalFailures, unexpectedDisconnects, type BenchFleet } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { SolSessions } from '../lab/sol-sessions.js'
import { mapLimited, ScenarioError, sleep, waitUntil } from '../lab/wait.js'
import { cpuMetric, integrityMetric, latencyMetrics, metric, parameters, sized, SPEED_TOLERANCE_PCT, THROUGHPUT_TOLERANCE_PCT, type Scenario, type ScenarioOutcome, type ScenarioRun as Run } from './types.js'

export const quick: Scenario = {
  name: 'quick',
  title: 'Quick tour: 1,000 devices, WS-MAN, SOL and IDE-R through one gateway',
  summary: 'npm start: 1,000 devices, WS-MAN to each via the HTTP proxy, SOL via SOCKS5 on 100, IDE-R on 10, under 2 minutes',
  run: runQuick,
}

interface Wsman {
  readonly latency: LatencyHistogram
  ok: number
  failed: number
  readonly errors: Record<string, number>
}

async function wsmanToEvery(run: Run, fleet: BenchFleet, wsman: Wsman): Promise<void> {
  const indexes = Array.from({ length: fleet.spec.devices }, (_, i) => i)
  await mapLimited(
    indexes,
    20,
    async (i) => {
      const client = wsmanViaProxy(run.gateway.target, fleet.hostname(i))
      try {
        const x = await client.get('AMT_GeneralSettings')
        // The device's own realm in the answer: the proxy reached the device it was asked for.
        if (x.status === 200 && x.body.includes(fleet.identity(i).digestRealm)) {
          wsman.ok++
          wsman.latency.record(x.latencyMs * 1000)
        } else {
          wsman.failed++
          bump(wsman.errors, `HTTP ${x.status}`)
        }
      } catch (error) {
        wsman.failed++
        bump(wsman.errors, errorKey(error))
      } finally {
        await client.close()
      }
    },
    run.signal,
  )
}

interface Ider {
  readonly devices: number
  served: number
  seconds: number
  readonly errors: Record<string, number>
}

async function iderOnSome(run: Run, fleet: BenchFleet, image: Buffer, ider: Ider): Promise<void> {
  const started = performance.now()
  const verifiedBefore = fleet.fleet.snapshot().services.iderImagesVerified
  const clients: IderClient[] = []
  try {
    await mapLimited(Array.from({ length: ider.devices }, (_, i) => i), ider.devices, async (i) => {
      try {
        clients.push(await openIder(run.gateway.target, fleet.hostname(i), image, 120_000))
      } catch (error) {
        bump(ider.errors, errorKey(error))
      }
    })
    await waitUntil(() => fleet.fleet.snapshot().services.iderImagesVerified - verifiedBefore + fleet.fleet.snapshot().services.iderIntegrityFailures >= clients.length, 120_000, run.signal, 20)
    ider.seconds = (performance.now() - started) / 1000
    ider.served = clients.reduce((n, c) => n + c.stats.bytesServed, 0)
  } finally {
    await Promise.all(clients.map((c) => c.end()))
  }
}

async function runQuick(run: Run): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 20, 1000)
  const solDevices = Math.min(devices, params.quick ? 5 : 100)
  const iderDevices = Math.min(devices, params.quick ? 2 : 10)
  const solSeconds = sized(params.durationSeconds, params.quick, 2, 10)
  const image = Buffer.concat([...patternBlocks(params.quick ? 256 * 1024 : 4 * 1024 * 1024)])
  httpProxyOf(gateway.target)
  socksOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const wsman: Wsman = { latency: new LatencyHistogram(), ok: 0, failed: 0, errors: {} }
  const sol = new SolSessions()
  const ider: Ider = { devices: iderDevices, served: 0, seconds: 0, errors: {} }
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'quick', totalSeconds: null, detail: () => `WS-MAN ${wsman.ok + wsman.failed}/${devices}  SOL ${sol.count} (${(sol.bytes() / 1e3).toFixed(0)} KB)  IDE-R verified ${fleets.snapshot().services.iderImagesVerified}` })
  monitor.start()
  let connectSeconds: number | null = null
  let stopped: Awaited<ReturnType<BenchFleets['stop']>> | null = null
  let solTotals = sol.totals()
  try {
    const started = performance.now()
    const fleet = await fleets.add({ name: 'quick', devices, services: true, rampPerSecond: params.quick ? 0 : 1000, solStreamBytesPerSecond: 1200, iderExpectedImage: await describeIderImage(image) })
    if ((await waitUntil(() => fleets.connected() === devices, 120_000, signal, 100)) === 'timeout') throw new ScenarioError(`only ${fleets.connected()} of ${devices} devices connected (failures: ${JSON.stringify(failuresOf(fleets.snapshot()))})`)
    connectSeconds = (performance.now() - started) / 1000
    await wsmanToEvery(run, fleet, wsman)
    // SOL on the last devices, IDE-R on the first: at the same time, on different devices.
    const solHosts = Array.from({ length: solDevices }, (_, i) => fleet.hostname(devices - 1 - i))
    await sol.open(gateway.target, solHosts, (solSeconds + 180) * 1000, 25, signal)
    await Promise.all([iderOnSome(run, fleet, image, ider), sleep(solSeconds * 1000, signal)])
    solTotals = sol.totals()
    await sol.endAll(25)
  } finally {
    stopped = await fleets.stop()
  }
  const series = await monitor.stop()
  const proc = monitor.summarize(0)
  const s = stopped.before
  const solFailures = solTotals.sequenceErrors + solTotals.checksumErrors + solTotals.formatErrors + solTotals.lost + solTotals.failedToOpen
  const iderVerified = s.services.iderImagesVerified
  return {
    parameters: parameters({ devices, solDevices, solSeconds, iderDevices, iderImageBytes: image.length, transport: 'APF over TLS; WS-MAN via the HTTP proxy; SOL and IDE-R via SOCKS5' }),
    results: {
      quick: {
        devicesConnected: metric(s.connected, 'devices', 'higher', 0),
        connectFailures: integrityMetric(totalFailures(s), 'device connect attempts that failed'),
        disconnects: integrityMetric(unexpectedDisconnects(s), 'tunnels lost during the run'),
        wsmanFailed: integrityMetric(wsman.failed, 'WS-MAN Gets without a 200 from the right device'),
        solFailures: integrityMetric(solFailures, 'SOL sessions not opened or lost, and stream errors'),
        iderFailures: integrityMetric(iderDevices - iderVerified, 'IDE-R images not verified by their device'),
        connectSeconds: metric(connectSeconds, 's', 'lower', SPEED_TOLERANCE_PCT, `until all ${devices} devices were connected`),
        wsmanOk: metric(wsman.ok, 'count'),
        ...latencyMetrics('wsman', wsman.latency),
        solKilobytesVerified: metric(solTotals.bytes / 1000, 'KB'),
        iderMBps: metric(ider.seconds > 0 ? ider.served / ider.seconds / 1e6 : null, 'MB/s', 'higher', THROUGHPUT_TOLERANCE_PCT, `IDE-R, ${iderDevices} devices at once, unshaped loopback`),
        gatewayCpuPercentMean: cpuMetric(proc?.cpuPercentMean ?? null, '%', proc?.cpuSeconds ?? null, 'whole run, % of one core'),
        gatewayRssMaxMB: metric(proc === null ? null : proc.rssMaxBytes / 1e6, 'MB', 'lower', 100),
      },
    },
    series,
    histograms: [
      { name: 'WS-MAN Get through the HTTP proxy (401 challenge + 200)', histogram: wsman.latency.toJSON() },
      { name: 'SOL session open via SOCKS5', histogram: sol.openTimes.toJSON() },
    ],
    integrity: { wsmanOk: wsman.ok, wsmanFailed: wsman.failed, solSessionsOpened: solTotals.opened, solBytesVerified: solTotals.bytes, solFailures, iderImagesVerified: iderVerified, iderIntegrityFailures: s.services.iderIntegrityFailures },
    notes: [
      ...(Object.keys(wsman.errors).length > 0 ? [`WS-MAN failures: ${JSON.stringify(wsman.errors)}`] : []),
      ...(Object.keys(solTotals.openErrors).length > 0 ? [`SOL open failures: ${JSON.stringify(solTotals.openErrors)}`] : []),
      ...(Object.keys(ider.errors).length > 0 ? [`IDE-R failures: ${JSON.stringify(ider.errors)}`] : []),
    ],
  }
}
