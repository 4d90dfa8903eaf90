/**
 * Start a program (a gateway, a simulator, any command) as a child process, wait for it to say
 * it is ready on stdout, and stop it cleanly. Benchmarks measure the gateway from outside, so
 * this and `proc-sampler.ts` are how a scenario holds one.
 *
 * The protocol with the child: it prints one JSON object per line on stdout, e.g.
 * `{"event":"ready","port":4433}`; other lines are allowed and handed to `onLine`. Stderr is kept
 * only as a bounded tail, quoted in errors when the child exits or misses a deadline.
 *
 *   const gw = ChildProgram.start({ ...ciralabCommand(['gateway', '--port', '0']) })
 *   const ready = await gw.waitForJson((m) => m['event'] === 'ready', 10_000)
 *   const sampler = new ProcSampler({ pid: gw.pid })
 *   ...
 *   await gw.stop()   // SIGTERM, then SIGKILL after the grace period
 */

import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CiralabError, ErrorCode } from '../protocol/errors.js'

export type JsonObject = Record<string, unknown>

export interface ExitStatus {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** Set when the program could not be started at all (e.g. ENOENT). */
  readonly error?: string
}

export interface ChildProgramOptions {
  readonly command: string
  readonly args?: readonly string[]
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Name used in error messages; defaults to the command and first argument. */
  readonly label?: string
  /** Every stdout line, JSON or not, as it arrives. */
  readonly onLine?: (line: string) => void
  /** How much of stderr to keep for error messages (default 4 KiB). */
  readonly stderrTailBytes?: number
  /** Longer stdout lines are dropped, not buffered (default 1 MiB). */
  readonly maxLineBytes?: number
  /** JSON lines kept for `waitForJson` until matched; older ones are dropped (default 256). */
  readonly backlogLines?: number
  /**
   * Its own process group: a Ctrl-C at the terminal reaches the parent only, which then stops
   * the child itself (a benchmark must keep measuring its gateway while it winds down).
   */
  readonly detached?: boolean
}

export class ChildExitedError extends CiralabError {
  readonly status: ExitStatus
  constructor(message: string, status: ExitStatus) {
    super(ErrorCode.BENCH_ERR_CHILD_EXITED, message)
    this.name = 'ChildExitedError'
    this.status = status
  }
}

export class ChildTimeoutError extends CiralabError {
  constructor(message: string) {
    super(ErrorCode.BENCH_ERR_CHILD_TIMEOUT, message)
    this.name = 'ChildTimeoutError'
  }
}

interface Waiter {
  readonly predicate: (message: JsonObject) => boolean
  readonly resolve: (message: JsonObject) => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

export class ChildProgram {
  readonly pid: number
  readonly label: string
  /** Resolves once the child has exited (never rejects). */
  readonly exited: Promise<ExitStatus>
  private status: ExitStatus | null = null
  private readonly child: ChildProcess
  private readonly waiters = new Set<Waiter>()
  private readonly backlog: JsonObject[] = []
  private readonly stderrChunks: Buffer[] = []
  private stderrBytes = 0
  private partial: Buffer[] = []
  private partialBytes = 0
  private discardingLongLine = false
  private droppedLineCount = 0

