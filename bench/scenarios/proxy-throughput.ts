/**
 * proxy-throughput: how much the console side carries.
 *
 * WS-MAN: autocannon drives the gateway's HTTP proxy with absolute-form requests
 * (`POST http://dev-….fleet.test:16992/wsman`) spread over many devices, each with a Digest
 * Authorization made from that device's own challenge (fetched once; the simulated firmware
 * accepts a nonce until it expires, as AMT does), so every request is answered 200 by a device.
 *
 * CONNECT: tunnels to a bulk service on the devices move a pattern each way; the console checks
 * what it read and the device what it was sent, by SHA-256. Aggregate MB/s (1 MB = 10^6 bytes).
 */

import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon'
import { randomBytes } from 'node:crypto'
import { ProxyAgent, request } from 'undici'
import { buildDigestAuthorization, computeDigestResponse, parseDigestChallenge } from '../../protocol/digest/index.js'
import { buildWsmanRequest, toResourceUri } from '../../protocol/wsman/index.js'
import type { ResolvedTarget } from '../../conformance/target.js'
import { WSMAN_PORT } from '../../simulator/device/services.js'
import { BULK_PORT, BULK_SERVICE_MODULE, download, patternSha256, serveBulk, upload, type BulkResult } from '../lab/bulk.js'
import { bump, connectTunnel, errorKey, httpProxyOf, httpProxyUrl, proxyAuthorizationHeader } from '../lab/consoles.js'
import { BenchFleets, failuresOf, type BenchFleet } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { mapLimited, ScenarioError, waitUntil } from '../lab/wait.js'
import { cpuMetric, integrityMetric, metric, parameters, sized, SPEED_TOLERANCE_PCT, THROUGHPUT_TOLERANCE_PCT, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

export const proxyThroughput: Scenario = {
  name: 'proxy-throughput',
  title: 'Proxy throughput: WS-MAN through the HTTP proxy, bulk through CONNECT',
  summary: 'autocannon WS-MAN through the HTTP proxy to many simulated devices (req/s, latency), and CONNECT tunnel bulk MB/s both ways, hash-checked',
  run: runProxyThroughput,
}

const BODY = Buffer.from(buildWsmanRequest({ kind: 'get', resourceUri: toResourceUri('AMT_GeneralSettings'), messageId: '1', selectors: [], operationTimeout: 'PT60S' }), 'utf8')

/** The device's Digest challenge, from one unauthenticated request through the proxy. */
async function authorizationFor(target: ResolvedTarget, proxy: ProxyAgent, hostname: string): Promise<string> {
  const res = await request(`http://${hostname}:${WSMAN_PORT}/wsman`, { method: 'POST', body: BODY, dispatcher: proxy, headers: { 'content-type': 'application/soap+xml;charset=UTF-8' } })
  await res.body.dump()
  const header = res.headers['www-authenticate']
  if (res.statusCode !== 401 || typeof header !== 'string') throw new ScenarioError(`${hostname}: expected a 401 Digest challenge, got ${res.statusCode}`)
  const c = parseDigestChallenge(header)
  const base = { username: target.amt.username, realm: c.realm, nonce: c.nonce, uri: '/wsman' }
  const cnonce = randomBytes(16).toString('hex')
  const response = computeDigestResponse({ ...base, password: target.amt.password, method: 'POST', qop: 'auth', nc: '00000001', cnonce })
  return buildDigestAuthorization({ ...base, response, qop: 'auth', nc: '00000001', cnonce, opaque: c.opaque, algorithm: null }, 'rfc2617')
}

/**
 * One request that becomes the next device's on every send: autocannon starts every connection
 * at the first entry of a list, so a list would send the first requests of all connections to
 * the same device at once (past its 16 channels). A shared rotation spreads them.
 */
function rotating(requests: readonly AutocannonRequest[]): AutocannonRequest[] {
  let next = 0
  return [{ setupRequest: (r) => ({ ...r, ...requests[next++ % requests.length] }) }]
}

async function wsmanRequests(target: ResolvedTarget, probe: BenchFleet, signal: AbortSignal): Promise<AutocannonRequest[]> {
  const proxy = new ProxyAgent({ uri: httpProxyUrl(target), proxyTunnel: false })
  try {
    const hosts = Array.from({ length: probe.spec.devices }, (_, i) => probe.hostname(i))
    const auths = await mapLimited(hosts, 10, (h) => authorizationFor(target, proxy, h), signal)
    return hosts.map((hostname, i) => ({
      method: 'POST',
      path: `http://${hostname}:${WSMAN_PORT}/wsman`,
      headers: { host: `${hostname}:${WSMAN_PORT}`, 'content-type': 'application/soap+xml;charset=UTF-8', authorization: auths[i] ?? '', ...proxyAuthorizationHeader(target) },
      body: BODY,
    }))
  } finally {
    await proxy.close()
  }
}

async function runAutocannon(target: ResolvedTarget, requests: readonly AutocannonRequest[], connections: number, seconds: number, signal: AbortSignal): Promise<AutocannonResult> {
  const http = httpProxyOf(target)
  const instance = autocannon({ url: `http://${http.host}:${http.port}`, connections, duration: seconds, timeout: 10, requests: rotating(requests) })
  const onAbort = () => instance.stop()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await instance
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

interface BulkTotals {
  readonly down: BulkResult[]
  readonly up: BulkResult[]
  readonly downSeconds: number
  readonly upSeconds: number
  readonly errors: Record<string, number>
}

async function bulkPhase(target: ResolvedTarget, probe: BenchFleet, tunnels: number, bytes: number, signal: AbortSignal): Promise<BulkTotals> {
  const errors: Record<string, number> = {}
  const lanes = Array.from({ length: tunnels }, (_, i) => probe.hostname(i % probe.spec.devices))
  const expected = patternSha256(bytes)
  const phase = async (move: typeof download): Promise<{ results: BulkResult[]; seconds: number }> => {
    const started = performance.now()
    const results = await mapLimited(
      lanes,
      tunnels,
      async (host) => {
        try {
          return await move(await connectTunnel(target, host, BULK_PORT), bytes, expected)
        } catch (error) {
          bump(errors, errorKey(error))
          return { bytes: 0, seconds: 0, hashOk: false }
        }
      },
      signal,
    )
    return { results: results.filter((r): r is BulkResult => r !== undefined), seconds: (performance.now() - started) / 1000 }
  }
  const down = await phase(download)
  const up = await phase(upload)
  return { down: down.results, up: up.results, downSeconds: down.seconds, upSeconds: up.seconds, errors }
}

async function runProxyThroughput(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  const devices = sized(params.devices, params.quick, 20, 1000)
  const seconds = sized(params.durationSeconds, params.quick, 2, 15)
  const connections = params.quick ? 4 : 50
  const tunnels = params.quick ? 2 : 8
  const bulkBytes = params.quick ? 2 * 1024 * 1024 : 64 * 1024 * 1024
  const probeCount = Math.min(devices, params.quick ? 10 : 200)
  httpProxyOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'proxy-throughput', totalSeconds: null, detail: () => `device WS-MAN answers ${fleets.snapshot().services.wsmanRequests}` })
  monitor.start()
  let ac: AutocannonResult | null = null
  let bulk: BulkTotals | null = null
  let cpu: { gatewaySeconds: number | null; benchPercent: number } | null = null
  let wsmanBefore = 0
  let wsmanAfter = 0
  try {
    // The answering devices run in simulator worker processes (full runs), so autocannon and the
    // consoles have this process to themselves; quick runs (--workers 0) keep them here.
    const probe = await fleets.add({ name: 'probe', devices: probeCount, services: true, workers: workersFor(params, probeCount), extraServices: new Map([[BULK_PORT, serveBulk]]), extraServiceModules: [BULK_SERVICE_MODULE] })
    if (devices > probeCount) await fleets.add({ name: 'bulk', devices: devices - probeCount, workers: workersFor(params, devices - probeCount), rampPerSecond: params.quick ? 0 : 1000 })
    if ((await waitUntil(() => fleets.connected() === devices, 60_000 + devices * 20, signal, 200)) === 'timeout') {
      throw new ScenarioError(`only ${fleets.connected()} of ${devices} devices connected (failures: ${JSON.stringify(failuresOf(fleets.snapshot()))})`)
    }
    const requests = await wsmanRequests(gateway.target, probe, signal)
    wsmanBefore = (await probe.fleet.refresh()).services.wsmanRequests
    await monitor.sampleNow()
    const fromMs = Date.now()
    const benchCpu = process.cpuUsage()
    if (!signal.aborted) ac = await runAutocannon(gateway.target, requests, connections, seconds, signal)
    await monitor.sampleNow()
    const used = process.cpuUsage(benchCpu)
    cpu = { gatewaySeconds: monitor.cpuSecondsBetween(fromMs - 1, Date.now()), benchPercent: ((used.user + used.system) / 1e3 / (Date.now() - fromMs)) * 100 }
    wsmanAfter = (await probe.fleet.refresh()).services.wsmanRequests
    if (!signal.aborted) bulk = await bulkPhase(gateway.target, probe, tunnels, bulkBytes, signal)
  } finally {
    await fleets.stop()
  }
  const series = await monitor.stop()
  return report({ devices, workers: workersFor(params, probeCount), probeCount, seconds, connections, tunnels, bulkBytes, ac, bulk, cpu, deviceAnswers: wsmanAfter - wsmanBefore, series })
}

