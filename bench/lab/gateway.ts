/**
 * The gateway a scenario measures. By default ours: `ciralab gateway` as a child process on free
 * loopback ports with a throw-away PKI, its log (pino lines on stderr) appended to a file the
 * way MPS writes its log, so the bench can count the bytes and `ciralab stats` can read it. Or
 * any CIRA gateway a conformance target file describes (`--target`); a `peer` target
 * (MeshCentral) is installed and started the way the conformance suite does it.
 *
 * Everything measured about the gateway comes from outside: /proc of `pid()` and the growth of
 * `logPath`. An external target is measured only when its pid is known (`--target-pid`).
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loopbackPki } from '../../pki/fixtures.js'
import { meshCentralDir, startMeshCentral } from '../../conformance/peers/meshcentral.js'
import { loadTargetFile, parseTarget, peerOfTargetFile, type ResolvedTarget } from '../../conformance/target.js'
import { ChildProgram, ciralabCommand } from '../child-process.js'
import { TargetUnsuitableError } from './wait.js'

export interface GatewayUnderTest {
  /** Short name for tables: `ciralab` or the target file's name. */
  readonly name: string
  readonly target: ResolvedTarget
  /** The process to sample through /proc; null when the bench cannot see it. Changes on restart. */
  pid(): number | null
  /** The log file (rotations beside it) whose growth is the gateway's log I/O; null if unknown. */
  readonly logPath: string | null
  /** Where `--profile` put the CPU profiles (written when the gateway exits); null without it. */
  readonly profileDir: string | null
  /** True for ours: `restart()` stops it and starts it again on the same ports. */
  readonly restartable: boolean
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Device credentials our gateway is started with (the simulated fleet logs in with them). */
export const BENCH_DEVICE_CREDENTIALS = Object.freeze({ username: 'benchdevice', password: 'B3nch!Device' })
/** The AMT account of simulated devices (WS-MAN Digest, redirection login). */
export const BENCH_AMT_ACCOUNT = Object.freeze({ username: 'admin', password: 'P@ssw0rd1' })

export interface OurGatewayOptions {
  /** Run the gateway under Node's V8 CPU profiler; the .cpuprofile files land in this folder. */
  readonly profileDir?: string | null
  /** Default `info`: what MPS logs by default, so log bytes compare with the vendor's. */
  readonly logLevel?: string
  readonly readyTimeoutMs?: number
}

type Listeners = Readonly<Record<string, string | undefined>>

