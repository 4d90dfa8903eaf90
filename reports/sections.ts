/**
 * What a report says, independent of the output format: tables of formatted cells and the
 * grouping of series into charts. `render-md.ts` and `render-html.ts` only lay these out, so
 * Markdown and HTML always agree.
 */

import { LatencyHistogram } from '../bench/histogram.js'
import { extent } from './svg.js'
import { flattenMetrics, type AnyReport, type CodecBenchReport, type Metric, type RunReport, type TimeSeries } from './model.js'

/** A report with the name it is shown under (its file name in `ciralab report`). */
export interface LabeledReport {
  readonly label: string
  readonly report: AnyReport
}

export interface TableView {
  readonly title: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly string[])[]
  /** Per column: right-aligned (numbers). */
  readonly numeric: readonly boolean[]
}

/** 3 significant digits, thousands separated: 1234567 → '1,234,567', 0.012345 → '0.0123'. */
export function formatNumber(value: number | null): string {
  if (value === null) return '—'
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value)) return value.toLocaleString('en-US')
  const abs = Math.abs(value)
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
  return String(Number(value.toPrecision(3)))
}

export function formatWithUnit(value: number | null, unit: string): string {
  if (value === null) return '—'
  if (unit === '%') return `${formatNumber(value)} %`
  return unit === '' || unit === 'count' ? formatNumber(value) : `${formatNumber(value)} ${unit}`
}

/** Relative change of `value` against `base`, and whether that is better, given the direction. */
export function describeChange(base: number | null, value: number | null, better: Metric['better']): string {
  if (base === null || value === null) return ''
  if (base === value) return 'same'
  if (base === 0) return better === 'lower' ? 'worse (was 0)' : better === 'higher' ? 'better (was 0)' : `was 0`
  const pct = ((value - base) / Math.abs(base)) * 100
  const sign = pct > 0 ? '+' : ''
  const verdict = better === 'lower' ? (value < base ? ', better' : ', worse') : better === 'higher' ? (value > base ? ', better' : ', worse') : ''
  return `${sign}${formatNumber(pct)} %${verdict}`
}

function table(title: string, columns: string[], rows: string[][], numeric: boolean[]): TableView {
  return { title, columns, rows, numeric }
}

export function machineTable(report: AnyReport): TableView {
  const m = report.machine
  const finished = report.kind === 'run' ? report.finishedAt : '—'
  return table('Run', ['', ''], [
    ['scenario', report.kind === 'run' ? report.scenario : 'codec'],
    ['started', report.startedAt],
    ['finished', finished],
    ['host', `${m.hostname} (${m.platform})`],
    ['CPU', `${m.cpuCount} × ${m.cpuModel}`],
    ['memory', `${formatNumber(m.memoryBytes / 2 ** 30)} GiB`],
    ['Node.js', m.nodeVersion],
    ['git commit', m.gitCommit ?? 'unknown'],
  ], [false, false])
}

export function parametersTable(report: RunReport): TableView {
  const rows = Object.entries(report.parameters).map(([k, v]) => [k, v === null ? '—' : typeof v === 'number' ? formatNumber(v) : String(v)])
  return table('Parameters', ['parameter', 'value'], rows, [false, true])
}

export function resultsTable(report: AnyReport): TableView {
  // Integrity counters have their own table; here only the results proper.
  const rows = [...flattenMetrics(report)].filter(([path]) => report.kind === 'codec' || !(path.startsWith('integrity.') && report.results['integrity'] === undefined)).map(([path, m]) => [path, m.label ?? '', formatWithUnit(m.value, m.unit), m.better === undefined || m.better === 'none' ? '' : `${m.better} is better`])
  return table('Results', ['metric', 'what', 'value', ''], rows, [false, false, true, false])
}

export function vendorTable(report: RunReport): TableView {
  const rows = report.vendor.map((v) => {
    const ratio = v.ours === null || v.vendor === 0 ? '—' : `×${formatNumber(v.ours / v.vendor)}`
    const verdict = v.ours === null ? 'not measured' : v.ours === v.vendor ? 'equal' : (v.better === 'lower') === v.ours < v.vendor ? 'ours better' : 'vendor better'
    return [v.metric, formatWithUnit(v.ours, v.unit), formatWithUnit(v.vendor, v.unit), ratio, verdict, v.source ?? '']
  })
  return table('Ours beside the vendor’s figures', ['metric', 'ours', 'vendor', 'ours/vendor', 'verdict', 'vendor source'], rows, [false, true, true, true, false, false])
}