  private constructor(private readonly options: ChildProgramOptions) {
    this.label = options.label ?? [options.command, options.args?.[0] ?? ''].join(' ').trim()
    this.child = spawn(options.command, [...(options.args ?? [])], {
      cwd: options.cwd,
      env: options.env === undefined ? process.env : { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached === true,
    })
    this.pid = this.child.pid ?? -1
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk))
    this.child.stderr?.on('data', (chunk: Buffer) => this.onStderr(chunk))
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (error) => {
        // spawn failures never emit 'exit'; a later 'close' may still come, which we ignore.
        if (this.status === null && this.child.pid === undefined) this.finish({ code: null, signal: null, error: error.message }, resolve)
      })
      this.child.once('exit', (code, signal) => {
        // 'close' waits for stdout to drain, so every line is seen before waiters are failed;
        // but a grandchild holding the pipes open must not keep us waiting forever.
        const timer = setTimeout(() => {
          this.child.stdout?.destroy()
          this.child.stderr?.destroy()
          this.finish({ code, signal }, resolve)
        }, 2000)
        this.child.once('close', () => {
          clearTimeout(timer)
          this.finish({ code, signal }, resolve)
        })
      })
    })
  }

  static start(options: ChildProgramOptions): ChildProgram {
    return new ChildProgram(options)
  }

  /** Null while running. */
  get exitStatus(): ExitStatus | null {
    return this.status
  }

  /** Stdout lines dropped for being longer than `maxLineBytes`. */
  get droppedLines(): number {
    return this.droppedLineCount
  }

  /** The last `stderrTailBytes` of what the child wrote to stderr. */
  stderrTail(): string {
    return Buffer.concat(this.stderrChunks).toString('utf8')
  }

  /**
   * The first JSON line, printed since start and not matched by an earlier wait, for which
   * `predicate` is true. Rejects with ChildExitedError if the child exits first, or
   * ChildTimeoutError after `timeoutMs`; both quote the stderr tail.
   */
  waitForJson(predicate: (message: JsonObject) => boolean, timeoutMs: number): Promise<JsonObject> {
    const index = this.backlog.findIndex(predicate)
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0] as JsonObject)
    if (this.status !== null) return Promise.reject(this.exitError(this.status))
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new ChildTimeoutError(`${this.label}: no matching line on stdout within ${timeoutMs} ms${this.formatTail()}`))
      }, timeoutMs)
      const waiter: Waiter = { predicate, resolve, reject, timer }
      this.waiters.add(waiter)
    })
  }

  /** Sends `signal` (default SIGTERM); after `graceMs` still alive, SIGKILL. Resolves on exit. */
  async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> {
    if (this.status !== null) return this.status
    this.child.kill(signal)
    let timer: NodeJS.Timeout | undefined
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (this.status === null) this.child.kill('SIGKILL')
        resolve()
      }, graceMs)
    })
    try {
      await Promise.race([this.exited, killed])
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }

  private onStdout(chunk: Buffer): void {
    const max = this.options.maxLineBytes ?? 1024 * 1024
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      if (this.discardingLongLine || this.partialBytes + piece.length > max) {
        this.dropLine()
        continue
      }
      const line = this.partial.length === 0 ? piece.toString('utf8') : Buffer.concat([...this.partial, piece]).toString('utf8')
      this.partial = []
      this.partialBytes = 0
      this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
    }
    if (start < chunk.length && !this.discardingLongLine) {
      const rest = chunk.subarray(start)
      if (this.partialBytes + rest.length > max) {
        // Start discarding now so a never-ending line cannot grow the buffer.
        this.partial = []
        this.partialBytes = 0
        this.discardingLongLine = true
      } else {
        this.partial.push(Buffer.from(rest))
        this.partialBytes += rest.length
      }
    }
  }

  private dropLine(): void {
    this.droppedLineCount++
    this.discardingLongLine = false
    this.partial = []
    this.partialBytes = 0
  }

  private onLine(line: string): void {
    this.options.onLine?.(line)
    const message = parseJsonObject(line)
    if (message === null) return
    let matched = false
    for (const waiter of this.waiters) {
      if (!waiter.predicate(message)) continue
      matched = true
      clearTimeout(waiter.timer)
      this.waiters.delete(waiter)
      waiter.resolve(message)
    }
    if (matched) return
    this.backlog.push(message)
    if (this.backlog.length > (this.options.backlogLines ?? 256)) this.backlog.shift()
  }

  private onStderr(chunk: Buffer): void {
    const limit = this.options.stderrTailBytes ?? 4096
    this.stderrChunks.push(chunk)
    this.stderrBytes += chunk.length
    while (this.stderrBytes > limit && this.stderrChunks.length > 0) {
      const first = this.stderrChunks[0] as Buffer
      const excess = this.stderrBytes - limit
      if (first.length <= excess) {
        this.stderrChunks.shift()
        this.stderrBytes -= first.length
      } else {
        this.stderrChunks[0] = first.subarray(excess)
        this.stderrBytes -= excess
      }
    }
  }

  private finish(status: ExitStatus, resolve: (s: ExitStatus) => void): void {
    if (this.status !== null) return
    this.status = status
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer)
      waiter.reject(this.exitError(status))
    }
    this.waiters.clear()
    resolve(status)
  }

  private exitError(status: ExitStatus): ChildExitedError {
    const how = status.error !== undefined ? `could not start (${status.error})` : status.signal !== null ? `was killed by ${status.signal}` : `exited with status ${String(status.code)}`
    return new ChildExitedError(`${this.label} ${how} before the expected line${this.formatTail()}`, status)
  }

  private formatTail(): string {
    const tail = this.stderrTail().trim()
    return tail === '' ? '' : `; stderr ends with:\n${tail.split('\n').slice(-15).join('\n')}`
  }
}

function parseJsonObject(line: string): JsonObject | null {
  const text = line.trim()
  if (!text.startsWith('{')) return null
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null
  } catch {
    return null
  }
}

/** `node bin/ciralab.js ARGS...` from this checkout (the compiled CLI: run `npm run build` first). */
export function ciralabCommand(args: readonly string[]): { command: string; args: string[]; cwd: string } {
  const root = findRepositoryRoot()
  return { command: process.execPath, args: [join(root, 'bin', 'ciralab.js'), ...args], cwd: root }
}

function findRepositoryRoot(): string {
  // This file runs from bench/ (vitest) or dist/bench/ (compiled): bin/ sits beside package.json.
  const here = dirname(fileURLToPath(import.meta.url))
  return here.includes(join('dist', 'bench')) ? join(here, '..', '..') : join(here, '..')
}
