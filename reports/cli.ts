/** `ciralab report FILE.json...`: re-render, compare, gate and check against a baseline. */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { formatHelp, parseCommand, stringOption, type CommandSpec, type ParsedValues } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { CiralabError, ErrorCode, UsageError } from '../protocol/errors.js'
import { compareToBaseline, DEFAULT_TOLERANCE_PCT, formatBaselineRows } from './baseline.js'
import { evaluateGates, formatGateViolations, parseGates, type GateResult } from './gates.js'
import { flattenMetrics, type AnyReport } from './model.js'
import { renderHtml } from './render-html.js'
import { renderMarkdown } from './render-md.js'
import type { LabeledReport } from './sections.js'
import { formatTextTable } from './text-table.js'
import { validateReport } from './validate.js'
import { REPORT_FORMATS, type ReportFormat } from './write.js'

export const reportSpec: CommandSpec = {
  name: 'report',
  summary: 'Render run reports (JSON) as Markdown and HTML, compare runs, and check gates and baselines.',
  usage: ['ciralab report FILE.json... [options]'],
  positionals: { min: 1, max: 50 },
  options: {
    out: { type: 'string', placeholder: 'DIR', description: 'where the rendered files go', defaultText: 'reports/out' },
    format: { type: 'string', placeholder: 'LIST', description: 'comma-separated: md, html, json', defaultText: 'md,html' },
    gate: { type: 'string', placeholder: 'FILE', description: "thresholds, one 'group.metric OP number' per line (or JSON)" },
    baseline: { type: 'string', placeholder: 'FILE', description: 'a report of the same scenario the runs must not fall behind' },
    tolerance: { type: 'string', placeholder: 'PCT', description: 'allowed regression against the baseline, per metric unless the baseline sets its own', defaultText: String(DEFAULT_TOLERANCE_PCT) },
  },
  epilog: [
    'One file renders that run; several render a comparison (changes against the first) and each run.',
    '',
    'Examples:',
    '  ciralab report reports/out/stability-2026-01-01T00-00-00.json',
    '  ciralab report a.json b.json --format html --out /tmp/cmp',
    '  ciralab report run.json --gate reports/gates/stability.txt --baseline reports/baselines/stability.json',
    '',
    'Exit status: 0 all good, 1 a gate failed, a baseline regressed, or a file is bad, 2 usage error.',
  ].join('\n'),
}

function parseFormats(values: ParsedValues): ReportFormat[] {
  const text = stringOption(values, 'format') ?? 'md,html'
  const formats = text.split(',').map((f) => f.trim()).filter((f) => f !== '')
  for (const f of formats) {
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: unknown format '${f}' (formats: ${REPORT_FORMATS.join(', ')})`)
  }
  if (formats.length === 0) throw new UsageError('--format: give at least one of md, html, json')
  return [...new Set(formats)] as ReportFormat[]
}

function parseTolerance(values: ParsedValues): number {
  const text = stringOption(values, 'tolerance')
  if (text === undefined) return DEFAULT_TOLERANCE_PCT
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1000) throw new UsageError(`--tolerance must be a percentage from 0 to 1000, got '${text}'`)
  return n
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new CiralabError(ErrorCode.REPORT_ERR_INPUT, `${file}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
}

/** Reads and validates one report file; errors name the file and the field. */
export function readReportFile(file: string): AnyReport {
  const text = readText(file, 'the report')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new CiralabError(ErrorCode.REPORT_ERR_INPUT, `${file}: not JSON (${(error as Error).message})`)
  }
  return validateReport(data, file)
}

/** File names without `.json`, made unique. */
function labelsFor(files: readonly string[]): string[] {
  const labels = files.map((f) => basename(f).replace(/\.json$/i, ''))
  return labels.map((l, i) => (labels.indexOf(l) === i && labels.lastIndexOf(l) === i ? l : `${l} (${i + 1})`))
}

function outputBase(runs: readonly LabeledReport[]): string {
  if (runs.length === 1) return (runs[0] as LabeledReport).label
  const joined = `compare-${runs.map((r) => r.label).join('--')}`.replace(/[^A-Za-z0-9_.-]+/g, '_')
  return joined.length <= 120 ? joined : `${joined.slice(0, 100)}-and-${runs.length}-runs`
}

