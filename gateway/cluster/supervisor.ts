/**
 * `ciralab gateway --processes N`: the primary process forks N gateway workers (node:cluster),
 * which share the listening ports (the primary accepts and hands connections out round-robin),
 * so one machine holds more devices than one process may have open files. Each worker is an
 * instance of the cluster with its own id (`<id>-<index>`) and internal listener; presence is
 * shared through Redis when configured, else through this process (IpcPresenceHub).
 *
 * The primary prints the one `ready` line once every worker is listening, writes the workers'
 * log lines to the log output (one writer for the file), forwards SIGHUP/SIGUSR2, restarts a
 * worker that dies (with backoff), and on SIGTERM/SIGINT stops them all gracefully.
 */

import cluster, { type Worker } from 'node:cluster'
import type { Readable } from 'node:stream'
import type { Logger } from 'pino'
import type { GatewayConfig } from '../config.js'
import { IpcPresenceHub, type IpcPort } from './ipc-store.js'
import { PROCESS_INDEX_ENV, workerSecretEnv } from './setup.js'

/** Restart delays for a worker that died: 1 s doubling to this; reset after a minute of uptime. */
const MAX_RESTART_DELAY_MS = 30_000
const STABLE_UPTIME_MS = 60_000
/** Longer worker output lines are cut (a log line is a few hundred bytes). */
const MAX_LINE_BYTES = 1024 * 1024

export interface SupervisorOptions {
  readonly config: GatewayConfig
  readonly logger: Logger
  /** Where the workers' log lines go (the configured log output). */
  readonly output: { write(line: string): void }
  readonly stdout: NodeJS.WritableStream
  readonly signals: { on(signal: NodeJS.Signals, listener: () => void): unknown; off(signal: NodeJS.Signals, listener: () => void): unknown }
  /** Every worker's instance id starts with this. */
  readonly baseInstanceId: string
  /** Called when SIGHUP arrives (the primary reopens its log file). */
  readonly onHup?: () => void
}

interface Slot {
  readonly index: number
  worker: Worker | null
  listeners: Record<string, string> | null
  startedAt: number
  restartDelayMs: number
  restartTimer: NodeJS.Timeout | null
}

export class Supervisor {
  private readonly o: SupervisorOptions
  private readonly slots: Slot[]
  private readonly hub: IpcPresenceHub | null
  private stopping = false
  private announced = false
  private settle: ((status: number) => void) | null = null
  private exitStatus = 0
  private killTimer: NodeJS.Timeout | null = null
  /** attach and detach must see the same port object. */
  private readonly ports = new WeakMap<Worker, IpcPort>()
  /** The same for every worker, restarted ones included, so their hops keep verifying. */
  private readonly secretEnv: Record<string, string>

  constructor(options: SupervisorOptions) {
    this.o = options
    this.secretEnv = workerSecretEnv(options.config)
    const ttl = options.config.cluster.presenceTtlMs
    this.hub = options.config.cluster.redis === null ? new IpcPresenceHub(Math.max(100, Math.floor(ttl / 3))) : null
    this.slots = Array.from({ length: options.config.cluster.processes }, (_, index) => ({ index, worker: null, listeners: null, startedAt: 0, restartDelayMs: 1000, restartTimer: null }))
  }

  /** Runs until SIGTERM/SIGINT (0) or a worker failing before all were ready (1). */
  run(): Promise<number> {
    cluster.setupPrimary({ silent: true })
    const done = new Promise<number>((resolve) => (this.settle = resolve))
    const handlers: [NodeJS.Signals, () => void][] = [
      ['SIGTERM', () => void this.stop(0)],
      ['SIGINT', () => void this.stop(0)],
      ['SIGHUP', () => this.forward('SIGHUP')],
      ['SIGUSR2', () => this.forward('SIGUSR2')],
    ]
    for (const [signal, listener] of handlers) this.o.signals.on(signal, listener)
    const { processes, redis } = this.o.config.cluster
    this.o.logger.info({ event: 'supervisor-start', processes, presence: redis === null ? 'primary process' : 'redis' }, 'starting gateway processes')
    for (const slot of this.slots) this.spawn(slot)
    return done.finally(() => {
      for (const [signal, listener] of handlers) this.o.signals.off(signal, listener)
    })
  }

