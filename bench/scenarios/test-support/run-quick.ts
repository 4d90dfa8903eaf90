/**
 * Runs `ciralab bench SCENARIO --quick` in this process the way CI does: against our gateway (a
 * child from dist/, so `npm run build` first), simulator in this process, with the committed
 * gates (correctness: the exit status says whether they held), then compares the report with the
 * committed baseline. In CI the baseline's speed figures are informational: on a shared machine
 * neighbours' load alone moved them twentyfold here. Integrity counters (tolerance 0) must match,
 * and no metric of the baseline may be missing (the report's shape).
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli } from '../../../cli/test-support/run-cli.js'
import type { RunReport } from '../../../reports/model.js'
import { compareToBaseline, type BaselineRow } from '../../../reports/baseline.js'
import { readReportFile } from '../../../reports/cli.js'

export interface QuickRun {
  readonly status: number
  readonly out: string
  readonly err: string
  readonly report: RunReport
  readonly markdown: string
  readonly html: string
  readonly baseline: readonly BaselineRow[]
}

export async function benchQuick(scenario: string, extra: readonly string[] = []): Promise<QuickRun> {
  const dir = mkdtempSync(join(tmpdir(), `ciralab-bench-${scenario}-`))
  try {
    const argv = ['bench', scenario, '--quick', '--workers', '0', '--out', dir, '--gate', `reports/baselines/gates/${scenario}.txt`, ...extra]
    const { status, out: text, err } = await runCli(argv)
    const json = /report \(json\): (.+)/.exec(text)?.[1]
    if (json === undefined) throw new Error(`no report written (status ${status}):\n${text}\n${err}`)
    const report = readReportFile(json)
    if (report.kind !== 'run') throw new Error(`${json}: not a run report`)
    const md = json.replace(/\.json$/, '.md')
    const html = json.replace(/\.json$/, '.html')
    for (const f of [md, html]) if (!existsSync(f)) throw new Error(`missing ${f}`)
    // Read the renderings before the folder goes.
    const baseline = compareToBaseline(report, readReportFile(`reports/baselines/${scenario}-quick.json`))
    return { status, out: text, err, report, markdown: readFileSync(md, 'utf8'), html: readFileSync(html, 'utf8'), baseline }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What every run report must have, whatever the scenario. */
export function expectCommonShape(run: QuickRun, scenario: string): string[] {
  const problems: string[] = []
  const r = run.report
  if (r.scenario !== scenario) problems.push(`scenario ${r.scenario}`)
  if (r.interrupted) problems.push('interrupted')
  if (r.parameters['quick'] !== true) problems.push('parameters.quick is not true')
  if (r.parameters['target'] !== 'ciralab') problems.push(`parameters.target ${String(r.parameters['target'])}`)
  if (!r.series.some((s) => s.name === 'devices connected' && s.points.length > 0)) problems.push('no devices-connected series')
  if (!r.series.some((s) => s.name === 'gateway cpu' && s.points.length > 0)) problems.push('no gateway cpu series (from /proc)')
  if (!r.series.some((s) => s.name === 'gateway log-bytes')) problems.push('no gateway log-bytes series')
  if (!run.markdown.startsWith('# ')) problems.push('Markdown does not start with a title')
  if (!run.html.startsWith('<!DOCTYPE html>') || !run.html.includes('<svg')) problems.push('HTML without an SVG chart')
  if (!/gates: (\d+) of \1 passed/.test(run.out)) problems.push('gates did not all pass')
  if (run.status !== 0) problems.push(`exit status ${run.status}`)
  for (const row of run.baseline) {
    if (row.status === 'missing') problems.push(`baseline metric ${row.metric} missing`)
    if (row.status === 'regressed' && row.tolerancePct === 0) problems.push(`integrity metric ${row.metric} regressed: ${row.baseline} → ${String(row.current)}`)
  }
  return problems
}
