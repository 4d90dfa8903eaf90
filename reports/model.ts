/**
 * The run report: the JSON every benchmark scenario writes, and the only thing `reports/`
 * reads. Renderers, gates and baselines work from this file alone, never from a live gateway.
 *
 * Conventions:
 * - `results` are named metrics in groups: `results.stability.disconnects` is addressed as
 *   `stability.disconnects` by gates and baselines. Every metric carries its unit and whether
 *   lower or higher is better (baselines need the direction).
 * - Time series have `t` in seconds since `startedAt`.
 * - Latency histograms are the serialised form of `bench/histogram.ts` (microseconds).
 * - `vendor` puts the vendor's published figure beside ours where one exists.
 * - A run stopped by Ctrl-C still writes its report, with `interrupted: true`.
 */

import type { CodecBenchReport } from '../bench/codec.js'
import type { SerializedHistogram } from '../bench/histogram.js'
import { describeMachine, type MachineInfo } from '../bench/machine.js'

export type { CodecBenchReport } from '../bench/codec.js'
export type { MachineInfo } from '../bench/machine.js'

export type Better = 'lower' | 'higher' | 'none'

export interface Metric {
  /** null: not measured (e.g. the run was interrupted before this phase). */
  readonly value: number | null
  readonly unit: string
  /** Direction for baselines; 'none' (the default) means informational only. */
  readonly better?: Better
  /** Human label for tables; the key is used when absent. */
  readonly label?: string
  /** Allowed regression against a baseline, in percent, overriding `--tolerance`. */
  readonly tolerancePct?: number
}

/** `results[group][metric]`, addressed as `group.metric`. */
export type ResultGroups = Readonly<Record<string, Readonly<Record<string, Metric>>>>

export interface VendorFigure {
  /** What is compared, e.g. 'MPS CPU at 1,000 devices'. */
  readonly metric: string
  readonly ours: number | null
  readonly vendor: number
  readonly unit: string
  readonly better: 'lower' | 'higher'
  /** Where the vendor's figure comes from. */
  readonly source?: string
}

/** [t seconds since start, value]. */
export type SeriesPoint = readonly [number, number]

export interface TimeSeries {
  readonly name: string
  readonly unit: string
  /** Series with the same `chart` share one chart (same unit expected); default: own chart. */
  readonly chart?: string
  readonly points: readonly SeriesPoint[]
}

export interface NamedHistogram {
  readonly name: string
  readonly description?: string
  readonly histogram: SerializedHistogram
}

export type Cell = string | number | null

export interface ReportTable {
  readonly title: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly Cell[])[]
}

export interface Axis {
  readonly label: string
  readonly unit: string
}

/** Where a curve stops holding up: the last x that met the threshold and the first that did not. */
export interface Knee {
  readonly lastGoodX: number
  readonly firstBadX: number
  readonly label: string
}

/** A curve against something other than time, e.g. redirection success ratio vs devices. */
export interface XyChart {
  readonly kind: 'xy'
  readonly name: string
  readonly title: string
  readonly x: Axis
  readonly y: Axis
  readonly series: readonly { readonly name: string; readonly points: readonly SeriesPoint[] }[]
  readonly knee?: Knee | null
}

/** Grouped bars, e.g. IDE-R throughput: ours vs vendor vs link limit, per link profile. */
export interface BarChart {
  readonly kind: 'bars'
  readonly name: string
  readonly title: string
  readonly unit: string
  readonly groups: readonly { readonly label: string; readonly bars: readonly { readonly name: string; readonly value: number | null }[] }[]
}

export type Chart = XyChart | BarChart

export type ParameterValue = string | number | boolean | null

export interface RunReport {
  readonly kind: 'run'
  readonly format: 'ciralab-run-1'
  /** e.g. 'stability', 'redirection-limit', 'latency', 'ider-throughput'. */
  readonly scenario: string
  readonly title: string
  readonly startedAt: string
  readonly finishedAt: string
  /** True when the run was stopped early (Ctrl-C, deadline): results cover what was measured. */
  readonly interrupted: boolean
  readonly machine: MachineInfo
  readonly parameters: Readonly<Record<string, ParameterValue>>
  readonly results: ResultGroups
  readonly vendor: readonly VendorFigure[]
  readonly series: readonly TimeSeries[]
  readonly histograms: readonly NamedHistogram[]
  readonly charts: readonly Chart[]
  readonly tables: readonly ReportTable[]
  /** Integrity counters: bytes sent/verified, mismatches, disconnects seen by the simulator. */
  readonly integrity: Readonly<Record<string, number>>
  readonly notes: readonly string[]
}

/** Anything `ciralab report` reads. */
export type AnyReport = RunReport | CodecBenchReport

export type RunReportDraft = Pick<RunReport, 'scenario' | 'startedAt'> & Partial<Omit<RunReport, 'kind' | 'format' | 'scenario' | 'startedAt'>>

/** A complete report from what a scenario measured; defaults for everything it left out. */
export function createRunReport(draft: RunReportDraft): RunReport {
  return {
    kind: 'run',
    format: 'ciralab-run-1',
    scenario: draft.scenario,
    title: draft.title ?? draft.scenario,
    startedAt: draft.startedAt,
    finishedAt: draft.finishedAt ?? new Date().toISOString(),
    interrupted: draft.interrupted ?? false,
    machine: draft.machine ?? describeMachine(),
    parameters: draft.parameters ?? {},
    results: draft.results ?? {},
    vendor: draft.vendor ?? [],
    series: draft.series ?? [],
    histograms: draft.histograms ?? [],
    charts: draft.charts ?? [],
    tables: draft.tables ?? [],
    integrity: draft.integrity ?? {},
    notes: draft.notes ?? [],
  }
}

/** Every metric of a run as `group.metric` → metric, integrity counters as `integrity.name`. */
export function flattenMetrics(report: AnyReport): Map<string, Metric> {
  const out = new Map<string, Metric>()
  if (report.kind === 'codec') {
    for (const r of report.results) out.set(`codec.${codecMetricKey(r.name, r.operation)}`, { value: r.megabytesPerSecond, unit: 'MB/s', better: 'higher', label: `${r.name} ${r.operation}` })
    return out
  }
  for (const [group, metrics] of Object.entries(report.results)) {
    for (const [name, metric] of Object.entries(metrics)) out.set(`${group}.${name}`, metric)
  }
  for (const [name, value] of Object.entries(report.integrity)) {
    if (!out.has(`integrity.${name}`)) out.set(`integrity.${name}`, { value, unit: 'count' })
  }
  return out
}

/** 'CHANNEL_DATA 32 KiB' + 'decode' → 'channelData32Kib-decode': a path segment without dots. */
export function codecMetricKey(name: string, operation: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0)
  const camel = words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('')
  return `${camel}-${operation}`
}

/** A short label for a report in comparisons: scenario and start time. */
export function describeReport(report: AnyReport): string {
  const scenario = report.kind === 'codec' ? 'codec' : report.scenario
  return `${scenario} ${report.startedAt.slice(0, 16).replace('T', ' ')}`
}