interface Measured {
  readonly devices: number
  /** Worker processes of the answering fleet (0: the bench process). */
  readonly workers: number
  readonly probeCount: number
  readonly seconds: number
  readonly connections: number
  readonly tunnels: number
  readonly bulkBytes: number
  readonly ac: AutocannonResult | null
  readonly bulk: BulkTotals | null
  readonly deviceAnswers: number
  readonly cpu: { readonly gatewaySeconds: number | null; readonly benchPercent: number } | null
  readonly series: ScenarioOutcome['series']
}

function mbps(results: readonly BulkResult[], seconds: number): number | null {
  const bytes = results.reduce((n, r) => n + (r.hashOk ? r.bytes : 0), 0)
  return seconds > 0 && bytes > 0 ? bytes / seconds / 1e6 : null
}

function report(m: Measured): ScenarioOutcome {
  const ac = m.ac
  const bulk = m.bulk
  const wsmanFailed = ac === null ? 0 : ac.non2xx + ac.errors + ac.timeouts
  const hashFailures = bulk === null ? 0 : [...bulk.down, ...bulk.up].filter((r) => !r.hashOk).length
  const completed = ac === null ? null : ac['2xx']
  return {
    parameters: parameters({ devices: m.devices, wsmanDevices: m.probeCount, simulatorWorkers: m.workers, seconds: m.seconds, connections: m.connections, tunnels: m.tunnels, bulkBytesPerTunnel: m.bulkBytes, request: 'WS-MAN Get AMT_GeneralSettings with Digest, absolute form' }),
    results: {
      proxyThroughput: {
        wsmanFailed: integrityMetric(wsmanFailed, 'WS-MAN requests not answered 2xx (errors, timeouts included)'),
        bulkHashFailures: integrityMetric(hashFailures, 'CONNECT transfers whose SHA-256 did not match'),
        wsmanRequestsPerSecond: metric(ac === null ? null : ac.requests.average, 'req/s', 'higher', THROUGHPUT_TOLERANCE_PCT, 'WS-MAN through the HTTP proxy'),
        wsmanLatencyP50Ms: metric(ac === null ? null : ac.latency.p50, 'ms', 'lower', SPEED_TOLERANCE_PCT),
        wsmanLatencyP99Ms: metric(ac === null ? null : ac.latency.p99, 'ms'),
        wsmanCompleted: metric(completed, 'count'),
        gatewayCpuMsPerRequest: cpuMetric(m.cpu?.gatewaySeconds == null || !completed ? null : (m.cpu.gatewaySeconds * 1000) / completed, 'ms', m.cpu?.gatewaySeconds ?? null, 'gateway CPU per WS-MAN request (user + system)'),
        benchCpuPercent: metric(m.cpu?.benchPercent ?? null, '%', undefined, undefined, m.workers === 0 ? 'CPU of the bench process (autocannon and the devices answering) while driving' : 'CPU of the bench process (autocannon; the devices answer in simulator workers) while driving'),
        deviceAnswers: metric(m.deviceAnswers, 'count', undefined, undefined, 'WS-MAN requests the devices answered'),
        connectDownloadMBps: metric(bulk === null ? null : mbps(bulk.down, bulk.downSeconds), 'MB/s', 'higher', THROUGHPUT_TOLERANCE_PCT, `device → console, ${m.tunnels} CONNECT tunnels`),
        connectUploadMBps: metric(bulk === null ? null : mbps(bulk.up, bulk.upSeconds), 'MB/s', 'higher', THROUGHPUT_TOLERANCE_PCT, `console → device, ${m.tunnels} CONNECT tunnels`),
      },
    },
    series: m.series,
    integrity: { wsmanCompleted: completed ?? 0, wsmanFailed, deviceAnswers: m.deviceAnswers, bulkTransfers: bulk === null ? 0 : bulk.down.length + bulk.up.length, bulkHashFailures: hashFailures },
    notes: [
      ...(ac === null ? [] : [`autocannon: ${ac.requests.sent} sent, ${ac['2xx']} 2xx, ${ac.non2xx} non-2xx, ${ac.errors} errors, ${ac.timeouts} timeouts over ${ac.duration} s; by status: ${Object.entries(ac.statusCodeStats).map(([code, s]) => `${code} ×${s.count}`).join(', ')}.`]),
      ...(bulk !== null && Object.keys(bulk.errors).length > 0 ? [`CONNECT tunnels that failed, by error: ${JSON.stringify(bulk.errors)}`] : []),
      `The bulk service answers on port ${BULK_PORT} of the simulated devices (nothing else is simulated there).`,
    ],
  }
}
