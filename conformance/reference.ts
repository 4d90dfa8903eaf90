/**
 * The default target: our reference gateway, started as a child process (`ciralab gateway`) on
 * free loopback ports with a throw-away PKI, reached only through the ports it reports in its
 * `ready` line, and stopped after the run.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import { loopbackPki } from '../pki/fixtures.js'
import { parseTarget, type ResolvedTarget } from './target.js'

export interface ReferenceGateway {
  readonly target: ResolvedTarget
  /** Last lines the gateway wrote on stderr (for a report when it misbehaves). */
  stderrTail(): string
  /** True while the child process runs. */
  alive(): boolean
  stop(): Promise<void>
}

export interface ReferenceOptions {
  /** Idle deadline for device sessions; short so the idle cases run in seconds. */
  readonly idleTimeoutMs?: number
  readonly readyTimeoutMs?: number
  /** Start the console HTTP proxy and SOCKS5 listeners (default true). */
  readonly consoles?: boolean
  /** Script that runs the ciralab CLI (default bin/ciralab.js over dist/); tests pass a private build. */
  readonly entry?: string
}

export const REFERENCE_DEVICE_CREDENTIALS = Object.freeze({ username: 'ciralabdevice01', password: 'Dev1ce!Pass' })
export const REFERENCE_PROXY_CREDENTIALS = Object.freeze({ username: 'console', password: 'C0nsole!Pass' })

interface ReadyLine {
  readonly event: 'ready'
  readonly listeners: Readonly<Record<string, string | null | undefined>>
}

/** The repository root: the folder whose package.json is named ciralab. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ciralab') return dir
    dir = dirname(dir)
  }
  throw new CiralabError(ErrorCode.CFG_ERR_INVALID, 'cannot find the ciralab repository root (package.json) to start the reference gateway')
}

/** A port that was free for both TCP and UDP a moment ago (a destination the gateway must be told before it starts). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort()
    if (await udpPortFree(port)) return port
  }
  throw new CiralabError(ErrorCode.CFG_ERR_INVALID, 'found no loopback port free for both TCP and UDP')
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer()
    server.once('error', rejectPort)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const socket = createSocket('udp4')
    socket.once('error', () => {
      try {
        socket.close()
      } catch {
        // never bound: nothing to close
      }
      resolveFree(false)
    })
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolveFree(true)))
  })
}

/** Message of a gateway build that has no console listeners yet; the suite then runs without them. */
const NO_CONSOLES = /no (http|socks) console listener is available/

export async function startReferenceGateway(options: ReferenceOptions = {}): Promise<ReferenceGateway> {
  try {
    return await startOnce(options)
  } catch (error) {
    if (options.consoles === false || !(error instanceof Error) || !NO_CONSOLES.test(error.message)) throw error
    const gateway = await startOnce({ ...options, consoles: false })
    const target = { ...gateway.target, description: `${gateway.target.description} (this build has no console listeners)` }
    return { ...gateway, target }
  }
}

