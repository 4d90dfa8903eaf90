/**
 * Measures a process from outside through /proc, so benchmark figures never depend on what the
 * target says about itself: CPU time (utime + stime), resident memory (VmRSS), open file
 * descriptors, and optionally the bytes written to its log file or log folder.
 *
 * Samples keep cumulative values (CPU ticks, log bytes), so CPU % over any span is derived from
 * two samples, and halving the sample list when it reaches `maxSamples` (a 48 h run at 1 s would
 * otherwise keep 172 800 samples) loses resolution, not correctness.
 */

import { execFileSync } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import type { TimeSeries } from '../reports/model.js'

export interface ProcSample {
  /** Wall clock, ms since the epoch. */
  readonly atMs: number
  /** utime + stime in clock ticks, cumulative since the process started. */
  readonly cpuTicks: number
  readonly rssBytes: number
  readonly fds: number
  /** Bytes written to the watched logs since the first sample; null when no log is watched. */
  readonly logBytes: number | null
}

export interface ProcSummary {
  readonly samples: number
  readonly durationSeconds: number
  readonly cpuSeconds: number
  /** Over the whole run, in % of one core (200 = two cores busy). */
  readonly cpuPercentMean: number
  /** Highest % of one core between two consecutive samples. */
  readonly cpuPercentMax: number
  readonly rssStartBytes: number
  readonly rssEndBytes: number
  readonly rssMaxBytes: number
  /** RSS at the end minus RSS at the first sample after the warm-up: a leak shows here. */
  readonly rssGrowthAfterWarmUpBytes: number
  readonly fdsStart: number
  readonly fdsEnd: number
  readonly fdsMax: number
  readonly logBytesWritten: number | null
  /** The process went away while being sampled. */
  readonly exited: boolean
}

export class ProcessGoneError extends CiralabError {
  constructor(pid: number) {
    super(ErrorCode.BENCH_ERR_PROCESS_GONE, `process ${pid} is gone (no /proc/${pid})`)
    this.name = 'ProcessGoneError'
  }
}

/** Clock ticks per second for /proc/PID/stat times (`getconf CLK_TCK`; 100 on Linux). */
export function readClockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    return Number.isInteger(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
}

/** utime + stime from the text of /proc/PID/stat. */
export function parseStatCpuTicks(text: string): { cpuTicks: number; state: string } {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')': the
  // fields that follow start after the last ')'. utime and stime are fields 14 and 15.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${text.slice(0, 80)}`)
  return { cpuTicks: utime + stime, state: rest[0] ?? '?' }
}

/** VmRSS in bytes from the text of /proc/PID/status (0 for a zombie, which has none). */
export function parseStatusRssBytes(text: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text)
  return match === null ? 0 : Number(match[1]) * 1024
}

/** One reading of `pid`; throws ProcessGoneError once the process has exited. */
export async function readProcSnapshot(pid: number): Promise<Omit<ProcSample, 'atMs' | 'logBytes'>> {
  try {
    const [statText, statusText, fds] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'utf8'),
      readFile(`/proc/${pid}/status`, 'utf8'),
      readdir(`/proc/${pid}/fd`),
    ])
    const { cpuTicks, state } = parseStatCpuTicks(statText)
    if (state === 'Z' || state === 'X') throw new ProcessGoneError(pid)
    return { cpuTicks, rssBytes: parseStatusRssBytes(statusText), fds: fds.length }
  } catch (error) {
    if (error instanceof ProcessGoneError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ESRCH') throw new ProcessGoneError(pid)
    throw error
  }
}

/**
 * Bytes appended to a log file (and its rotated siblings `FILE.*`) or to every file of a log
 * folder. Growth is tracked per inode, so a rename rotation (mps.log → mps.log.1) is not counted
 * twice and a new file counts from zero. Bytes written before the first reading are not counted.
 */
export class LogGrowth {
  private readonly sizes = new Map<string, number>()
  private written = 0
  private first = true

  constructor(private readonly path: string) {}

  async read(): Promise<number> {
    const files = await this.listFiles()
    for (const file of files) {
      const s = await stat(file, { bigint: false }).catch(() => null)
      if (s === null || !s.isFile()) continue
      const key = `${s.dev}:${s.ino}`
      const before = this.sizes.get(key) ?? (this.first ? s.size : 0)
      // A truncated file (copy-truncate rotation) starts again from its new size.
      if (s.size > before) this.written += s.size - before
      this.sizes.set(key, s.size)
    }
    this.first = false
    return this.written
  }

  private async listFiles(): Promise<string[]> {
    const s = await stat(this.path).catch(() => null)
    if (s?.isDirectory()) return (await readdir(this.path)).map((f) => join(this.path, f))
    const dir = dirname(this.path)
    const base = basename(this.path)
    const siblings = await readdir(dir).catch(() => [] as string[])
    return siblings.filter((f) => f === base || f.startsWith(`${base}.`)).map((f) => join(dir, f))
  }
}

export interface ProcSamplerOptions {
  readonly pid: number
  /** Default 1000 ms. */
  readonly intervalMs?: number
  /** A log file (rotations included) or folder whose growth to measure. */
  readonly logPath?: string
  /** Default: `getconf CLK_TCK`. */
  readonly clockTicks?: number
  /** Past this many samples every other one is dropped (default 20 000). */
  readonly maxSamples?: number
  readonly onSample?: (sample: ProcSample) => void
}

/** Samples a process at an interval until `stop()`, or until it exits. */
export class ProcSampler {
  readonly clockTicks: number
  private readonly list: ProcSample[] = []
  private readonly log: LogGrowth | null
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private running = false
  private gone = false

