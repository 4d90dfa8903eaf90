/**
 * What a scenario watches while it runs: the gateway process through /proc (CPU, RSS, fds, log
 * bytes; a new sampler after a restart, since CPU ticks start again from zero), the number of
 * connected devices as the simulator sees them, and a progress line on stderr.
 */

import type { ProgressStream } from '../progress.js'
import { Progress } from '../progress.js'
import { ProcSampler, summarizeSamples, toTimeSeries, type ProcSample, type ProcSummary } from '../proc-sampler.js'
import type { SeriesPoint, TimeSeries } from '../../reports/model.js'
import type { GatewayUnderTest } from './gateway.js'

export interface MonitorOptions {
  readonly gateway: GatewayUnderTest
  readonly connected: () => number
  readonly stderr: ProgressStream
  readonly label: string
  /** Progress total in seconds (null: unknown). */
  readonly totalSeconds: number | null
  readonly intervalMs?: number
  /** Extra text for the progress line. */
  readonly detail?: () => string
}

const MAX_POINTS = 20_000

/** Samples of one gateway process (one per restart). */
interface ProcessSamples {
  readonly sampler: ProcSampler
  readonly label: string
}

export class RunMonitor {
  readonly startMs = Date.now()
  private readonly processes: ProcessSamples[] = []
  private readonly connectedPoints: SeriesPoint[] = []
  private readonly progress: Progress
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly options: MonitorOptions) {
    this.progress = new Progress({ stream: options.stderr, label: options.label, total: options.totalSeconds, unit: 's' })
  }

  start(): void {
    this.watchProcess('gateway')
    this.tick()
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 1000)
  }

  /** After a gateway restart: sample the new process. */
  async restarted(label: string): Promise<void> {
    await this.current()?.sampler.stop()
    this.watchProcess(label)
  }

  elapsedSeconds(atMs = Date.now()): number {
    return (atMs - this.startMs) / 1000
  }

  /** Takes one gateway sample now (phase boundaries want an exact reading). */
  async sampleNow(): Promise<ProcSample | null> {
    return (await this.current()?.sampler.sampleNow()) ?? null
  }

  /** Gateway samples of the current process taken within [fromMs, toMs]. */
  samplesBetween(fromMs: number, toMs = Number.POSITIVE_INFINITY): ProcSample[] {
    return (this.current()?.sampler.samples ?? []).filter((s) => s.atMs >= fromMs && s.atMs <= toMs)
  }

  /** Summary of the current gateway process over [fromMs, toMs], RSS growth after `warmUpSeconds`. */
  summarize(fromMs: number, toMs = Number.POSITIVE_INFINITY, warmUpSeconds = 0): ProcSummary | null {
    const current = this.current()
    if (current === undefined) return null
    const samples = this.samplesBetween(fromMs, toMs)
    return samples.length < 2 ? null : summarizeSamples(samples, current.sampler.clockTicks, warmUpSeconds)
  }

  /** Gateway CPU seconds (user + system) between the first and last sample within [fromMs, toMs]. */
  cpuSecondsBetween(fromMs: number, toMs: number): number | null {
    const s = this.samplesBetween(fromMs, toMs)
    const first = s[0]
    const last = s[s.length - 1]
    return first === undefined || last === undefined || first === last ? null : (last.cpuTicks - first.cpuTicks) / this.clockTicks
  }

  get clockTicks(): number {
    return this.current()?.sampler.clockTicks ?? 100
  }

  /** Stops sampling; returns the report series (devices connected, then per gateway process). */
  async stop(finalDetail?: string): Promise<TimeSeries[]> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.tick()
    for (const p of this.processes) await p.sampler.stop()
    this.progress.finish(this.elapsedSeconds(), finalDetail ?? this.detail())
    return this.series()
  }

  series(): TimeSeries[] {
    const out: TimeSeries[] = [{ name: 'devices connected', unit: 'devices', points: this.connectedPoints }]
    const single = this.processes.length === 1
    for (const p of this.processes) {
      const prefix = single ? 'gateway ' : `${p.label} `
      const series = toTimeSeries(p.sampler.samples, p.sampler.clockTicks, this.startMs, prefix)
      // The processes of one run (before and after a restart) share a chart per quantity.
      out.push(...series.map((s) => (single ? s : { ...s, chart: `gateway ${s.name.slice(prefix.length)}` })))
    }
    return out
  }

  private current(): ProcessSamples | undefined {
    return this.processes[this.processes.length - 1]
  }

  private watchProcess(label: string): void {
    const pid = this.options.gateway.pid()
    if (pid === null) return
    const logPath = this.options.gateway.logPath
    const sampler = new ProcSampler({ pid, intervalMs: this.options.intervalMs ?? 1000, ...(logPath === null ? {} : { logPath }) })
    sampler.start()
    this.processes.push({ sampler, label })
  }

  private tick(): void {
    this.connectedPoints.push([this.elapsedSeconds(), this.options.connected()])
    // A 48 h run at 1 s would keep 172,800 points: halve the resolution instead (as ProcSampler does).
    if (this.connectedPoints.length >= MAX_POINTS) {
      let kept = 0
      for (let i = 0; i < this.connectedPoints.length; i += 2) this.connectedPoints[kept++] = this.connectedPoints[i] as SeriesPoint
      this.connectedPoints.length = kept
    }
    this.progress.update(this.elapsedSeconds(), this.detail())
  }

  private detail(): string {
    const last = this.current()?.sampler.samples.at(-1)
    const rss = last === undefined ? '' : `  gateway rss ${(last.rssBytes / 1e6).toFixed(0)} MB`
    const extra = this.options.detail?.() ?? ''
    return `connected ${this.options.connected()}${rss}${extra === '' ? '' : `  ${extra}`}`
  }
}
