/**
 * How fast the simulator brings a fleet up against a gateway on this machine, and how much memory
 * it needs per connected idle device. Starts `ciralab gateway` as a child (its first-start
 * certificates, device TLS on a free loopback port), runs the fleet in this process (one
 * LocalFleet, or worker processes with --workers), waits until every device has a ready tunnel,
 * lets them sit idle, and reports:
 *
 * - the time from the first device starting to the last one connected (target: 10,000 in < 30 s);
 * - the simulator's RSS growth per connected idle device (target: < 40 KB), in-process runs only.
 *
 *   npm run build && node --expose-gc dist/bench/simulator-connect.js [--devices 10000] [--ramp 2000] \
 *     [--plain] [--source-ips 127.0.0.2-127.0.0.9] [--settle-seconds 5] [--workers 0]
 *
 * Not part of `npm test`. Progress on stderr; a table on stdout; JSON under reports/out/.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createFleet, type FleetSnapshot } from '../simulator/index.js'
import { parseSourceIps } from '../simulator/fleet/source-ips.js'
import { ChildProgram, ciralabCommand } from './child-process.js'
import { describeMachine, type MachineInfo } from './machine.js'
import { readClockTicks, readProcSnapshot } from './proc-sampler.js'

export interface SimulatorConnectOptions {
  readonly devices: number
  readonly rampPerSecond: number
  readonly plain: boolean
  /** TLS without certificate checks on the devices (to see what the checks cost). */
  readonly insecure?: boolean
  readonly sourceIps: readonly string[]
  readonly settleSeconds: number
  /** 0: the fleet runs in this process (memory is measured); more: worker processes. */
  readonly workers: number
  /** Give up waiting for the fleet after this long. */
  readonly timeoutSeconds: number
  /** Devices connecting at once (in-process fleets; default 256). */
  readonly maxConnecting?: number
  readonly onProgress?: (line: string) => void
}

export interface SimulatorConnectResult {
  readonly scenario: 'simulator-connect'
  readonly date: string
  readonly machine: MachineInfo
  readonly devices: number
  readonly transport: 'tls' | 'tls-insecure' | 'plain'
  readonly rampPerSecond: number
  readonly workers: number
  readonly sourceIps: number
  /** First device started → every device connected, seconds; null if not all connected. */
  readonly allConnectedSeconds: number | null
  readonly connected: number
  readonly connectMs: FleetSnapshot['connectMs']
  readonly failures: Readonly<Record<string, number>>
  /** Simulator process RSS growth per connected idle device (in-process runs). */
  readonly rssPerDeviceBytes: number | null
  readonly heapPerDeviceBytes: number | null
  /** CPU spent while connecting, seconds: this process (simulator) and the gateway child. */
  readonly connectCpuSeconds: { readonly simulator: number; readonly gateway: number }
  readonly targets: { readonly connectSeconds: 30; readonly rssPerDeviceBytes: 40_960 }
}

const USER = 'admin'
const PASSWORD = 'P@ssw0rd'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
}

function memory(): { rss: number; heap: number } {
  collectGarbage()
  const m = process.memoryUsage()
  return { rss: m.rss, heap: m.heapUsed }
}

/** Start our gateway on free loopback ports; resolves with its device port and the root it made. */
async function startGateway(plain: boolean, dataDir: string): Promise<{ child: ChildProgram; port: number; caPem: string | null }> {
  const cmd = ciralabCommand([
    'gateway', '--device-tls-listen', '127.0.0.1:0', '--device-plain-listen', '127.0.0.1:0', '--http-listen', 'off', '--socks-listen', 'off',
    '--api-listen', 'off', '--user', USER, '--password', PASSWORD, '--data-dir', dataDir, '--fqdn', 'localhost', '--log-level', 'error',
  ])
  const child = ChildProgram.start({ ...cmd, label: 'ciralab gateway' })
  const ready = await child.waitForJson((m) => m['event'] === 'ready', 60_000)
  const listeners = ready['listeners'] as Record<string, string>
  const port = Number((listeners[plain ? 'devicePlain' : 'deviceTls'] ?? '').split(':').pop())
  return { child, port, caPem: plain ? null : readFileSync(join(dataDir, 'TrustedRootCertificate.pem'), 'utf8') }
}