async function startOnce(options: ReferenceOptions): Promise<ReferenceGateway> {
  const root = repositoryRoot()
  const bin = options.entry ?? join(root, 'bin', 'ciralab.js')
  if (options.entry === undefined && !existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, 'dist/ is missing: run `npm run build` before starting the reference gateway')
  }
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-conformance-'))
  const pki = loopbackPki()
  writeFileSync(join(dir, 'gateway.crt'), pki.server.certificatePem)
  writeFileSync(join(dir, 'gateway.key'), pki.server.privateKeyPem)
  writeFileSync(join(dir, 'ca.crt'), pki.ca.certificatePem)
  // The suite makes hundreds of sessions from 127.0.0.1, many with wrong passwords on purpose.
  // The keepalive interval it asks firmware for must stay inside the short idle deadline.
  const idleMs = options.idleTimeoutMs ?? 3000
  const consoles = options.consoles ?? true
  const keepalive = { keepaliveIntervalSeconds: Math.max(1, Math.floor(idleMs / 3000)), keepaliveTimeoutSeconds: Math.max(1, Math.ceil(idleMs / 1000)) }
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ devices: { failureLimit: 1_000_000, ...keepalive } }))
  const allowedPort = await freePort()
  const args = [
    bin, 'gateway',
    '--device-tls-listen', '127.0.0.1:0', '--device-plain-listen', '127.0.0.1:0',
    '--http-listen', consoles ? '127.0.0.1:0' : 'off', '--socks-listen', consoles ? '127.0.0.1:0' : 'off', '--api-listen', '127.0.0.1:0',
    '--user', REFERENCE_DEVICE_CREDENTIALS.username, '--password', REFERENCE_DEVICE_CREDENTIALS.password,
    '--cert', join(dir, 'gateway.crt'), '--key', join(dir, 'gateway.key'),
    '--config', join(dir, 'config.json'),
    '--idle-timeout-ms', String(idleMs), '--auth-timeout-ms', String(idleMs),
    '--authorised-servers', `127.0.0.1:${allowedPort}`,
    ...(consoles ? ['--proxy-auth', `${REFERENCE_PROXY_CREDENTIALS.username}:${REFERENCE_PROXY_CREDENTIALS.password}`] : []),
    '--log-level', 'warn',
  ]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  const tail: string[] = []
  child.stderr?.on('data', (d: Buffer) => {
    tail.push(d.toString())
    if (tail.length > 50) tail.shift()
  })
  let ready: ReadyLine
  try {
    ready = await readyLine(child, options.readyTimeoutMs ?? 15_000, () => tail.join(''))
  } catch (error) {
    await stopChild(child)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const target = targetFromReady(ready, dir, allowedPort, idleMs)
  return {
    target,
    stderrTail: () => tail.join('').slice(-4000),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      await stopChild(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function targetFromReady(ready: ReadyLine, dir: string, allowedPort: number, idleMs: number): ResolvedTarget {
  const l = ready.listeners
  const doc = {
    name: 'ciralab',
    description: 'the ciralab reference gateway, started by the suite',
    device: { ...splitHostPort(l['deviceTls'], 'deviceTls'), tls: true, ca: 'ca.crt', serverName: loopbackPki().serverName },
    credentials: REFERENCE_DEVICE_CREDENTIALS,
    console: { httpProxy: l['http'] ?? null, socks5: l['socks'] ?? null, auth: l['http'] || l['socks'] ? REFERENCE_PROXY_CREDENTIALS : null },
    presence: l['api'] ? { kind: 'ciralab', url: `http://${l['api']}` } : null,
    deviceOriginated: { allowed: [`127.0.0.1:${allowedPort}`] },
    timing: { idleTimeoutSeconds: idleMs / 1000 },
  }
  return { ...parseTarget(doc, 'reference', dir), origin: 'reference' }
}

function splitHostPort(value: string | null | undefined, name: string): { host: string; port: number } {
  const m = typeof value === 'string' ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(value) : null
  if (m === null) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `the reference gateway reported no ${name} listener (got ${JSON.stringify(value)})`)
  return { host: m[1] as string, port: Number(m[2]) }
}

function readyLine(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<ReadyLine> {
  return new Promise((resolveReady, rejectReady) => {
    let buffered = ''
    const timer = setTimeout(() => done(new Error(`the reference gateway printed no ready line within ${timeoutMs} ms`)), timeoutMs)
    const onExit = (code: number | null) => done(new Error(`the reference gateway exited (${code}) before it was ready`))
    const onData = (d: Buffer) => {
      buffered += d.toString()
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim()
        buffered = buffered.slice(nl + 1)
        const parsed = parseReady(line)
        if (parsed !== null) return done(null, parsed)
      }
      if (buffered.length > 1_000_000) buffered = ''
    }
    const done = (error: Error | null, value?: ReadyLine) => {
      clearTimeout(timer)
      child.stdout?.removeListener('data', onData)
      child.removeListener('exit', onExit)
      if (error !== null) rejectReady(new CiralabError(ErrorCode.CFG_ERR_INVALID, `${error.message}\n${stderr().slice(-2000)}`))
      else resolveReady(value as ReadyLine)
    }
    child.stdout?.on('data', onData)
    child.once('exit', onExit)
  })
}

function parseReady(line: string): ReadyLine | null {
  if (!line.startsWith('{')) return null
  try {
    const v = JSON.parse(line) as Partial<ReadyLine>
    return v.event === 'ready' && typeof v.listeners === 'object' && v.listeners !== null ? (v as ReadyLine) : null
  } catch {
    return null
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 8000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolveStop()
    })
    child.kill('SIGTERM')
  })
}
