/**
 * cluster: N gateway instances on this machine sharing presence through one redis-server, a
 * fleet spread over them (50,000 devices by default, in simulator worker processes calling from
 * several 127.0.0.x addresses), consoles entering every instance. Measured:
 *
 * - the latency the cross-instance hop adds: the same unauthenticated WS-MAN POST (answered
 *   401 by the device, one round trip through it) through the proxy of the instance holding
 *   the device, and through the next instance, alternating, paired per device;
 * - Redis operations per second per 1,000 devices while the fleet idles (INFO commandstats,
 *   which counts the commands scripts run too), and per device connect;
 * - that every instance lists the whole fleet, and the file descriptors each process holds.
 *
 * It starts its own gateways (`ciralab gateway --redis ...`, compiled: `npm run build` first)
 * and its own redis-server (Debian package); the runner's single gateway stays idle.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { ProxyAgent, request } from 'undici'
import { parseTarget, type ResolvedTarget } from '../../conformance/target.js'
import { ChildProgram, ciralabCommand } from '../child-process.js'
import { LatencyHistogram } from '../histogram.js'
import { BenchFleets, failuresOf, totalFailures, type BenchFleet } from '../lab/fleet.js'
import { BENCH_AMT_ACCOUNT, BENCH_DEVICE_CREDENTIALS } from '../lab/gateway.js'
import { readProcSnapshot } from '../proc-sampler.js'
import { median } from '../runner.js'
import { ScenarioError, sleep, waitUntil } from '../lab/wait.js'
import { latencyMetrics, metric, parameters, sized, workersFor, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

export const cluster: Scenario = {
  name: 'cluster',
  title: 'Cluster: gateway instances sharing presence through Redis',
  summary: 'N instances + redis-server, devices (50,000) spread over them: latency the cross-instance hop adds, Redis ops/s per 1,000 devices',
  run: runCluster,
}

/** Probe devices per instance: in this process, serving WS-MAN to the consoles. */
const PROBES = 4
/** Devices per instance: each process stays well under the 20,000 open files allowed here. */
const DEVICES_PER_INSTANCE = 15_000

interface Instance {
  readonly id: string
  readonly program: ChildProgram
  readonly listeners: Readonly<Record<string, string>>
  readonly target: ResolvedTarget
}

