/**
 * The gateway's log file with size-based rotation, laid out like the vendor's MPS: the live file
 * `mps.log`, then `mps.log.1` (newest rotated) ... `mps.log.N` (oldest), so `ciralab stats` reads
 * a log folder the way it read the vendor's.
 *
 * pino hands us one complete line per write(). Lines are queued and written by one writev at a
 * time on the thread pool, never blocking the event loop. The queue is bounded: when the disk
 * cannot keep up (or is failing), lines past `maxBufferedBytes` are dropped and counted, and a
 * `log-lines-dropped` line says how many once writing works again. A file is rotated before a
 * line would take it past `maxBytes`, so no file is larger than that (a single longer line gets
 * a file of its own).
 *
 * The file is opened synchronously at start-up so a wrong path or permission fails the start
 * with a clear message instead of losing the log later.
 */

import { close, closeSync, fstat, fstatSync, mkdirSync, open, openSync, writev } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { promisify } from 'node:util'
import { CiralabError, ErrorCode } from '../protocol/errors.js'

export interface RotatingLogFileOptions {
  readonly path: string
  /** A file is rotated before a line would make it larger than this. */
  readonly maxBytes: number
  /** Rotated files kept (`path.1` .. `path.keep`); 0 keeps none (the file restarts empty). */
  readonly keep: number
  /** Lines waiting to be written, at most (default 8 MiB); more are dropped and counted. */
  readonly maxBufferedBytes?: number
  /** A write, rename or open failed; the lines it held were dropped. Called once per failure. */
  readonly onError?: (error: NodeJS.ErrnoException) => void
  /** How long to wait before trying the disk again after a failure (default 1000 ms). */
  readonly retryDelayMs?: number
}

export class LogFileError extends CiralabError {
  constructor(message: string, cause: unknown) {
    super(ErrorCode.GW_ERR_LOG_FILE, message, { cause })
    this.name = 'LogFileError'
  }
}

const DEFAULT_MAX_BUFFERED = 8 * 1024 * 1024
/** One writev carries at most this much, so a long backlog is written in steps. */
const MAX_BATCH_BYTES = 1024 * 1024
const FILE_MODE = 0o640

// Plain descriptors throughout (not FileHandle), so close() can also be synchronous.
const openFd = promisify(open)
const closeFd = promisify(close)
const fstatFd = promisify(fstat)
const writevFd = promisify(writev)

/** `path` itself for 0, `path.N` for the Nth rotated file. */
export function rotatedName(path: string, n: number): string {
  return n === 0 ? path : `${path}.${n}`
}

function openAppend(path: string): { fd: number; size: number } {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o750 })
    const fd = openSync(path, 'a', FILE_MODE)
    return { fd, size: fstatSync(fd).size }
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new LogFileError(`cannot open the log file ${path}: ${e.code ?? e.message}`, error)
  }
}

export class RotatingLogFile {
  readonly path: string
  private readonly options: RotatingLogFileOptions
  private readonly maxBuffered: number
  private fd: number | null
  private size: number
  private readonly queue: Buffer[] = []
  private queuedBytes = 0
  private pumping = false
  private closed = false
  private reopenWanted = false
  private retryTimer: NodeJS.Timeout | null = null
  private idleWaiters: (() => void)[] = []
  private droppedUnreported = 0
  /** Lines dropped since the file was opened (queue full, disk errors, writes after close). */
  dropped = 0
  rotations = 0

  constructor(options: RotatingLogFileOptions) {
    this.options = options
    this.path = options.path
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED
    const opened = openAppend(options.path)
    this.fd = opened.fd
    this.size = opened.size
  }

  /** Queue one line (pino's write). False when it was dropped. */
  write(line: string): boolean {
    const bytes = Buffer.from(line, 'utf8')
    if (this.closed || this.queuedBytes + bytes.length > this.maxBuffered) {
      this.drop(1)
      return false
    }
    this.queue.push(bytes)
    this.queuedBytes += bytes.length
    this.pump()
    return true
  }

  /** Close and open the path again before the next write (SIGHUP: the file was moved or deleted). */
  reopen(): void {
    this.reopenWanted = true
    this.pump()
  }

  /**
   * Resolves once the queue is written, or the writer is waiting to retry after a failure
   * (every write starts the writer, so an idle writer means nothing more can be done now).
   */
  flush(): Promise<void> {
    if (!this.pumping) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Write what is queued (one last try after a failure), then close the file. Later writes are dropped. */
  async close(): Promise<void> {
    this.closed = true
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
      this.recover()
    }
    await this.flush()
    if (this.queue.length > 0) this.drop(this.takeAll())
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }

  private drop(lines: number): void {
    this.dropped += lines
    this.droppedUnreported += lines
  }

