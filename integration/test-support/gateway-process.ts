/**
 * `ciralab gateway` as a real child process for the cluster tests, run from the TypeScript
 * sources through the loader the simulator's tests use: the `ready` line gives its addresses,
 * its log lines are kept (bounded), and it can be stopped politely or killed outright.
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url))
const LOADER = fileURLToPath(new URL('../../simulator/test-support/ts-register.mjs', import.meta.url))
/** Log lines kept per process: enough for the events a test looks for. */
const MAX_LINES = 20_000

export interface GatewayProcess {
  readonly child: ChildProcess
  readonly listeners: Readonly<Record<string, string>>
  readonly ready: Readonly<Record<string, unknown>>
  /** Parsed pino lines so far. */
  readonly logs: Record<string, unknown>[]
  port(name: string): number
  /** Log lines whose `event` is `name`. */
  events(name: string): Record<string, unknown>[]
  /** SIGTERM and wait (graceful; SIGKILL after `graceMs`), or SIGKILL and wait (a crash). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>
}

export async function startGatewayProcess(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 20_000): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', LOADER, ENTRY, 'gateway', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Record<string, unknown>[] = []
  let stderrTail = ''
  lines(child.stderr, (line) => {
    stderrTail = `${stderrTail}${line}\n`.slice(-4000)
    try {
      if (logs.length < MAX_LINES) logs.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // not a log line (a warning from node): kept in the tail only
    }
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not become ready in ${timeoutMs} ms; stderr:\n${stderrTail}`)), timeoutMs)
    lines(child.stdout, (line) => {
      try {
        const message = JSON.parse(line) as Record<string, unknown>
        if (message['event'] !== 'ready') return
        clearTimeout(timer)
        resolve(message)
      } catch {
        // not JSON
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited (${code}) before it was ready; stderr:\n${stderrTail}`))
    })
  })
  const listeners = (ready['listeners'] ?? {}) as Record<string, string>
  return {
    child,
    listeners,
    ready,
    logs,
    port: (name) => Number((listeners[name] ?? ':0').split(':').pop()),
    events: (name) => logs.filter((l) => l['event'] === name),
    stop: async (signal = 'SIGTERM', graceMs = 15_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) if (line !== '') onLine(line)
  })
}
