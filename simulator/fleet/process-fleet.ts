/**
 * A fleet spread over worker processes. Here one process may hold at most 20,000 open files
 * (worker threads share that limit), so fleets beyond ~15,000 devices need child processes: each
 * worker gets a contiguous slice of device indexes and its share of the ramp, and reports its
 * snapshot over IPC; this side merges them.
 */

import { fork, type ChildProcess } from 'node:child_process'
import { ErrorCode } from '../../protocol/errors.js'
import type { PolicyKind } from '../device/policy.js'
import type { TransportOptions } from '../device/tls.js'
import { SimulatorError } from '../errors.js'
import type { FaultKind, FaultSpec } from '../faults.js'
import type { RunSettings } from './device-config.js'
import type { Fleet, FleetProgress } from './fleet.js'
import type { FleetProfile } from './profile.js'
import type { ServiceModule } from './service-modules.js'
import { emptySnapshot, mergeSnapshots, type FleetSnapshot } from './summary.js'
import type { FromWorker, ToWorker } from './worker-protocol.js'

export interface ProcessFleetOptions {
  readonly profile: FleetProfile
  readonly run: RunSettings
  readonly transport: TransportOptions
  readonly devices: number
  readonly workers: number
  readonly rampPerSecond: number
  readonly reportIntervalMs?: number
  readonly wheelTickMs?: number
  /** Devices connecting at once, per worker (default 256). */
  readonly maxConnecting?: number
  /** The worker entry (default: the compiled worker-main.js beside this file). */
  readonly workerModule?: string | URL
  /** Node flags for the workers (tests pass a TypeScript loader here). */
  readonly execArgv?: readonly string[]
  /** How long to wait for a worker to start or stop (default 30 s). */
  readonly timeoutMs?: number
  /** Where workers' stderr goes (default: kept only as a tail for error messages). */
  readonly stderr?: NodeJS.WritableStream
  /** Services beyond WS-MAN (16992) and redirection (16994), each imported by every worker. */
  readonly serviceModules?: readonly ServiceModule[]
}

/** The last bytes of a worker's stderr, quoted when it fails. */
const STDERR_TAIL = 2048

interface Worker {
  readonly child: ChildProcess
  readonly firstIndex: number
  readonly count: number
  snapshot: FleetSnapshot
  final: FleetSnapshot | null
  exited: boolean
  stderrTail: string
}

export class ProcessFleet implements Fleet {
  /** What went wrong with workers (exits, errors), for the run's verdict. */
  readonly problems: string[] = []
  private readonly options: ProcessFleetOptions
  private readonly workers: Worker[] = []
  /** Requests a worker answers by id (triggers, faults, snapshots), with the worker asked. */
  private readonly replies = new Map<number, { readonly worker: Worker; readonly resolve: (value: boolean) => void }>()
  private nextId = 1

  constructor(options: ProcessFleetOptions) {
    this.options = options
  }