  private takeAll(): number {
    const n = this.queue.length
    this.queue.length = 0
    this.queuedBytes = 0
    return n
  }

  private pump(): void {
    if (this.pumping || this.retryTimer !== null || this.fd === null) return
    if (this.queue.length === 0 && !this.reopenWanted) return
    this.pumping = true
    this.drain().then(
      () => this.settle(),
      (error: unknown) => this.fail(error as NodeJS.ErrnoException),
    )
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.reopenWanted) {
      if (this.reopenWanted) await this.reopenNow()
      if (this.queue.length === 0) break
      const batch = this.takeBatch()
      if (batch.length === 0) {
        await this.rotate()
        continue
      }
      await this.writeBatch(batch)
    }
  }

  /** Lines that still fit in the current file (at least one when the file is empty). */
  private takeBatch(): Buffer[] {
    const report = this.dropReport()
    if (report !== null) {
      this.queue.unshift(report)
      this.queuedBytes += report.length
    }
    const batch: Buffer[] = []
    let bytes = 0
    for (const line of this.queue) {
      const fits = this.size + bytes + line.length <= this.options.maxBytes || (this.size === 0 && bytes === 0)
      if (!fits || (bytes > 0 && bytes + line.length > MAX_BATCH_BYTES)) break
      batch.push(line)
      bytes += line.length
    }
    this.queue.splice(0, batch.length)
    this.queuedBytes -= bytes
    return batch
  }

  /** A pino-shaped warning line for lines dropped since the last report, or null. */
  private dropReport(): Buffer | null {
    if (this.droppedUnreported === 0) return null
    const dropped = this.droppedUnreported
    this.droppedUnreported = 0
    const line = { level: 40, time: new Date().toISOString(), pid: process.pid, event: 'log-lines-dropped', dropped, msg: 'log lines dropped: the log file could not keep up or failed' }
    return Buffer.from(`${JSON.stringify(line)}\n`)
  }

  private async writeBatch(batch: Buffer[]): Promise<void> {
    const fd = this.fd
    if (fd === null) throw Object.assign(new Error('log file is closed'), { code: 'EBADF' })
    let pending = batch
    try {
      while (pending.length > 0) {
        // Positionless: the file was opened for appending.
        const { bytesWritten } = await writevFd(fd, pending)
        this.size += bytesWritten
        pending = remainder(pending, bytesWritten)
      }
    } catch (error) {
      this.drop(pending.length)
      throw error
    }
  }

  private async rotate(): Promise<void> {
    const { path, keep } = this.options
    await this.closeCurrent()
    if (keep === 0) await unlink(path).catch(ignoreMissing)
    for (let n = keep - 1; n >= 0; n--) await rename(rotatedName(path, n), rotatedName(path, n + 1)).catch(ignoreMissing)
    await this.openCurrent()
    this.rotations++
  }

  private async reopenNow(): Promise<void> {
    this.reopenWanted = false
    await this.closeCurrent()
    await this.openCurrent()
  }

  private async closeCurrent(): Promise<void> {
    const fd = this.fd
    this.fd = null
    if (fd !== null) await closeFd(fd)
  }

  private async openCurrent(): Promise<void> {
    const fd = await openFd(this.path, 'a', FILE_MODE)
    this.size = (await fstatFd(fd)).size
    this.fd = fd
  }

  private settle(): void {
    this.pumping = false
    if (this.queue.length > 0 || this.reopenWanted) return this.pump()
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  private fail(error: NodeJS.ErrnoException): void {
    this.pumping = false
    this.options.onError?.(error)
    // Whatever the failure, start from a fresh open next time (the folder may come back).
    this.reopenWanted = true
    if (this.fd === null) {
      // Nothing to write to until the retry: what is queued now is dropped, newer lines wait.
      this.drop(this.takeAll())
    }
    for (const resolve of this.idleWaiters.splice(0)) resolve()
    if (this.closed) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.recover()
    }, this.options.retryDelayMs ?? 1000)
    this.retryTimer.unref()
  }

  private recover(): void {
    if (this.fd !== null) return this.pump()
    try {
      const opened = openAppend(this.path)
      this.fd = opened.fd
      this.size = opened.size
      this.reopenWanted = false
    } catch (error) {
      return this.fail((error as LogFileError).cause as NodeJS.ErrnoException)
    }
    this.pump()
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error
}

/** The buffers not yet written after `written` bytes of `buffers`. */
function remainder(buffers: Buffer[], written: number): Buffer[] {
  let left = written
  let i = 0
  while (i < buffers.length && left >= (buffers[i] as Buffer).length) left -= (buffers[i++] as Buffer).length
  if (i === buffers.length) return []
  return [(buffers[i] as Buffer).subarray(left), ...buffers.slice(i + 1)]
}