export function integrityTable(report: RunReport): TableView {
  return table('Integrity (seen by the simulator)', ['counter', 'value'], Object.entries(report.integrity).map(([k, v]) => [k, formatNumber(v)]), [false, true])
}

const MS = (micros: number) => formatNumber(micros / 1000)

export function histogramTable(report: RunReport): TableView {
  const rows = report.histograms.map((h) => {
    const s = LatencyHistogram.fromJSON(h.histogram).summary()
    return [h.name, formatNumber(s.count), MS(s.min), MS(s.p50), MS(s.p90), MS(s.p99), MS(s.p999), MS(s.max), MS(s.mean)]
  })
  return table('Latency (ms)', ['operation', 'count', 'min', 'p50', 'p90', 'p99', 'p99.9', 'max', 'mean'], rows, [false, true, true, true, true, true, true, true, true])
}

/** min / mean / max / last of each series, for Markdown where there are no charts. */
export function seriesSummaryTable(series: readonly TimeSeries[]): TableView {
  const rows = series.map((s) => {
    const values = s.points.map((p) => p[1])
    const empty = values.length === 0
    const mean = empty ? null : values.reduce((a, b) => a + b, 0) / values.length
    const { min, max } = extent(values)
    return [s.name, s.unit, formatNumber(empty ? null : min), formatNumber(mean), formatNumber(empty ? null : max), formatNumber(values[values.length - 1] ?? null), formatNumber(values.length)]
  })
  return table('Over time', ['series', 'unit', 'min', 'mean', 'max', 'last', 'points'], rows, [false, false, true, true, true, true, true])
}

export function codecTable(report: CodecBenchReport): TableView {
  const rows = report.results.map((r) => [r.name, r.operation, formatNumber(r.messageBytes), formatNumber(r.messagesPerSecond), formatNumber(r.megabytesPerSecond)])
  return table(`APF codec (${formatNumber(report.chunkBytes)}-byte chunks, one core)`, ['case', 'operation', 'message bytes', 'messages/s', 'MB/s'], rows, [false, false, true, true, true])
}

/** Every metric of every run side by side; later runs show their change against the first. */
export function comparisonTable(runs: readonly LabeledReport[]): TableView {
  const metrics = runs.map((r) => flattenMetrics(r.report))
  const paths = [...new Set(metrics.flatMap((m) => [...m.keys()]))]
  const rows = paths.map((path) => {
    const first = metrics[0]?.get(path)
    const unit = metrics.map((m) => m.get(path)?.unit).find((u) => u !== undefined) ?? ''
    const cells = metrics.map((m, i) => {
      const metric = m.get(path)
      if (metric === undefined) return '—'
      const value = formatWithUnit(metric.value, metric.unit)
      const change = i === 0 ? '' : describeChange(first?.value ?? null, metric.value, metric.better ?? first?.better)
      return change === '' ? value : `${value} (${change})`
    })
    return [path, unit, ...cells]
  })
  return table('Comparison (change against the first run)', ['metric', 'unit', ...runs.map((r) => r.label)], rows, [false, false, ...runs.map(() => true)])
}

export interface SeriesGroup {
  readonly key: string
  readonly unit: string
  readonly series: readonly TimeSeries[]
}

/** Series sharing a `chart` key (or, without one, a name) go into one chart. */
export function groupSeries(series: readonly TimeSeries[]): SeriesGroup[] {
  const groups = new Map<string, TimeSeries[]>()
  for (const s of series) {
    const key = s.chart ?? s.name
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  return [...groups].map(([key, list]) => ({ key, unit: list[0]?.unit ?? '', series: list }))
}

/** Time axis unit for a run of this length: seconds, minutes or hours. */
export function timeAxis(maxSeconds: number): { readonly divisor: number; readonly label: string } {
  if (maxSeconds > 3 * 3600) return { divisor: 3600, label: 'time (h)' }
  if (maxSeconds > 3 * 60) return { divisor: 60, label: 'time (min)' }
  return { divisor: 1, label: 'time (s)' }
}
