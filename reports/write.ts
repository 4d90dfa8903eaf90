/**
 * Writing a report: JSON (the record, validated first so a scenario bug shows at once, not when
 * someone renders the file later), Markdown and HTML beside it.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AnyReport } from './model.js'
import { renderHtml } from './render-html.js'
import { renderMarkdown } from './render-md.js'
import { validateReport } from './validate.js'

export type ReportFormat = 'json' | 'md' | 'html'
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'md', 'html']

/** `stability-2026-11-27T07-08-07`: scenario and start time, safe in any file system. */
export function reportBaseName(report: AnyReport): string {
  const scenario = report.kind === 'codec' ? 'codec' : report.scenario.replace(/[^A-Za-z0-9_-]+/g, '-')
  return `${scenario}-${report.startedAt.slice(0, 19).replace(/:/g, '-')}`
}

/** Writes the report in each format under `outDir`; returns the paths written, by format. */
export function writeReport(report: AnyReport, outDir: string, formats: readonly ReportFormat[] = REPORT_FORMATS, baseName = reportBaseName(report)): Partial<Record<ReportFormat, string>> {
  validateReport(JSON.parse(JSON.stringify(report)), baseName)
  mkdirSync(outDir, { recursive: true })
  const written: Partial<Record<ReportFormat, string>> = {}
  const runs = [{ label: baseName, report }]
  for (const format of formats) {
    const file = join(outDir, `${baseName}.${format}`)
    const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : format === 'md' ? renderMarkdown(runs) : renderHtml(runs)
    writeFileSync(file, text)
    written[format] = file
  }
  return written
}
