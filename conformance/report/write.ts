/**
 * Writes a run into its report folder: one JSON per case (result + transcript), index.json
 * (every case: verdict, duration, evidence file), junit.xml, summary.md and summary.html.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SuiteRun } from '../runner.js'
import { renderJunit } from './junit.js'
import { countVerdicts, renderMatrixHtml, renderMatrixMarkdown, renderSummaryHtml, renderSummaryMarkdown } from './summary.js'

/** `apf/keepalive/3` → `cases/apf-keepalive-3.json` (relative to the report folder). */
export function evidenceFileOf(id: string): string {
  return `cases/${id.replace(/[^A-Za-z0-9._-]+/g, '-')}.json`
}

export interface IndexJson {
  readonly target: SuiteRun['target']
  readonly seed: number
  readonly startedAt: string
  readonly durationMs: number
  readonly interrupted: boolean
  readonly counts: Record<string, number>
  readonly cases: ReadonlyArray<{ id: string; title: string; level: string; verdict: string; durationMs: number; evidence: string }>
}

export function indexOf(run: SuiteRun): IndexJson {
  return {
    target: run.target,
    seed: run.seed,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    interrupted: run.interrupted,
    counts: countVerdicts(run),
    cases: run.records.map(({ result: r }) => ({
      id: r.id,
      title: r.title,
      level: r.level,
      verdict: r.verdict,
      durationMs: r.durationMs,
      evidence: evidenceFileOf(r.id),
    })),
  }
}

export function writeRunReport(run: SuiteRun, dir: string): string[] {
  mkdirSync(join(dir, 'cases'), { recursive: true })
  const written: string[] = []
  const put = (name: string, text: string) => {
    const path = join(dir, name)
    writeFileSync(path, text)
    written.push(path)
  }
  for (const r of run.records) {
    const caseJson = { target: run.target.name, seed: run.seed, ...r.result, evidence: r.evidence }
    writeFileSync(join(dir, evidenceFileOf(r.result.id)), `${JSON.stringify(caseJson, null, 1)}\n`)
  }
  put('index.json', `${JSON.stringify(indexOf(run), null, 2)}\n`)
  put('junit.xml', renderJunit(run, evidenceFileOf))
  put('summary.md', renderSummaryMarkdown(run, evidenceFileOf))
  put('summary.html', renderSummaryHtml(run, evidenceFileOf))
  return written
}

export function writeMatrix(runs: readonly SuiteRun[], dir: string): { markdown: string; html: string } {
  mkdirSync(dir, { recursive: true })
  const markdown = join(dir, 'matrix.md')
  const html = join(dir, 'matrix.html')
  writeFileSync(markdown, renderMatrixMarkdown(runs))
  writeFileSync(html, renderMatrixHtml(runs))
  return { markdown, html }
}