function comparisonJson(runs: readonly LabeledReport[], files: readonly string[]): string {
  const metrics = runs.map((r) => flattenMetrics(r.report))
  const paths = [...new Set(metrics.flatMap((m) => [...m.keys()]))]
  const rows = Object.fromEntries(paths.map((p) => [p, { unit: metrics.map((m) => m.get(p)?.unit).find((u) => u !== undefined), values: metrics.map((m) => m.get(p)?.value ?? null) }]))
  return `${JSON.stringify({ kind: 'comparison', runs: runs.map((r, i) => ({ label: r.label, file: files[i] })), metrics: rows }, null, 2)}\n`
}

function render(runs: readonly LabeledReport[], files: readonly string[], outDir: string, formats: readonly ReportFormat[]): string[] {
  mkdirSync(outDir, { recursive: true })
  const base = outputBase(runs)
  const written: string[] = []
  for (const format of formats) {
    const target = join(outDir, `${base}.${format}`)
    // Re-rendering a report in its own folder must not overwrite the record it came from.
    if (format === 'json' && runs.length === 1 && resolve(target) === resolve(files[0] ?? '')) continue
    const text = format === 'md' ? renderMarkdown(runs) : format === 'html' ? renderHtml(runs) : runs.length === 1 ? `${JSON.stringify(runs[0]?.report, null, 2)}\n` : comparisonJson(runs, files)
    writeFileSync(target, text)
    written.push(target)
  }
  return written
}

function checkGates(ctx: CliContext, gateFile: string, runs: readonly LabeledReport[]): boolean {
  const gates = parseGates(readText(gateFile, 'the gate file'), gateFile)
  const results: GateResult[] = runs.flatMap((r) => evaluateGates(gates, r.report, r.label))
  const violations = formatGateViolations(results)
  if (violations.length === 0) {
    ctx.stdout.write(`gates: ${results.length} checked, all passed (${gateFile})\n`)
    return true
  }
  ctx.stdout.write(`gates: ${violations.length} of ${results.length} violated (${gateFile})\n`)
  ctx.stdout.write(formatTextTable(['report', 'gate', 'actual', 'problem', 'where'], violations))
  return false
}

function checkBaseline(ctx: CliContext, baselineFile: string, tolerance: number, runs: readonly LabeledReport[]): boolean {
  const baseline = readReportFile(baselineFile)
  let ok = true
  for (const r of runs) {
    let rows
    try {
      rows = compareToBaseline(r.report, baseline, tolerance)
    } catch (error) {
      if (error instanceof CiralabError) throw new CiralabError(error.code, `${r.label}: ${error.message} (${baselineFile})`)
      throw error
    }
    const bad = rows.filter((row) => row.status === 'regressed' || row.status === 'missing')
    ctx.stdout.write(`baseline: ${r.label}: ${rows.length} metrics compared, ${bad.length} regressed or missing (${baselineFile})\n`)
    if (bad.length > 0 || rows.some((row) => row.status === 'improved')) {
      ctx.stdout.write(formatTextTable(['metric', 'baseline', 'this run', 'change', 'rule', 'status'], formatBaselineRows(rows.filter((row) => row.status !== 'ok'))))
    }
    if (bad.length > 0) ok = false
  }
  return ok
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, positionals, help } = parseCommand(reportSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(reportSpec))
    return 0
  }
  const formats = parseFormats(values)
  const tolerance = parseTolerance(values)
  const outDir = stringOption(values, 'out') ?? 'reports/out'
  const gateFile = stringOption(values, 'gate')
  const baselineFile = stringOption(values, 'baseline')
  if (gateFile !== undefined && !existsSync(gateFile)) throw new UsageError(`--gate: no such file '${gateFile}'`)
  if (baselineFile !== undefined && !existsSync(baselineFile)) throw new UsageError(`--baseline: no such file '${baselineFile}'`)

  const labels = labelsFor(positionals)
  const runs = positionals.map((file, i) => ({ label: labels[i] as string, report: readReportFile(file) }))
  for (const file of render(runs, positionals, outDir, formats)) ctx.stdout.write(`wrote ${file}\n`)

  let ok = true
  if (gateFile !== undefined) ok = checkGates(ctx, gateFile, runs) && ok
  if (baselineFile !== undefined) ok = checkBaseline(ctx, baselineFile, tolerance, runs) && ok
  return ok ? 0 : 1
}