async function runCluster(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, signal } = run
  const devices = sized(params.devices, params.quick, 150, 50_000)
  const count = Math.max(3, Math.ceil(devices / DEVICES_PER_INSTANCE))
  const holdSeconds = sized(params.durationSeconds, params.quick, 3, 90)
  const pairs = params.quick ? 20 : 400
  const rampPerSecond = params.quick ? 0 : 1000
  const log = (line: string) => run.stderr.write(`bench: cluster: ${line}\n`)
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-bench-cluster-'))
  const redis = await startRedis(dir)
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  const instances: Instance[] = []
  const fleets: BenchFleets[] = []
  try {
    log(`redis-server on ${redis.url}; starting ${count} gateway instances`)
    instances.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startInstance(i, redis.url, dir)))))
    // Connect: every device registered once (and its FQDN with it).
    const before = await commandStats(probe)
    const connectStart = Date.now()
    const per = Math.floor(devices / count)
    const bulk: Promise<BenchFleet>[] = []
    const probes: BenchFleet[][] = []
    for (const [i, instance] of instances.entries()) {
      const f = new BenchFleets(instance.target, params.seed)
      fleets.push(f)
      const n = i === count - 1 ? devices - per * (count - 1) : per
      // Two source addresses per instance: ephemeral ports are per (source, destination).
      const sourceIps = [`127.0.${1 + i}.1`, `127.0.${1 + i}.2`]
      bulk.push(f.add({ name: `c${i}`, devices: n, workers: workersFor(params, n), rampPerSecond: rampPerSecond / count, sourceIps, retryDelaySeconds: 5 }))
      probes.push([await f.add({ name: `p${i}`, devices: PROBES, services: true })])
    }
    await Promise.all(bulk)
    const total = devices + count * PROBES
    const connected = () => fleets.reduce((n, f) => n + f.connected(), 0)
    log(`${total} devices calling in`)
    const outcome = await waitUntil(() => connected() >= total, 600_000 + devices * 20, signal, 1000)
    if (outcome !== 'met') throw new ScenarioError(`only ${connected()} of ${total} devices connected`)
    await waitForKeys(probe, total, signal)
    const connectSeconds = (Date.now() - connectStart) / 1000
    const afterConnect = await commandStats(probe)
    log(`all ${total} connected and registered in ${connectSeconds.toFixed(1)} s; every instance lists the fleet?`)
    const listings = await Promise.all(instances.map((inst) => fleetListing(inst)))
    // Idle: keepalives only; the store sees the refreshes and heartbeats.
    await sleep(2000, signal)
    const holdStart = await commandStats(probe)
    const holdStartMs = Date.now()
    log(`holding ${holdSeconds} s`)
    await sleep(holdSeconds * 1000, signal)
    const holdEnd = await commandStats(probe)
    const heldSeconds = (Date.now() - holdStartMs) / 1000
    log(`hop latency: ${pairs} pairs`)
    const hop = await measureHop(instances, probes.map((p) => p[0] as BenchFleet), pairs, signal)
    const resources = await Promise.all(instances.map(async (inst) => ({ id: inst.id, ...(await processResources(inst.program.pid)) })))
    return outcomeOf({ devices, total, count, holdSeconds: heldSeconds, connectSeconds, before, afterConnect, holdStart, holdEnd, listings, hop, resources, fleets })
  } finally {
    await Promise.all(fleets.map((f) => f.stop().catch(() => undefined)))
    await Promise.all(instances.map((inst) => inst.program.stop(15_000)))
    probe.disconnect()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function startInstance(i: number, redisUrl: string, dir: string): Promise<Instance> {
  const config = join(dir, `gw${i}.json`)
  // Hops sealed as in production: every instance holds the same cluster secret.
  writeFileSync(config, JSON.stringify({ devices: { failureLimit: 1_000_000 }, clusterSecretFile: join(dir, 'cluster.secret') }))
  writeFileSync(join(dir, 'cluster.secret'), 'bench-cluster-secret-'.repeat(3), { mode: 0o600 })
  const any = '127.0.0.1:0'
  const command = ciralabCommand([
    'gateway', '--device-plain-listen', any, '--device-tls-listen', 'off', '--http-listen', any, '--socks-listen', any, '--api-listen', any,
    '--internal-listen', any, '--redis', redisUrl, '--instance-id', `gw${i}`, '--config', config, '--data-dir', dir,
    '--user', BENCH_DEVICE_CREDENTIALS.username, '--password', BENCH_DEVICE_CREDENTIALS.password, '--log-level', 'warn', '--drain-ms', '1000',
  ])
  const program = ChildProgram.start({ ...command, label: `gateway gw${i}` })
  const ready = await program.waitForJson((m) => m['event'] === 'ready', 60_000)
  const listeners = (ready['listeners'] ?? {}) as Record<string, string>
  const plain = /^(.*):(\d+)$/.exec(listeners['devicePlain'] ?? '')
  const target = parseTarget(
    {
      name: `gw${i}`,
      device: { host: plain?.[1] ?? '127.0.0.1', port: Number(plain?.[2] ?? 0), tls: false },
      credentials: BENCH_DEVICE_CREDENTIALS,
      console: { httpProxy: listeners['http'] ?? null, socks5: listeners['socks'] ?? null, auth: null },
      presence: { kind: 'ciralab', url: `http://${listeners['api'] ?? ''}` },
      amt: BENCH_AMT_ACCOUNT,
    },
    `gw${i}`,
    dir,
  )
  return { id: `gw${i}`, program, listeners, target }
}

interface HopMeasurement {
  readonly local: LatencyHistogram
  readonly remote: LatencyHistogram
  /** Per pair: remote minus local, µs. */
  readonly added: number[]
  readonly failures: number
}

/** One WS-MAN POST through `proxy` to `host`: the device answers 401 (one round trip through it). */
async function postOnce(proxy: ProxyAgent, host: string): Promise<number> {
  const start = process.hrtime.bigint()
  const res = await request(`http://${host}:16992/wsman`, { method: 'POST', dispatcher: proxy, body: '', headers: { 'content-type': 'application/soap+xml' }, headersTimeout: 15_000, bodyTimeout: 15_000 })
  await res.body.dump()
  if (res.statusCode !== 401) throw new Error(`HTTP ${res.statusCode}`)
  return Number(process.hrtime.bigint() - start) / 1000
}

async function measureHop(instances: readonly Instance[], probes: readonly BenchFleet[], pairs: number, signal: AbortSignal): Promise<HopMeasurement> {
  const agents = instances.map((inst) => new ProxyAgent({ uri: `http://${inst.listeners['http'] ?? ''}`, proxyTunnel: false }))
  const local = new LatencyHistogram()
  const remote = new LatencyHistogram()
  const added: number[] = []
  let failures = 0
  try {
    // Warm both paths once (connections to the proxies, JIT).
    for (let i = 0; i < instances.length; i++) {
      await postOnce(agents[i] as ProxyAgent, probes[i]?.hostname(0) ?? '').catch(() => undefined)
      await postOnce(agents[(i + 1) % instances.length] as ProxyAgent, probes[i]?.hostname(0) ?? '').catch(() => undefined)
    }
    for (let n = 0; n < pairs && !signal.aborted; n++) {
      const holder = n % instances.length
      const other = (holder + 1) % instances.length
      const host = probes[holder]?.hostname(Math.floor(n / instances.length) % PROBES) ?? ''
      try {
        // Alternate which goes first, so neither path always meets a warmer cache.
        const order = n % 2 === 0 ? [holder, other] : [other, holder]
        const times = new Map<number, number>()
        for (const i of order) times.set(i, await postOnce(agents[i] as ProxyAgent, host))
        local.record(times.get(holder) as number)
        remote.record(times.get(other) as number)
        added.push((times.get(other) as number) - (times.get(holder) as number))
      } catch {
        failures++
      }
    }
  } finally {
    await Promise.all(agents.map((a) => a.close()))
  }
  return { local, remote, added, failures }
}

type Stats = { readonly calls: ReadonlyMap<string, number>; readonly processed: number }

/** INFO commandstats (commands run by scripts included) and the top-level count. */
async function commandStats(redis: Redis): Promise<Stats> {
  const text = await redis.info('commandstats')
  const calls = new Map<string, number>()
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] as string, Number(match[2]))
  const processed = Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0)
  return { calls, processed }
}

