/**
 * What a capacity scenario is to the runner: a name, a title, and `run`, which measures one
 * gateway and returns the parts of a run report it filled in. The runner starts and stops the
 * gateway, writes the report, and compares runs; scenarios only measure.
 */

import type { HistogramSummary, LatencyHistogram } from '../histogram.js'
import type { ProgressStream } from '../progress.js'
import type { Metric, ParameterValue, RunReportDraft } from '../../reports/model.js'
import type { GatewayUnderTest } from '../lab/gateway.js'

export interface ScenarioParams {
  /** The small form CI runs. */
  readonly quick: boolean
  /** null: the scenario's default (quick or full). */
  readonly devices: number | null
  readonly durationSeconds: number | null
  readonly seed: string
  /** Worker processes for fleets without services; null: as many as the open-file limit needs (at least 1). */
  readonly workers: number | null
}

export interface ScenarioRun {
  readonly params: ScenarioParams
  readonly gateway: GatewayUnderTest
  /** Progress lines. */
  readonly stderr: ProgressStream
  /** Aborted by Ctrl-C: finish the current step, then return what was measured. */
  readonly signal: AbortSignal
}

export type ScenarioOutcome = Omit<RunReportDraft, 'scenario' | 'startedAt' | 'machine' | 'finishedAt' | 'interrupted' | 'title'>

export interface Scenario {
  readonly name: string
  readonly title: string
  /** One line for `ciralab bench --help`. */
  readonly summary: string
  run(run: ScenarioRun): Promise<ScenarioOutcome>
}

/** A metric for `results`. Speed metrics carry a tolerance so CI machines may differ. */
export function metric(value: number | null, unit: string, better?: 'lower' | 'higher', tolerancePct?: number, label?: string): Metric {
  const rounded = value === null || !Number.isFinite(value) ? null : Number(value.toPrecision(6))
  return { value: rounded, unit, ...(better === undefined ? {} : { better }), ...(tolerancePct === undefined ? {} : { tolerancePct }), ...(label === undefined ? {} : { label }) }
}

/** Integrity counters must stay at zero against any baseline: no tolerance. */
export function integrityMetric(value: number, label?: string): Metric {
  return metric(value, 'count', 'lower', 0, label)
}

/** How much a speed metric may regress against a baseline before CI fails (see README). */
export const SPEED_TOLERANCE_PCT = 300
/** Throughput may fall to a quarter of the baseline before CI fails. */
export const THROUGHPUT_TOLERANCE_PCT = 75

/**
 * A figure derived from gateway CPU time. /proc counts CPU in 10 ms ticks, so below one CPU
 * second in the window the figure is too coarse to compare with a baseline: informational then.
 */
export function cpuMetric(value: number | null, unit: string, cpuSeconds: number | null, label: string): Metric {
  return cpuSeconds !== null && cpuSeconds >= 1 ? metric(value, unit, 'lower', SPEED_TOLERANCE_PCT, label) : metric(value, unit, undefined, undefined, label)
}

/**
 * Latency percentiles in ms from a histogram of µs. Only the median is compared with baselines:
 * tails on a shared 2-core machine move tenfold with the neighbours' load.
 */
export function latencyMetrics(prefix: string, h: LatencyHistogram | HistogramSummary): Record<string, Metric> {
  const s = 'summary' in h ? h.summary() : h
  const ms = (us: number) => (s.count === 0 ? null : us / 1000)
  return {
    [`${prefix}P50Ms`]: metric(ms(s.p50), 'ms', 'lower', SPEED_TOLERANCE_PCT),
    [`${prefix}P90Ms`]: metric(ms(s.p90), 'ms'),
    [`${prefix}P99Ms`]: metric(ms(s.p99), 'ms'),
    [`${prefix}MaxMs`]: metric(ms(s.max), 'ms'),
  }
}

export function parameters(values: Readonly<Record<string, ParameterValue | undefined>>): Record<string, ParameterValue> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<string, ParameterValue>
}

/** The scenario's size: the flag if given, else its quick or full default. */
export function sized(value: number | null, quick: boolean, quickDefault: number, fullDefault: number): number {
  return value ?? (quick ? quickDefault : fullDefault)
}

/** Workers for a fleet of `devices` without services. */
export function workersFor(params: ScenarioParams, devices: number): number {
  // One process may hold at most 20,000 open files; keep each worker well below.
  return params.workers ?? Math.max(1, Math.ceil(devices / 12_000))
}

export function percentOf(part: number, whole: number): number | null {
  return whole > 0 ? (part / whole) * 100 : null
}
