/**
 * Baselines: a committed report of the same scenario that a new run must not fall behind.
 * Only metrics with a direction (`better: 'lower' | 'higher'`) are compared; a metric is a
 * regression when it moved the wrong way by more than its tolerance: the metric's own
 * `tolerancePct` in the baseline file if set, else `--tolerance` (default 10 %). A baseline of
 * 0 that must stay low (disconnects) allows nothing above 0.
 */

import { CiralabError, ErrorCode } from '../protocol/errors.js'
import { flattenMetrics, type AnyReport, type Better } from './model.js'
import { formatNumber } from './sections.js'

export const DEFAULT_TOLERANCE_PCT = 10

export interface BaselineRow {
  readonly metric: string
  readonly unit: string
  readonly better: Better
  readonly baseline: number
  readonly current: number | null
  /** Signed change in percent of the baseline; null when not computable. */
  readonly changePct: number | null
  readonly tolerancePct: number
  readonly status: 'ok' | 'improved' | 'regressed' | 'missing'
}

function scenarioOf(report: AnyReport): string {
  return report.kind === 'codec' ? 'codec' : report.scenario
}

export function compareToBaseline(current: AnyReport, baseline: AnyReport, defaultTolerancePct = DEFAULT_TOLERANCE_PCT): BaselineRow[] {
  if (scenarioOf(current) !== scenarioOf(baseline)) {
    throw new CiralabError(ErrorCode.REPORT_ERR_INPUT, `baseline is for scenario '${scenarioOf(baseline)}', the run is '${scenarioOf(current)}'`)
  }
  const now = flattenMetrics(current)
  const rows: BaselineRow[] = []
  for (const [path, base] of flattenMetrics(baseline)) {
    const better = base.better ?? 'none'
    if (better === 'none' || base.value === null) continue
    const tolerancePct = base.tolerancePct ?? defaultTolerancePct
    const value = now.get(path)?.value ?? null
    const row = { metric: path, unit: base.unit, better, baseline: base.value, current: value, tolerancePct }
    if (value === null) {
      rows.push({ ...row, changePct: null, status: 'missing' })
      continue
    }
    const changePct = base.value === 0 ? (value === 0 ? 0 : null) : ((value - base.value) / Math.abs(base.value)) * 100
    const worseBy = better === 'lower' ? value - base.value : base.value - value
    const allowed = (Math.abs(base.value) * tolerancePct) / 100
    const status = worseBy > allowed + 1e-12 ? 'regressed' : worseBy < -allowed ? 'improved' : 'ok'
    rows.push({ ...row, changePct, status })
  }
  return rows
}

export function formatBaselineRows(rows: readonly BaselineRow[]): string[][] {
  return rows.map((r) => [
    r.metric,
    `${formatNumber(r.baseline)} ${r.unit}`.trim(),
    r.current === null ? '—' : `${formatNumber(r.current)} ${r.unit}`.trim(),
    r.changePct === null ? (r.current === null ? '' : 'from 0') : `${r.changePct > 0 ? '+' : ''}${formatNumber(r.changePct)} %`,
    `${r.better} is better, ±${formatNumber(r.tolerancePct)} %`,
    r.status,
  ])
}
