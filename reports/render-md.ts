/**
 * Markdown rendering of one report, or of several side by side. Charts become tables here
 * (min/mean/max of each series, the points of a curve, the bars of a bar chart): Markdown
 * readers in CI logs and pull requests have no SVG.
 */

import type { BarChart, RunReport, XyChart } from './model.js'
import {
  codecTable,
  comparisonTable,
  formatNumber,
  histogramTable,
  integrityTable,
  machineTable,
  parametersTable,
  resultsTable,
  seriesSummaryTable,
  vendorTable,
  type LabeledReport,
  type TableView,
} from './sections.js'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

export function markdownTable(view: TableView, level = 2): string {
  if (view.rows.length === 0) return ''
  const header = `| ${view.columns.map(cell).join(' | ')} |`
  const rule = `|${view.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`
  const rows = view.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)
  return [`${'#'.repeat(level)} ${view.title}`, '', header, rule, ...rows, ''].join('\n')
}

const MAX_CURVE_ROWS = 60

function xyTable(chart: XyChart): TableView {
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b)
  const step = Math.max(1, Math.ceil(xs.length / MAX_CURVE_ROWS))
  const rows = xs
    .filter((_, i) => i % step === 0 || i === xs.length - 1)
    .map((x) => [formatNumber(x), ...chart.series.map((s) => formatNumber(s.points.find((p) => p[0] === x)?.[1] ?? null))])
  return { title: chart.title, columns: [`${chart.x.label} (${chart.x.unit})`, ...chart.series.map((s) => `${s.name} (${chart.y.unit})`)], rows, numeric: [true, ...chart.series.map(() => true)] }
}

function barTable(chart: BarChart): TableView {
  const names = [...new Set(chart.groups.flatMap((g) => g.bars.map((b) => b.name)))]
  const rows = chart.groups.map((g) => [g.label, ...names.map((n) => formatNumber(g.bars.find((b) => b.name === n)?.value ?? null))])
  return { title: `${chart.title} (${chart.unit})`, columns: ['', ...names], rows, numeric: [false, ...names.map(() => true)] }
}

function runSections(report: RunReport, level: number): string[] {
  const out = [markdownTable(parametersTable(report), level), markdownTable(resultsTable(report), level), markdownTable(vendorTable(report), level)]
  out.push(markdownTable(histogramTable(report), level), markdownTable(seriesSummaryTable(report.series), level))
  for (const chart of report.charts) {
    out.push(markdownTable(chart.kind === 'xy' ? xyTable(chart) : barTable(chart), level))
    if (chart.kind === 'xy' && chart.knee) {
      out.push(`Knee: ${chart.knee.label} (still good at ${formatNumber(chart.knee.lastGoodX)}, failing from ${formatNumber(chart.knee.firstBadX)} ${chart.x.unit}).\n`)
    }
  }
  for (const t of report.tables) out.push(markdownTable({ title: t.title, columns: t.columns, rows: t.rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : (c ?? '—')))), numeric: t.columns.map((_, i) => t.rows.some((r) => typeof r[i] === 'number')) }, level))
  out.push(markdownTable(integrityTable(report), level))
  if (report.notes.length > 0) out.push(`${'#'.repeat(level)} Notes\n\n${report.notes.map((n) => `- ${cell(n)}`).join('\n')}\n`)
  return out
}

function reportBody(r: LabeledReport, level: number): string[] {
  const report = r.report
  const out: string[] = []
  if (report.kind === 'run' && report.interrupted) out.push('> **Interrupted**: the run was stopped early; the figures cover what was measured until then.\n')
  out.push(markdownTable(machineTable(report), level))
  if (report.kind === 'codec') {
    out.push(markdownTable(codecTable(report), level))
    out.push(`Targets: 32 KiB CHANNEL_DATA decode ≥ ${formatNumber(report.targets.channelData32kDecodeMBps)} MB/s, small messages decode ≥ ${formatNumber(report.targets.smallMessagesDecodePerSecond)}/s.\n`)
  } else {
    out.push(...runSections(report, level))
  }
  return out
}

function titleOf(r: LabeledReport): string {
  return r.report.kind === 'run' ? `${r.report.title} (${r.label})` : `APF codec benchmark (${r.label})`
}

/** One report as a page, or a comparison of several followed by each in full. */
export function renderMarkdown(runs: readonly LabeledReport[]): string {
  const first = runs[0]
  if (first === undefined) return ''
  if (runs.length === 1) return joinParts([`# ${titleOf(first)}`, '', ...reportBody(first, 2)])
  const parts = [`# Comparison of ${runs.length} runs`, '', ...runs.map((r, i) => `${i + 1}. ${r.label}: ${titleOf(r)}, started ${r.report.startedAt}`), '', markdownTable(comparisonTable(runs))]
  for (const r of runs) parts.push(`## ${titleOf(r)}`, '', ...reportBody(r, 3))
  return joinParts(parts)
}

function joinParts(parts: readonly string[]): string {
  return `${parts.filter((p) => p !== '').join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}
