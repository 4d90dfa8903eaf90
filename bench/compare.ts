/**
 * One report for the same scenario against two targets: A's results stay where they are (gates
 * and baselines address them as usual), B's go beside them under `GROUP-NAME.METRIC`, every
 * series, histogram, chart and table of B is prefixed with its name, and a table gives B / A
 * for every metric both measured.
 */

import type { Cell, Metric, ResultGroups } from '../reports/model.js'
import type { ScenarioOutcome } from './scenarios/types.js'

/** A name usable as part of a metric path (`[A-Za-z0-9_-]`). */
export function pathSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'b'
}

function ratioRows(a: ResultGroups, b: ResultGroups): Cell[][] {
  const rows: Cell[][] = []
  for (const [group, metrics] of Object.entries(a)) {
    for (const [name, ma] of Object.entries(metrics)) {
      const mb: Metric | undefined = b[group]?.[name]
      if (mb === undefined) continue
      const ratio = ma.value !== null && mb.value !== null && ma.value !== 0 ? Number((mb.value / ma.value).toPrecision(3)) : null
      rows.push([`${group}.${name}`, ma.unit, ma.value, mb.value, ratio])
    }
  }
  return rows
}

export function mergeComparison(a: ScenarioOutcome, aName: string, b: ScenarioOutcome, bName: string): ScenarioOutcome {
  const tag = pathSafe(bName)
  const bResults = b.results ?? {}
  const results: Record<string, ResultGroups[string]> = { ...(a.results ?? {}) }
  for (const [group, metrics] of Object.entries(bResults)) {
    // B's metrics are for reading, not gating: drop directions so baselines compare A only.
    results[`${group}-${tag}`] = Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, { value: m.value, unit: m.unit, ...(m.label === undefined ? {} : { label: m.label }) }]))
  }
  const prefix = `${bName}: `
  return {
    ...a,
    results,
    vendor: [...(a.vendor ?? []), ...(b.vendor ?? []).map((v) => ({ ...v, metric: `${prefix}${v.metric}` }))],
    series: [...(a.series ?? []), ...(b.series ?? []).map((s) => ({ ...s, name: `${prefix}${s.name}`, ...(s.chart === undefined ? {} : { chart: `${prefix}${s.chart}` }) }))],
    histograms: [...(a.histograms ?? []), ...(b.histograms ?? []).map((h) => ({ ...h, name: `${prefix}${h.name}` }))],
    charts: [...(a.charts ?? []), ...(b.charts ?? []).map((c) => ({ ...c, name: `${prefix}${c.name}`, title: `${prefix}${c.title}` }))],
    tables: [
      { title: `${aName} (A) and ${bName} (B), same scenario, same run`, columns: ['metric', 'unit', `A ${aName}`, `B ${bName}`, 'B / A'], rows: ratioRows(a.results ?? {}, bResults) },
      ...(a.tables ?? []),
      ...(b.tables ?? []).map((t) => ({ ...t, title: `${prefix}${t.title}` })),
    ],
    integrity: { ...(a.integrity ?? {}), ...Object.fromEntries(Object.entries(b.integrity ?? {}).map(([k, v]) => [`${tag}-${k}`, v])) },
    notes: [...(a.notes ?? []), ...(b.notes ?? []).map((n) => `${prefix}${n}`)],
  }
}