  async start(): Promise<void> {
    const o = this.options
    const k = Math.max(1, Math.min(o.workers, o.devices))
    const module = o.workerModule ?? new URL('./worker-main.js', import.meta.url)
    let first = 0
    const ready: Promise<void>[] = []
    for (let i = 0; i < k; i++) {
      const count = Math.floor(o.devices / k) + (i < o.devices % k ? 1 : 0)
      const child = fork(module, [], { execArgv: [...(o.execArgv ?? [])], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] })
      const snapshot = { ...emptySnapshot(), devices: count }
      const worker: Worker = { child, firstIndex: first, count, snapshot, final: null, exited: false, stderrTail: '' }
      child.stderr?.on('data', (chunk: Buffer) => {
        o.stderr?.write(chunk)
        worker.stderrTail = (worker.stderrTail + chunk.toString()).slice(-STDERR_TAIL)
      })
      this.workers.push(worker)
      ready.push(this.watch(worker, i))
      this.send(worker, {
        type: 'start',
        options: {
          profile: o.profile,
          run: o.run,
          transport: o.transport,
          firstIndex: first,
          count,
          rampPerSecond: o.rampPerSecond / k,
          reportIntervalMs: o.reportIntervalMs ?? 500,
          ...(o.wheelTickMs === undefined ? {} : { wheelTickMs: o.wheelTickMs }),
          ...(o.maxConnecting === undefined ? {} : { maxConnecting: o.maxConnecting }),
          ...(o.serviceModules === undefined ? {} : { serviceModules: o.serviceModules }),
        },
      })
      first += count
    }
    // Wait for every worker, so no failure is left unobserved; if any failed, stop the rest.
    const results = await Promise.allSettled(ready)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed === undefined) return
    for (const w of this.workers) if (!w.exited) w.child.kill('SIGTERM')
    throw failed.reason
  }

  progress(): FleetProgress {
    const s = this.snapshot()
    return { devices: s.devices, connected: s.connected, everConnected: s.everConnected, connects: s.connects, states: s.states }
  }

  snapshot(): FleetSnapshot {
    return mergeSnapshots(this.workers.map((w) => w.final ?? w.snapshot))
  }

  /** Counts as of now: every live worker reports at once (one IPC round trip each). */
  async refresh(): Promise<FleetSnapshot> {
    await Promise.all(this.workers.filter((w) => !w.exited && w.final === null).map((w) => this.request(w, (id) => ({ type: 'snapshot-now', id }))))
    return this.snapshot()
  }

  trigger(index: number, policy: PolicyKind): Promise<boolean> {
    return this.ask(index, (id) => ({ type: 'trigger', id, index, policy }))
  }

  injectFault(index: number, kind: FaultKind, overrides: Partial<FaultSpec> = {}): Promise<boolean> {
    return this.ask(index, (id) => ({ type: 'fault', id, index, kind, overrides }))
  }

  /** Stop every worker's devices, collect their final counts, and wait for the processes to exit. */
  async stop(): Promise<FleetSnapshot> {
    const exits = this.workers.map((w) => this.exited(w))
    for (const w of this.workers) if (!w.exited) this.send(w, { type: 'stop' })
    await Promise.all(exits)
    for (const r of this.replies.values()) r.resolve(false)
    this.replies.clear()
    return this.snapshot()
  }

  private ask(index: number, make: (id: number) => ToWorker): Promise<boolean> {
    const w = this.workers.find((x) => index >= x.firstIndex && index < x.firstIndex + x.count)
    if (w === undefined || w.exited) return Promise.resolve(false)
    return this.request(w, make)
  }

  /** Send a message that the worker answers by id; false if it exits first. */
  private request(w: Worker, make: (id: number) => ToWorker): Promise<boolean> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.replies.set(id, { worker: w, resolve })
      this.send(w, make(id))
    })
  }

  private send(w: Worker, message: ToWorker): void {
    if (w.child.connected) w.child.send(message)
  }

  /** Follow a worker's messages; resolves when it is ready, rejects if it fails first. */
  private watch(w: Worker, n: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(this.fail(w, `worker ${n} did not start in time`)), this.options.timeoutMs ?? 30_000)
      w.child.on('message', (m: FromWorker) => {
        if (m.type === 'snapshot') {
          w.snapshot = m.snapshot
          if (m.id !== undefined) this.answer(m.id, true)
        } else if (m.type === 'stopped') w.final = m.snapshot
        else if (m.type === 'reply') this.answer(m.id, m.value)
        else if (m.type === 'ready') {
          clearTimeout(timer)
          resolve()
        } else if (m.type === 'error') {
          clearTimeout(timer)
          reject(this.fail(w, `worker ${n}: ${m.message}`))
        }
      })
      w.child.on('exit', (code, signal) => {
        w.exited = true
        clearTimeout(timer)
        this.unanswered(w)
        if (w.final !== null) return
        // Node ends a crash with its version line; the line naming the error says more.
        const lines = w.stderrTail.trim().split('\n')
        const tail = ([...lines].reverse().find((l) => /Error/.test(l)) ?? lines.at(-1) ?? '').trim()
        reject(this.fail(w, `worker ${n} exited (${signal ?? `status ${code}`}) before it finished${tail === '' ? '' : `: ${tail}`}`))
      })
    })
  }

  private answer(id: number, value: boolean): void {
    this.replies.get(id)?.resolve(value)
    this.replies.delete(id)
  }

  /** A worker is gone: what it was asked will not be answered. */
  private unanswered(w: Worker): void {
    for (const [id, r] of this.replies) if (r.worker === w) this.answer(id, false)
  }

  private fail(w: Worker, message: string): SimulatorError {
    this.problems.push(message)
    if (!w.exited) w.child.kill('SIGTERM')
    return new SimulatorError(ErrorCode.SIM_ERR_WORKER, message)
  }

  private exited(w: Worker): Promise<void> {
    if (w.exited) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.problems.push(`worker for devices ${w.firstIndex}..${w.firstIndex + w.count - 1} did not stop in time`)
        w.child.kill('SIGKILL')
      }, this.options.timeoutMs ?? 30_000)
      w.child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  }
}