function delta(a: Stats, b: Stats): { total: number; processed: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {}
  let total = 0
  for (const [name, n] of b.calls) {
    // Our own probing (INFO, DBSIZE) is not the gateways' load.
    if (name === 'info' || name === 'dbsize') continue
    const d = n - (a.calls.get(name) ?? 0)
    if (d > 0) byCommand[name] = d
    total += d
  }
  return { total, processed: b.processed - a.processed, byCommand }
}

async function waitForKeys(redis: Redis, devices: number, signal: AbortSignal): Promise<void> {
  // Every device's hash plus the instances' heartbeat set.
  for (let i = 0; i < 600 && !signal.aborted; i++) {
    if ((await redis.dbsize()) >= devices + 1) return
    await sleep(500, signal)
  }
  throw new ScenarioError(`Redis holds ${await redis.dbsize()} keys, expected ${devices + 1}`)
}

async function fleetListing(inst: Instance): Promise<{ id: string; devices: number; ms: number }> {
  const start = Date.now()
  const res = await request(`http://${inst.listeners['api'] ?? ''}/api/v1/devices`, { headersTimeout: 60_000, bodyTimeout: 60_000 })
  const body = (await res.body.json()) as { count: number }
  return { id: inst.id, devices: body.count, ms: Date.now() - start }
}

async function processResources(pid: number): Promise<{ fds: number | null; rssMiB: number | null }> {
  try {
    const snapshot = await readProcSnapshot(pid)
    return { fds: snapshot.fds, rssMiB: snapshot.rssBytes / 2 ** 20 }
  } catch {
    return { fds: null, rssMiB: null }
  }
}

interface Measured {
  readonly devices: number
  readonly total: number
  readonly count: number
  readonly holdSeconds: number
  readonly connectSeconds: number
  readonly before: Stats
  readonly afterConnect: Stats
  readonly holdStart: Stats
  readonly holdEnd: Stats
  readonly listings: readonly { id: string; devices: number; ms: number }[]
  readonly hop: HopMeasurement
  readonly resources: readonly { id: string; fds: number | null; rssMiB: number | null }[]
  readonly fleets: readonly BenchFleets[]
}

