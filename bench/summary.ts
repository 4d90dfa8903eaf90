/** What `ciralab bench` prints at the end of a run: the key results, ours beside the vendor's, and where the report is. */

import { flattenMetrics, type RunReport } from '../reports/model.js'
import { formatWithUnit } from '../reports/sections.js'
import { formatTextTable } from '../reports/text-table.js'
import type { ReportFormat } from '../reports/write.js'

/** `ours / vendor` as a factor the reader can act on: `2.5× better`, `0.8× (worse)`. */
export function describeAgainstVendor(ours: number | null, vendor: number, better: 'lower' | 'higher'): string {
  if (ours === null) return 'not measured'
  if (ours === vendor) return 'same'
  if (vendor === 0 || ours === 0) return (better === 'lower') === ours < vendor ? 'better' : 'worse'
  const factor = better === 'lower' ? vendor / ours : ours / vendor
  return factor >= 1 ? `${factor.toPrecision(3)}× better` : `${(1 / factor).toPrecision(3)}× worse`
}

export function formatRunSummary(report: RunReport, files: Partial<Record<ReportFormat, string>>): string {
  const out: string[] = [`${report.title}${report.interrupted ? ' (interrupted: covers what was measured)' : ''}`, '']
  const rows = [...flattenMetrics(report)].filter(([path]) => !path.startsWith('integrity.')).map(([path, m]) => [path, formatWithUnit(m.value, m.unit), m.label ?? ''])
  out.push(formatTextTable(['metric', 'value', 'what'], rows))
  if (report.vendor.length > 0) {
    const vendorRows = report.vendor.map((v) => [v.metric, formatWithUnit(v.ours, v.unit), formatWithUnit(v.vendor, v.unit), describeAgainstVendor(v.ours, v.vendor, v.better)])
    out.push(formatTextTable(['against the vendor', 'ours', 'vendor', ''], vendorRows))
  }
  const integrity = Object.entries(report.integrity)
  if (integrity.length > 0) out.push(`integrity: ${integrity.map(([k, v]) => `${k} ${v}`).join(', ')}`, '')
  for (const note of report.notes) out.push(`note: ${note}`)
  if (report.notes.length > 0) out.push('')
  for (const format of ['json', 'md', 'html'] as const) if (files[format] !== undefined) out.push(`report (${format}): ${files[format]}`)
  return `${out.join('\n')}\n`
}