export async function runSimulatorConnectBench(o: SimulatorConnectOptions): Promise<SimulatorConnectResult> {
  const say = o.onProgress ?? (() => undefined)
  const dataDir = mkdtempSync(join(tmpdir(), 'ciralab-simconnect-'))
  const gateway = await startGateway(o.plain, dataDir)
  try {
    await sleep(500)
    const before = memory()
    const cpuBefore = process.cpuUsage()
    const gatewayBefore = await readProcSnapshot(gateway.child.pid)
    const fleet = createFleet({
      gateway: { host: '127.0.0.1', port: gateway.port },
      transport:
        gateway.caPem === null
          ? { mode: 'plain' }
          : o.insecure === true
            ? { mode: 'tls', insecure: true }
            : { mode: 'tls', caPem: gateway.caPem, servername: 'localhost' },
      credentials: { username: USER, password: PASSWORD },
      devices: o.devices,
      rampPerSecond: o.rampPerSecond,
      workers: o.workers,
      sourceIps: o.sourceIps,
      ...(o.maxConnecting === undefined ? {} : { maxConnecting: o.maxConnecting }),
    })
    const started = performance.now()
    await fleet.start()
    let allConnectedSeconds: number | null = null
    let lastLine = 0
    while (performance.now() - started < o.timeoutSeconds * 1000) {
      const s = fleet.progress()
      const elapsed = (performance.now() - started) / 1000
      if (s.everConnected >= o.devices) {
        allConnectedSeconds = elapsed
        break
      }
      if (elapsed - lastLine >= 1) {
        lastLine = elapsed
        say(`[${elapsed.toFixed(1)} s] connected ${s.connected}/${o.devices}, connecting ${s.states.connecting + s.states.handshaking}, waiting ${s.states.waiting}`)
      }
      await sleep(20)
    }
    const cpu = process.cpuUsage(cpuBefore)
    const gatewayAfter = await readProcSnapshot(gateway.child.pid)
    const connectCpuSeconds = {
      simulator: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      gateway: Number(((gatewayAfter.cpuTicks - gatewayBefore.cpuTicks) / readClockTicks()).toFixed(2)),
    }
    say(allConnectedSeconds === null ? 'not every device connected in time' : `all ${o.devices} connected after ${allConnectedSeconds.toFixed(2)} s; idle ${o.settleSeconds} s`)
    await sleep(o.settleSeconds * 1000)
    const after = memory()
    const idle = fleet.progress()
    const final = await fleet.stop()
    const inProcess = o.workers === 0
    return {
      scenario: 'simulator-connect',
      date: new Date().toISOString(),
      machine: describeMachine(),
      devices: o.devices,
      transport: o.plain ? 'plain' : o.insecure === true ? 'tls-insecure' : 'tls',
      rampPerSecond: o.rampPerSecond,
      workers: o.workers,
      sourceIps: o.sourceIps.length,
      allConnectedSeconds: allConnectedSeconds === null ? null : Number(allConnectedSeconds.toFixed(3)),
      connected: idle.connected,
      connectMs: final.connectMs,
      failures: Object.fromEntries(Object.entries(final.failures).filter(([, n]) => n > 0)),
      rssPerDeviceBytes: inProcess ? Math.round((after.rss - before.rss) / Math.max(1, idle.connected)) : null,
      heapPerDeviceBytes: inProcess ? Math.round((after.heap - before.heap) / Math.max(1, idle.connected)) : null,
      connectCpuSeconds,
      targets: { connectSeconds: 30, rssPerDeviceBytes: 40_960 },
    }
  } finally {
    await gateway.child.stop(15_000)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export function formatSimulatorConnect(r: SimulatorConnectResult): string {
  const kib = (b: number | null) => (b === null ? 'n/a (workers)' : `${(b / 1024).toFixed(1)} KiB`)
  return [
    `devices                 ${r.devices} (${r.transport === 'plain' ? 'plain APF' : `APF over TLS${r.transport === 'tls-insecure' ? ' without certificate checks' : ''}`}, ramp ${r.rampPerSecond}/s, ${r.sourceIps} source IPs, ${r.workers === 0 ? 'one process' : `${r.workers} workers`})`,
    `all connected after     ${r.allConnectedSeconds === null ? `NOT all (${r.connected})` : `${r.allConnectedSeconds} s`} (target < ${r.targets.connectSeconds} s)`,
    `connect time (ms)       p50 ${r.connectMs.p50} p95 ${r.connectMs.p95} p99 ${r.connectMs.p99} max ${r.connectMs.max}`,
    `failures                ${Object.entries(r.failures).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `CPU while connecting    simulator ${r.connectCpuSeconds.simulator} s, gateway ${r.connectCpuSeconds.gateway} s (${r.workers === 0 ? '' : 'simulator workers not counted; '}2 cores shared)`,
    `simulator RSS / device  ${kib(r.rssPerDeviceBytes)} (JS heap ${kib(r.heapPerDeviceBytes)}; target < 40 KiB)`,
    '',
  ].join('\n')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '10000' },
      ramp: { type: 'string', default: '2000' },
      plain: { type: 'boolean', default: false },
      insecure: { type: 'boolean', default: false },
      'source-ips': { type: 'string', default: '127.0.0.2-127.0.0.9' },
      'settle-seconds': { type: 'string', default: '5' },
      workers: { type: 'string', default: '0' },
      'timeout-seconds': { type: 'string', default: '120' },
      'max-connecting': { type: 'string', default: '256' },
      out: { type: 'string', default: 'reports/out' },
    },
  })
  const devices = Number(values.devices)
  if (!Number.isInteger(devices) || devices < 1 || devices > 60_000) throw new Error('--devices must be 1..60000')
  const sourceIps = parseSourceIps(values['source-ips'])
  if (typeof sourceIps === 'string') throw new Error(`--source-ips: ${sourceIps}`)
  const result = await runSimulatorConnectBench({
    devices,
    rampPerSecond: Number(values.ramp),
    plain: values.plain,
    insecure: values.insecure,
    sourceIps,
    settleSeconds: Number(values['settle-seconds']),
    workers: Number(values.workers),
    timeoutSeconds: Number(values['timeout-seconds']),
    maxConnecting: Number(values['max-connecting']),
    onProgress: (line) => process.stderr.write(`${line}\n`),
  })
  process.stdout.write(formatSimulatorConnect(result))
  mkdirSync(values.out, { recursive: true })
  const file = join(values.out, `simulator-connect-${result.date.replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
  process.stdout.write(`report: ${file}\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`simulator-connect: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