  constructor(private readonly options: ProcSamplerOptions) {
    this.clockTicks = options.clockTicks ?? readClockTicks()
    this.log = options.logPath === undefined ? null : new LogGrowth(options.logPath)
  }

  get samples(): readonly ProcSample[] {
    return this.list
  }

  get exited(): boolean {
    return this.gone
  }

  /** Takes a first sample now, then one every interval. */
  start(): void {
    if (this.running) return
    this.running = true
    this.tick()
  }

  /** Stops sampling after one last sample; resolves with the summary. */
  async stop(warmUpSeconds = 0): Promise<ProcSummary> {
    this.running = false
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.inFlight
    await this.sampleNow()
    return summarizeSamples(this.list, this.clockTicks, warmUpSeconds, this.gone)
  }

  /** One sample now (added to the list); null once the process is gone. */
  async sampleNow(): Promise<ProcSample | null> {
    if (this.gone) return null
    try {
      const snapshot = await readProcSnapshot(this.options.pid)
      const logBytes = this.log === null ? null : await this.log.read()
      const sample: ProcSample = { atMs: Date.now(), ...snapshot, logBytes }
      this.push(sample)
      this.options.onSample?.(sample)
      return sample
    } catch (error) {
      if (!(error instanceof ProcessGoneError)) throw error
      this.gone = true
      return null
    }
  }

  private tick(): void {
    this.inFlight = this.sampleNow().then(
      () => this.schedule(),
      // A /proc read failing for another reason than exit (EACCES): stop rather than spin.
      () => {
        this.gone = true
      },
    )
  }

  private schedule(): void {
    if (!this.running || this.gone) return
    this.timer = setTimeout(() => this.tick(), this.options.intervalMs ?? 1000)
  }

  private push(sample: ProcSample): void {
    this.list.push(sample)
    if (this.list.length < (this.options.maxSamples ?? 20_000)) return
    // Keep the first and every other sample after it: half the resolution, same span.
    let kept = 0
    for (let i = 0; i < this.list.length; i += 2) this.list[kept++] = this.list[i] as ProcSample
    this.list.length = kept
  }
}

export function summarizeSamples(samples: readonly ProcSample[], clockTicks: number, warmUpSeconds = 0, exited = false): ProcSummary {
  const first = samples[0]
  const last = samples[samples.length - 1]
  if (first === undefined || last === undefined) {
    return { samples: 0, durationSeconds: 0, cpuSeconds: 0, cpuPercentMean: 0, cpuPercentMax: 0, rssStartBytes: 0, rssEndBytes: 0, rssMaxBytes: 0, rssGrowthAfterWarmUpBytes: 0, fdsStart: 0, fdsEnd: 0, fdsMax: 0, logBytesWritten: null, exited }
  }
  const durationSeconds = (last.atMs - first.atMs) / 1000
  const cpuSeconds = (last.cpuTicks - first.cpuTicks) / clockTicks
  const afterWarmUp = samples.find((s) => s.atMs - first.atMs >= warmUpSeconds * 1000) ?? last
  return {
    samples: samples.length,
    durationSeconds,
    cpuSeconds,
    cpuPercentMean: durationSeconds > 0 ? (cpuSeconds / durationSeconds) * 100 : 0,
    cpuPercentMax: cpuPercentPoints(samples, clockTicks).reduce((m, [, v]) => Math.max(m, v), 0),
    rssStartBytes: first.rssBytes,
    rssEndBytes: last.rssBytes,
    rssMaxBytes: samples.reduce((m, s) => Math.max(m, s.rssBytes), 0),
    rssGrowthAfterWarmUpBytes: last.rssBytes - afterWarmUp.rssBytes,
    fdsStart: first.fds,
    fdsEnd: last.fds,
    fdsMax: samples.reduce((m, s) => Math.max(m, s.fds), 0),
    logBytesWritten: last.logBytes,
    exited,
  }
}

/** CPU % of one core between consecutive samples, at the time of the later one (s since start). */
function cpuPercentPoints(samples: readonly ProcSample[], clockTicks: number, startMs = samples[0]?.atMs ?? 0): [number, number][] {
  const points: [number, number][] = []
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as ProcSample
    const b = samples[i] as ProcSample
    const seconds = (b.atMs - a.atMs) / 1000
    if (seconds <= 0) continue
    points.push([(b.atMs - startMs) / 1000, ((b.cpuTicks - a.cpuTicks) / clockTicks / seconds) * 100])
  }
  return points
}

/**
 * The samples as report time series (t in seconds since `startMs`, default the first sample):
 * `cpu` (% of one core), `rss` (MB), `fds`, and `log-bytes` (KB) when a log was watched.
 */
export function toTimeSeries(samples: readonly ProcSample[], clockTicks: number, startMs = samples[0]?.atMs ?? 0, prefix = ''): TimeSeries[] {
  const t = (s: ProcSample) => (s.atMs - startMs) / 1000
  const series: TimeSeries[] = [
    { name: `${prefix}cpu`, unit: '%', points: cpuPercentPoints(samples, clockTicks, startMs) },
    { name: `${prefix}rss`, unit: 'MB', points: samples.map((s) => [t(s), s.rssBytes / 1e6] as const) },
    { name: `${prefix}fds`, unit: 'count', points: samples.map((s) => [t(s), s.fds] as const) },
  ]
  if (samples.some((s) => s.logBytes !== null)) series.push({ name: `${prefix}log-bytes`, unit: 'KB', points: samples.map((s) => [t(s), (s.logBytes ?? 0) / 1e3] as const) })
  return series
}
