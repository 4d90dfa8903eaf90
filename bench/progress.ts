/**
 * Progress on stderr for long runs, and a clean Ctrl-C.
 *
 * On a terminal the line is redrawn in place (at most every `intervalMs`, default 200 ms);
 * elsewhere (CI logs, files) a new line is written every `intervalMs` (default 5 s) so logs
 * stay short. The caller drives it with `update(done)`; it keeps no timer of its own.
 *
 * `stopOnSignals()`: the first Ctrl-C (or SIGTERM) aborts a signal the run watches, so the run
 * stops at its next check and still writes what it measured; our listener is then removed, so a
 * second Ctrl-C gets Node's default and ends the process at once.
 */

export interface ProgressView {
  readonly label: string
  readonly done: number
  /** null when the end is unknown: no bar, no ETA. */
  readonly total: number | null
  readonly elapsedMs: number
  /** What is counted, e.g. 'devices', 's'. */
  readonly unit: string
  /** Free text at the end, e.g. 'cpu 12% rss 48 MB'. */
  readonly detail?: string
}

/** 65 → '1:05', 3723 → '1:02:03'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1)
}

function formatRate(perSecond: number): string {
  if (perSecond >= 100) return perSecond.toFixed(0)
  if (perSecond >= 10) return perSecond.toFixed(1)
  return perSecond.toFixed(2)
}

/** One progress line: `label [####----]  42%  420/1000 devices  35.0 devices/s  ETA 0:17  detail`. */
export function formatProgress(view: ProgressView, barWidth = 24): string {
  const seconds = view.elapsedMs / 1000
  const rate = seconds > 0 ? view.done / seconds : 0
  const parts = [view.label]
  if (view.total !== null && view.total > 0) {
    const fraction = Math.min(1, Math.max(0, view.done / view.total))
    const filled = Math.round(fraction * barWidth)
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`, `${Math.floor(fraction * 100)}%`.padStart(4))
    parts.push(`${formatCount(view.done)}/${formatCount(view.total)} ${view.unit}`)
    parts.push(`${formatRate(rate)} ${view.unit}/s`)
    const remaining = view.total - view.done
    parts.push(remaining <= 0 ? `done in ${formatDuration(seconds)}` : rate > 0 ? `ETA ${formatDuration(remaining / rate)}` : 'ETA ?')
  } else {
    parts.push(`${formatCount(view.done)} ${view.unit}`, `${formatRate(rate)} ${view.unit}/s`, `${formatDuration(seconds)} elapsed`)
  }
  if (view.detail !== undefined && view.detail !== '') parts.push(view.detail)
  return parts.join('  ')
}

export interface ProgressStream {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

export interface ProgressOptions {
  readonly stream: ProgressStream
  readonly label: string
  readonly total: number | null
  readonly unit?: string
  /** Default: the stream's own isTTY. */
  readonly tty?: boolean
  /** Minimum time between draws (default 200 ms on a terminal, 5000 ms otherwise). */
  readonly intervalMs?: number
  /** Clock in ms, for tests (default performance.now). */
  readonly now?: () => number
}

export class Progress {
  private readonly tty: boolean
  private readonly intervalMs: number
  private readonly now: () => number
  private readonly startedAt: number
  private lastDrawAt = Number.NEGATIVE_INFINITY
  private finished = false

  constructor(private readonly options: ProgressOptions) {
    this.tty = options.tty ?? options.stream.isTTY === true
    this.intervalMs = options.intervalMs ?? (this.tty ? 200 : 5000)
    this.now = options.now ?? (() => performance.now())
    this.startedAt = this.now()
  }

  /** Records progress; draws when the interval has passed since the last draw. */
  update(done: number, detail?: string): void {
    if (this.finished) return
    const now = this.now()
    if (now - this.lastDrawAt < this.intervalMs) return
    this.lastDrawAt = now
    this.draw(done, detail, now, false)
  }

  /** Draws the final line (always) and ends it with a newline. */
  finish(done: number, detail?: string): void {
    if (this.finished) return
    this.finished = true
    this.draw(done, detail, this.now(), true)
  }

  private draw(done: number, detail: string | undefined, now: number, final: boolean): void {
    const view: ProgressView = { label: this.options.label, done, total: this.options.total, elapsedMs: now - this.startedAt, unit: this.options.unit ?? 'items', ...(detail === undefined ? {} : { detail }) }
    let line = formatProgress(view)
    if (this.tty) {
      const columns = this.options.stream.columns ?? 0
      if (columns > 1 && line.length >= columns) line = line.slice(0, columns - 1)
      // \r back to column 0, then \x1b[K clears what a longer previous line left behind.
      this.options.stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`)
    } else {
      this.options.stream.write(`${line}\n`)
    }
  }
}

/** Something that delivers signals: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
  removeListener(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
}

export interface StopHandle {
  /** Aborted at the first signal; pass it to every wait of the run. */
  readonly signal: AbortSignal
  /** The signal that stopped the run, or null. */
  readonly stoppedBy: NodeJS.Signals | null
  /** Removes the listeners (call when the run is over). */
  close(): void
}

export function stopOnSignals(options: { readonly source?: SignalSource; readonly stderr?: ProgressStream; readonly signals?: readonly NodeJS.Signals[] } = {}): StopHandle {
  const source = options.source ?? process
  const signals = options.signals ?? ['SIGINT', 'SIGTERM']
  const controller = new AbortController()
  let stoppedBy: NodeJS.Signals | null = null
  const close = () => {
    for (const s of signals) source.removeListener(s, onSignal)
  }
  function onSignal(signal: NodeJS.Signals): void {
    close()
    stoppedBy = signal
    options.stderr?.write(`\n${signal}: stopping, the report will cover what was measured (press Ctrl-C again to quit at once)\n`)
    controller.abort(new Error(`stopped by ${signal}`))
  }
  for (const s of signals) source.on(s, onSignal)
  return {
    signal: controller.signal,
    get stoppedBy() {
      return stoppedBy
    },
    close,
  }
}