  private spawn(slot: Slot): void {
    slot.restartTimer = null
    slot.listeners = null
    slot.startedAt = Date.now()
    const worker = cluster.fork({ ...this.secretEnv, [PROCESS_INDEX_ENV]: String(slot.index), CIRALAB_INSTANCE_ID: this.o.baseInstanceId })
    slot.worker = worker
    const port = portOf(worker)
    this.ports.set(worker, port)
    this.hub?.attach(port)
    const { stdout, stderr } = worker.process
    if (stdout !== null) readLines(stdout, (line) => this.onStdout(slot, line))
    if (stderr !== null) readLines(stderr, (line) => this.o.output.write(`${line}\n`))
    worker.on('exit', (code, signal) => this.onExit(slot, worker, code, signal))
  }

  private onStdout(slot: Slot, line: string): void {
    let message: unknown
    try {
      message = JSON.parse(line)
    } catch {
      return
    }
    if (message === null || typeof message !== 'object' || (message as Record<string, unknown>)['event'] !== 'ready') return
    slot.listeners = ((message as Record<string, unknown>)['listeners'] ?? {}) as Record<string, string>
    this.o.logger.info({ event: 'worker-ready', index: slot.index, pid: slot.worker?.process.pid, listeners: slot.listeners }, 'gateway process ready')
    if (this.announced || !this.slots.every((s) => s.listeners !== null)) return
    this.announced = true
    const first = this.slots[0]?.listeners ?? {}
    const internal = this.slots.map((s) => s.listeners?.['internal']).filter((a): a is string => a !== undefined)
    this.o.stdout.write(`${JSON.stringify({ event: 'ready', listeners: first, processes: this.slots.length, internal })}\n`)
  }

  private onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    const port = this.ports.get(worker)
    const dropped = port === undefined ? 0 : (this.hub?.detach(port) ?? 0)
    if (slot.worker === worker) slot.worker = null
    if (this.stopping) return this.checkAllStopped()
    const fields = { event: 'worker-exited', index: slot.index, pid: worker.process.pid, code, signal, devicesDropped: dropped }
    if (!this.announced) {
      this.o.logger.fatal(fields, 'a gateway process failed before every process was ready')
      return void this.stop(1)
    }
    if (Date.now() - slot.startedAt > STABLE_UPTIME_MS) slot.restartDelayMs = 1000
    this.o.logger.error({ ...fields, restartInMs: slot.restartDelayMs }, 'a gateway process died: its devices will call back to the others; restarting it')
    slot.restartTimer = setTimeout(() => this.spawn(slot), slot.restartDelayMs)
    slot.restartDelayMs = Math.min(slot.restartDelayMs * 2, MAX_RESTART_DELAY_MS)
  }

  private forward(signal: NodeJS.Signals): void {
    if (signal === 'SIGHUP') this.o.onHup?.()
    for (const slot of this.slots) slot.worker?.process.kill(signal)
  }

  private async stop(status: number): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    this.exitStatus = status
    this.o.logger.info({ event: 'supervisor-stopping' }, 'stopping gateway processes')
    for (const slot of this.slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer)
      slot.restartTimer = null
      slot.worker?.process.kill('SIGTERM')
    }
    // Workers get the drain time plus the devices' goodbye; then they are killed.
    this.killTimer = setTimeout(() => {
      for (const slot of this.slots) slot.worker?.process.kill('SIGKILL')
    }, this.o.config.shutdownDrainMs + 10_000)
    this.checkAllStopped()
  }

  private checkAllStopped(): void {
    if (!this.slots.every((s) => s.worker === null)) return
    if (this.killTimer !== null) clearTimeout(this.killTimer)
    this.hub?.close()
    this.o.logger.info({ event: 'supervisor-stopped', status: this.exitStatus }, 'gateway processes stopped')
    this.settle?.(this.exitStatus)
  }
}

/**
 * The hub's view of a worker: sends that never throw (a worker stopping or dead just misses the
 * message; its devices are dropped on its exit anyway).
 */
function portOf(worker: Worker): IpcPort {
  return {
    send: (message) => {
      if (worker.isConnected()) worker.send(message as object, undefined, ignoreSendError)
    },
    on: (event, listener) => worker.on(event, listener),
    off: (event, listener) => worker.off(event, listener),
  }
}

function ignoreSendError(): void {}

/** Whole lines from a worker's pipe; a line past MAX_LINE_BYTES is cut there. */
function readLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    if (partial.length > MAX_LINE_BYTES) {
      onLine(partial.slice(0, MAX_LINE_BYTES))
      partial = ''
    }
    for (const line of parts) if (line !== '') onLine(line)
  })
  stream.on('end', () => {
    if (partial !== '') onLine(partial)
  })
}

export function runSupervisor(options: SupervisorOptions): Promise<number> {
  return new Supervisor(options).run()
}
