/**
 * A self-contained HTML page: inline CSS and inline SVG, no scripts, nothing fetched, so it
 * opens from a CI artefact or an e-mail attachment as it is. Several reports give a comparison
 * table, their time series overlaid, and each report in full below (collapsible).
 */

import { LatencyHistogram } from '../bench/histogram.js'
import type { Chart, CodecBenchReport, RunReport, TimeSeries } from './model.js'
import {
  codecTable,
  comparisonTable,
  formatNumber,
  groupSeries,
  histogramTable,
  integrityTable,
  machineTable,
  parametersTable,
  resultsTable,
  timeAxis,
  vendorTable,
  type LabeledReport,
  type TableView,
} from './sections.js'
import { barChart, escapeXml as escape, extent, histogramChart, lineChart } from './svg.js'

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; max-width: 1100px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin-top: 18px; } .subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0 16px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d8d8d8; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } td.num { text-align: right; white-space: nowrap; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } svg.chart { max-width: 100%; height: auto; border: 1px solid #e5e5e5; }
.banner { background: #fff4e5; border: 1px solid #f0b46c; padding: 8px 12px; border-radius: 4px; }
details { margin: 12px 0; } summary { cursor: pointer; font-weight: 600; font-size: 16px; }
ul.notes li { margin: 2px 0; } footer { color: #777; margin-top: 32px; font-size: 12px; }
`

/** `headless`: a key/value table with row headers; `caption: false` when a heading says it already. */
export function htmlTable(view: TableView, options: { readonly headless?: boolean; readonly caption?: boolean } = {}): string {
  const headless = options.headless === true
  if (view.rows.length === 0) return ''
  const head = headless ? '' : `<thead><tr>${view.columns.map((c) => `<th scope="col">${escape(c)}</th>`).join('')}</tr></thead>`
  const rows = view.rows.map((r) => `<tr>${r.map((c, i) => (headless && i === 0 ? `<th scope="row">${escape(c)}</th>` : `<td${view.numeric[i] ? ' class="num"' : ''}>${escape(c)}</td>`)).join('')}</tr>`)
  const caption = options.caption === false ? '' : `<caption>${escape(view.title)}</caption>`
  return `<table>${caption}${head}<tbody>${rows.join('')}</tbody></table>`
}

function section(title: string, body: string, level = 2): string {
  return body === '' ? '' : `<section><h${level}>${escape(title)}</h${level}>\n${body}\n</section>`
}

/** One line chart per series group, time on x in s/min/h. */
function seriesCharts(series: readonly TimeSeries[], idPrefix: string): string {
  const maxT = Math.max(0, extent(series.flatMap((s) => s.points.map((p) => p[0]))).max)
  const axis = timeAxis(maxT)
  return groupSeries(series)
    .map((g, i) =>
      lineChart({
        id: `${idPrefix}-ts${i}`,
        title: `${g.key} (${g.unit})`,
        xLabel: axis.label,
        yLabel: g.unit,
        series: g.series.map((s) => ({ name: s.name, points: s.points.map((p) => [p[0] / axis.divisor, p[1]] as const) })),
      }),
    )
    .join('\n')
}

function histogramCharts(report: RunReport, idPrefix: string): string {
  return report.histograms
    .map((h, i) => {
      const hist = LatencyHistogram.fromJSON(h.histogram)
      const s = hist.summary()
      const markers = [
        { value: s.p50, label: `p50 ${formatNumber(s.p50 / 1000)} ms` },
        { value: s.p99, label: `p99 ${formatNumber(s.p99 / 1000)} ms` },
        { value: s.max, label: `max ${formatNumber(s.max / 1000)} ms` },
      ]
      return hist.count === 0 ? '' : histogramChart({ id: `${idPrefix}-h${i}`, title: h.name, buckets: [...hist.buckets()], markers })
    })
    .join('\n')
}

function otherCharts(charts: readonly Chart[], idPrefix: string): string {
  return charts
    .map((c, i) => {
      const id = `${idPrefix}-c${i}`
      if (c.kind === 'bars') return barChart({ id, title: c.title, unit: c.unit, groups: c.groups })
      const isRatio = c.y.unit === 'ratio'
      return lineChart({
        id,
        title: c.title,
        xLabel: axisLabel(c.x),
        yLabel: axisLabel(c.y),
        series: c.series,
        ...(c.knee ? { band: { from: c.knee.lastGoodX, to: c.knee.firstBadX, label: c.knee.label } } : {}),
        ...(isRatio ? { yMin: 0, yMax: 1 } : {}),
      })
    })
    .join('\n')
}

/** 'connected devices (devices)' says the unit twice: show it only when it adds something. */
function axisLabel(axis: { readonly label: string; readonly unit: string }): string {
  return axis.unit === '' || axis.unit === 'ratio' || axis.label.includes(axis.unit) ? axis.label : `${axis.label} (${axis.unit})`
}

function charts(body: string): string {
  return body.trim() === '' ? '' : `<div class="charts">${body}</div>`
}

function runBody(report: RunReport, id: string, level: number): string {
  const tables = report.tables.map((t) =>
    htmlTable({ title: t.title, columns: t.columns, rows: t.rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : (c ?? '—')))), numeric: t.columns.map((_, i) => t.rows.some((r) => typeof r[i] === 'number')) }),
  )
  const notes = report.notes.length === 0 ? '' : `<ul class="notes">${report.notes.map((n) => `<li>${escape(n)}</li>`).join('')}</ul>`
  return [
    section('Results', htmlTable(resultsTable(report), { caption: false }) + htmlTable(vendorTable(report)), level),
    section('Over time', charts(seriesCharts(report.series, id)), level),
    section('Latency', htmlTable(histogramTable(report)) + charts(histogramCharts(report, id)), level),
    section('Curves and throughput', charts(otherCharts(report.charts, id)), level),
    section('Tables', tables.join('\n'), level),
    section('Integrity (seen by the simulator)', htmlTable(integrityTable(report), { caption: false }), level),
    section('Parameters', htmlTable(parametersTable(report), { caption: false }), level),
    section('Notes', notes, level),
  ].join('\n')
}

function reportBody(r: LabeledReport, id: string, level: number): string {
  const report = r.report
  const banner = report.kind === 'run' && report.interrupted ? '<p class="banner"><strong>Interrupted:</strong> the run was stopped early; the figures cover what was measured until then.</p>' : ''
  const body = report.kind === 'codec' ? section('Results', htmlTable(codecTable(report)) + charts(codecChart(report, id)), level) : runBody(report, id, level)
  return [banner, body, section('Run and machine', htmlTable(machineTable(report), { headless: true, caption: false }), level)].join('\n')
}

function codecChart(report: CodecBenchReport, id: string): string {
  // Zero-copy framing touches 9 header bytes whatever the payload, so its "MB/s" would dwarf
  // the real decode and encode bars: chart those two only (the table has everything).
  const shown = report.results.filter((x) => x.operation === 'decode' || x.operation === 'encode')
  const groups = [...new Set(shown.map((x) => x.name))].map((name) => ({ label: name, bars: shown.filter((x) => x.name === name).map((x) => ({ name: x.operation, value: x.megabytesPerSecond })) }))
  return barChart({ id: `${id}-codec`, title: 'Decode and encode throughput by case', unit: 'MB/s', groups })
}

function titleOf(r: LabeledReport): string {
  return r.report.kind === 'run' ? r.report.title : 'APF codec benchmark'
}

function page(title: string, subtitle: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escape(title)}</h1><p class="subtitle">${escape(subtitle)}</p></header>`,
    `<main>\n${body}\n</main>`,
    '<footer>Generated by ciralab report. Self-contained: no scripts, no external resources.</footer>',
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** All series of every run overlaid, one chart per series group, named `#N series` (N: the run list). */
function overlaidSeries(runs: readonly LabeledReport[]): string {
  const all: TimeSeries[] = runs.flatMap((r, i) => (r.report.kind === 'run' ? r.report.series.map((s) => ({ ...s, chart: s.chart ?? s.name, name: `#${i + 1} ${s.name}` })) : []))
  return charts(seriesCharts(all, 'cmp'))
}

export function renderHtml(runs: readonly LabeledReport[]): string {
  const first = runs[0]
  if (first === undefined) return page('No reports', '', '')
  if (runs.length === 1) {
    const subtitle = `${first.label} · started ${first.report.startedAt}${first.report.kind === 'run' ? ` · scenario ${first.report.scenario}` : ''}`
    return page(titleOf(first), subtitle, reportBody(first, 'r0', 2))
  }
  const list = `<ul>${runs.map((r, i) => `<li>#${i + 1} ${escape(r.label)}: ${escape(titleOf(r))}, started ${escape(r.report.startedAt)}</li>`).join('')}</ul>`
  const details = runs.map((r, i) => `<details><summary>${escape(r.label)}: ${escape(titleOf(r))}</summary>\n${reportBody(r, `r${i}`, 3)}\n</details>`)
  const body = [section('Runs', list), section('Comparison (change against the first run)', htmlTable(comparisonTable(runs), { caption: false })), section('Over time, overlaid', overlaidSeries(runs)), section('Each run', details.join('\n'))].join('\n')
  return page(`Comparison of ${runs.length} runs`, runs.map((r) => r.label).join(' · '), body)
}