function outcomeOf(m: Measured): ScenarioOutcome {
  const connect = delta(m.before, m.afterConnect)
  const hold = delta(m.holdStart, m.holdEnd)
  const per1000 = (n: number) => n / m.holdSeconds / (m.total / 1000)
  const snapshots = m.fleets.map((f) => f.snapshot())
  const failures = snapshots.reduce((n, s) => n + totalFailures(s), 0)
  const listedShort = m.listings.filter((l) => l.devices !== m.total).length
  const addedMs = median(m.hop.added)
  return {
    parameters: parameters({ devices: m.devices, instances: m.count, probeDevicesPerInstance: PROBES, holdSeconds: Math.round(m.holdSeconds), hopPairs: m.hop.added.length, presenceTtlMs: 90_000 }),
    results: {
      fleet: {
        devices: metric(m.total, 'count', undefined, undefined, 'devices connected (bulk + probes)'),
        connectSeconds: metric(m.connectSeconds, 's', 'lower', 300, 'all connected and registered in Redis'),
        listingMs: metric(Math.max(...m.listings.map((l) => l.ms)), 'ms', 'lower', 300, 'slowest whole-fleet admin listing'),
        maxFdsPerProcess: metric(Math.max(...m.resources.map((r) => r.fds ?? 0)), 'count', undefined, undefined, 'open files in the busiest gateway process'),
        maxRssMiBPerProcess: metric(Math.max(...m.resources.map((r) => r.rssMiB ?? 0)), 'MiB'),
      },
      hop: {
        ...latencyMetrics('local', m.hop.local),
        ...latencyMetrics('viaOtherInstance', m.hop.remote),
        addedP50Ms: metric(addedMs === null ? null : addedMs / 1000, 'ms', 'lower', 300, 'median of paired differences (other instance minus holder)'),
      },
      redis: {
        opsPerSecondPer1000Devices: metric(per1000(hold.total), 'ops/s', 'lower', 100, 'idle fleet, commandstats (script-internal commands included)'),
        clientCommandsPerSecondPer1000Devices: metric(per1000(hold.processed), 'ops/s', 'lower', 100, 'idle fleet, commands the gateways sent (total_commands_processed)'),
        opsPerDeviceConnect: metric(connect.total / m.total, 'ops', 'lower', 100, 'from connect to registered, commandstats'),
      },
    },
    integrity: {
      connectFailures: failures,
      hopFailures: m.hop.failures,
      instancesListingShort: listedShort,
    },
    tables: [
      {
        title: 'Redis commands while the fleet idled (per second per 1,000 devices)',
        columns: ['command', 'ops/s per 1,000 devices'],
        rows: Object.entries(hold.byCommand).sort((a, b) => b[1] - a[1]).map(([name, n]) => [name, Number(per1000(n).toFixed(3))]),
      },
      { title: 'Gateway processes', columns: ['instance', 'open files', 'RSS MiB', 'fleet listed', 'listing ms'], rows: m.resources.map((r, i) => [r.id, r.fds ?? -1, Number((r.rssMiB ?? 0).toFixed(1)), m.listings[i]?.devices ?? -1, m.listings[i]?.ms ?? -1]) },
    ],
    notes: [
      `Connect failures by reason: ${JSON.stringify(snapshots.map((s) => failuresOf(s)))}.`,
      'Gateways ran with --log-level warn and plain device listeners (no TLS): the hop and Redis costs do not depend on either.',
      'The runner started one gateway of its own that this scenario does not use.',
    ],
  }
}

interface RedisProcess {
  readonly url: string
  stop(): Promise<void>
}

async function startRedis(dir: string): Promise<RedisProcess> {
  // Below the ephemeral range (32768 up): outgoing connections never hold it.
  const port = 20_000 + Math.floor(Math.random() * 12_000)
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxclients', '10000'], { stdio: 'ignore' })
  const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new ScenarioError(`redis-server: ${error.message} (Debian package redis-server)`))))
  const deadline = Date.now() + 10_000
  for (;;) {
    const up = await Promise.race([failed, new Promise<boolean>((resolve) => connect({ host: '127.0.0.1', port }).once('connect', function (this: import('node:net').Socket) { this.destroy(); resolve(true) }).once('error', () => resolve(false)))])
    if (up) break
    if (Date.now() > deadline || child.exitCode !== null) throw new ScenarioError(`redis-server did not listen on 127.0.0.1:${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}