/** Starts `ciralab gateway` (compiled: `npm run build` first) and resolves once it is listening. */
export async function startOurGateway(options: OurGatewayOptions = {}): Promise<GatewayUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-bench-gw-'))
  const pki = loopbackPki()
  writeFileSync(join(dir, 'gateway.crt'), pki.server.certificatePem)
  writeFileSync(join(dir, 'gateway.key'), pki.server.privateKeyPem)
  writeFileSync(join(dir, 'ca.crt'), pki.ca.certificatePem)
  // Thousands of devices log in from a handful of loopback addresses: the per-address failure
  // limit is for the internet, not for a lab.
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ devices: { failureLimit: 1_000_000 } }))
  const logPath = join(dir, 'gateway.log')
  const profileDir = options.profileDir ?? null
  if (profileDir !== null) mkdirSync(profileDir, { recursive: true })
  let child: ChildProgram | null = null
  let listeners: Listeners = {}

  const launch = async (bind: Listeners) => {
    const listen = (key: string) => bind[key] ?? '127.0.0.1:0'
    const base = ciralabCommand([
      'gateway',
      '--device-tls-listen', listen('deviceTls'), '--device-plain-listen', 'off',
      '--http-listen', listen('http'), '--socks-listen', listen('socks'), '--api-listen', listen('api'),
      '--user', BENCH_DEVICE_CREDENTIALS.username, '--password', BENCH_DEVICE_CREDENTIALS.password,
      '--cert', join(dir, 'gateway.crt'), '--key', join(dir, 'gateway.key'), '--config', join(dir, 'config.json'),
      '--data-dir', dir, '--drain-ms', '1000', '--log-level', options.logLevel ?? 'info',
    ])
    const nodeFlags = profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
    // `exec` keeps the pid: the shell becomes node, stderr appended to the log file.
    const started = ChildProgram.start({
      command: '/bin/sh',
      args: ['-c', 'log=$1; shift; exec "$@" 2>>"$log"', 'sh', logPath, base.command, ...nodeFlags, ...base.args],
      cwd: base.cwd,
      label: 'ciralab gateway',
      // Ctrl-C must not reach the gateway before the bench has finished measuring.
      detached: true,
    })
    try {
      const ready = await started.waitForJson((m) => m['event'] === 'ready', options.readyTimeoutMs ?? 30_000)
      listeners = (ready['listeners'] ?? {}) as Listeners
      child = started
    } catch (error) {
      await started.stop(2000)
      throw new TargetUnsuitableError(`our gateway did not start: ${(error as Error).message}${logTail(logPath)}`)
    }
  }

  try {
    await launch({})
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const target = targetFromListeners(listeners, dir)
  return {
    name: 'ciralab',
    target,
    pid: () => child?.pid ?? null,
    logPath,
    profileDir,
    restartable: true,
    restart: async () => {
      await child?.stop(15_000)
      child = null
      // Same ports: the devices were provisioned with this address.
      await launch(listeners)
    },
    stop: async () => {
      await child?.stop(15_000)
      child = null
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function targetFromListeners(l: Listeners, dir: string): ResolvedTarget {
  const device = /^\[?([^\]]+?)\]?:(\d+)$/.exec(l['deviceTls'] ?? '')
  if (device === null) throw new TargetUnsuitableError(`our gateway reported no device TLS listener (${JSON.stringify(l)})`)
  const doc = {
    name: 'ciralab',
    description: 'the ciralab gateway of this checkout, started by the bench',
    device: { host: device[1], port: Number(device[2]), tls: true, ca: 'ca.crt', serverName: loopbackPki().serverName },
    credentials: BENCH_DEVICE_CREDENTIALS,
    console: { httpProxy: l['http'] ?? null, socks5: l['socks'] ?? null, auth: null },
    presence: l['api'] === undefined ? null : { kind: 'ciralab', url: `http://${l['api']}` },
    amt: BENCH_AMT_ACCOUNT,
  }
  return parseTarget(doc, 'ciralab', dir)
}

export interface ExternalGatewayOptions {
  /** Its process, for /proc sampling (a peer target's pid is found on its own). */
  readonly pid?: number | null
  readonly logPath?: string | null
  readonly log?: (line: string) => void
}

/** A gateway described by a conformance target file; started first when it names a peer. */
export async function openTargetGateway(file: string, options: ExternalGatewayOptions = {}): Promise<GatewayUnderTest> {
  const peer = peerOfTargetFile(file)
  let stopPeer = async () => undefined as void
  let pid = options.pid ?? null
  let logPath = options.logPath ?? null
  if (peer !== null) {
    const handle = await startMeshCentral(options.log ?? (() => undefined))
    stopPeer = () => handle.stop()
    const dir = meshCentralDir()
    pid ??= readPid(join(dir, 'meshcentral.pid'))
    logPath ??= join(dir, 'meshcentral.log')
  }
  let target: ResolvedTarget
  try {
    target = loadTargetFile(file)
  } catch (error) {
    await stopPeer()
    throw error
  }
  return {
    name: target.name,
    target,
    // MeshCentral's pid file names a launcher that runs the server as its child.
    pid: () => (pid === null ? null : peer === null ? pid : serverChild(pid)),
    logPath: logPath === null ? null : resolve(logPath),
    profileDir: null,
    restartable: false,
    restart: () => Promise.reject(new TargetUnsuitableError(`target ${target.name}: the bench can only restart the gateway it started itself`)),
    stop: stopPeer,
  }
}

/** The launcher's last child process (the server it runs), or the launcher itself. */
function serverChild(pid: number): number {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '')
    const last = Number(children[children.length - 1])
    return Number.isInteger(last) && last > 0 ? last : pid
  } catch {
    return pid
  }
}

function readPid(file: string): number | null {
  if (!existsSync(file)) return null
  const pid = Number(readFileSync(file, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 ? pid : null
}

/** The last lines of the gateway's log, for an error message. */
function logTail(path: string): string {
  try {
    const size = statSync(path).size
    const text = readFileSync(path, 'utf8').slice(Math.max(0, size - 2000))
    return text.trim() === '' ? '' : `; its log ends with:\n${text.trim().split('\n').slice(-10).join('\n')}`
  } catch {
    return ''
  }
}
