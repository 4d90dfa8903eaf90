/**
 * Human summaries of a run (Markdown and one self-contained HTML page) and the side-by-side
 * matrix of several targets. Both render from the run JSON alone.
 */

import { VERDICTS, type Verdict } from '../model.js'
import type { CaseRecord, SuiteRun } from '../runner.js'
import { escapeXml } from './junit.js'

export function countVerdicts(run: SuiteRun): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>
  for (const r of run.records) counts[r.result.verdict]++
  return counts
}

export function formatCounts(run: SuiteRun): string {
  const c = countVerdicts(run)
  return VERDICTS.map((v) => `${c[v]} ${v}`).join(', ')
}

const mdCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** What to show for a case in a table: expected/actual for failures, the observation otherwise. */
export function findingOf(r: CaseRecord): string {
  const x = r.result
  if (x.verdict === 'FAIL' || x.verdict === 'NON-STRICT') return `expected ${x.expected ?? ''}; got ${x.actual ?? ''}`
  return x.observed ?? x.actual ?? ''
}

export function renderSummaryMarkdown(run: SuiteRun, evidenceFileOf: (id: string) => string): string {
  const lines = [
    `# Conformance: ${run.target.name}`,
    '',
    `Target: ${run.target.origin}${run.target.description ? ` (${run.target.description})` : ''}  `,
    `Started ${run.startedAt}, ${(run.durationMs / 1000).toFixed(1)} s, seed ${run.seed}${run.interrupted ? ', **interrupted**' : ''}  `,
    `Verdicts: ${formatCounts(run)}`,
    '',
    '| case | level | verdict | ms | finding | evidence |',
    '| --- | --- | --- | ---: | --- | --- |',
    ...run.records.map((r) => {
      const x = r.result
      return `| \`${x.id}\` ${mdCell(x.title)} | ${x.level} | ${x.verdict} | ${x.durationMs} | ${mdCell(findingOf(r))} | [json](${evidenceFileOf(x.id)}) |`
    }),
    '',
  ]
  return lines.join('\n')
}

const VERDICT_COLOURS: Record<Verdict, string> = {
  PASS: '#d8f0d8',
  'NON-STRICT': '#fbeec1',
  INFO: '#dde8f7',
  FAIL: '#f6cfcf',
  'NOT APPLICABLE': '#e8e8e8',
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}th{background:#f4f4f4}
code{font-size:12px}.v{white-space:nowrap;font-weight:600}small{color:#555}`

function verdictCell(v: Verdict, title = ''): string {
  return `<td class="v" style="background:${VERDICT_COLOURS[v]}"${title ? ` title="${escapeXml(title)}"` : ''}>${v}</td>`
}

export function renderSummaryHtml(run: SuiteRun, evidenceFileOf: (id: string) => string): string {
  const rows = run.records.map((r) => {
    const x = r.result
    return `<tr><td><code>${escapeXml(x.id)}</code><br>${escapeXml(x.title)}<br><small>${escapeXml(x.requirement)} (${escapeXml(x.source)})</small></td><td>${x.level}</td>${verdictCell(x.verdict)}<td>${x.durationMs}</td><td>${escapeXml(findingOf(r))}</td><td><a href="${escapeXml(evidenceFileOf(x.id))}">json</a></td></tr>`
  })
  return page(
    `Conformance: ${run.target.name}`,
    `<p>Target: ${escapeXml(run.target.origin)}${run.target.description ? ` (${escapeXml(run.target.description)})` : ''}<br>Started ${run.startedAt}, ${(run.durationMs / 1000).toFixed(1)} s, seed ${run.seed}${run.interrupted ? ', <b>interrupted</b>' : ''}<br>Verdicts: ${escapeXml(formatCounts(run))}</p>
<table><tr><th>case</th><th>level</th><th>verdict</th><th>ms</th><th>finding</th><th>evidence</th></tr>
${rows.join('\n')}
</table>`,
  )
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>\n<h1>${escapeXml(title)}</h1>\n${body}\n</body></html>\n`
}

interface MatrixRow {
  readonly id: string
  readonly title: string
  readonly level: string
  readonly source: string
  readonly cells: ReadonlyArray<CaseRecord | null>
}

function matrixRows(runs: readonly SuiteRun[]): MatrixRow[] {
  const order: string[] = []
  const meta = new Map<string, CaseRecord>()
  for (const run of runs) {
    for (const r of run.records) {
      if (!meta.has(r.result.id)) {
        meta.set(r.result.id, r)
        order.push(r.result.id)
      }
    }
  }
  return order.map((id) => {
    const m = meta.get(id) as CaseRecord
    return {
      id,
      title: m.result.title,
      level: m.result.level,
      source: m.result.source,
      cells: runs.map((run) => run.records.find((r) => r.result.id === id) ?? null),
    }
  })
}

/** `apf/keepalive/3` → `apf/keepalive`: the part of the protocol a case is about. */
export function areaOf(id: string): string {
  return id.split('/').slice(0, 2).join('/')
}

/** Per area and target, the verdicts as "3 PASS, 1 FAIL" (in verdict order, zeros left out). */
export function areaSummary(runs: readonly SuiteRun[]): Array<{ area: string; cells: string[] }> {
  const areas: string[] = []
  for (const run of runs) for (const r of run.records) if (!areas.includes(areaOf(r.result.id))) areas.push(areaOf(r.result.id))
  return areas.map((area) => ({
    area,
    cells: runs.map((run) => {
      const inArea = run.records.filter((r) => areaOf(r.result.id) === area)
      return VERDICTS.map((v) => [v, inArea.filter((r) => r.result.verdict === v).length] as const)
        .filter(([, n]) => n > 0)
        .map(([v, n]) => `${n} ${v}`)
        .join(', ')
    }),
  }))
}

export function renderMatrixMarkdown(runs: readonly SuiteRun[]): string {
  const names = runs.map((r) => r.target.name)
  const lines = [
    '# Conformance matrix',
    '',
    'Each CIRA gateway put through `ciralab conformance` (same cases, same seed). Verdicts: PASS; NON-STRICT (a SHOULD is',
    'violated); INFO (the protocol leaves it open, behaviour recorded); FAIL (a MUST is violated); NOT APPLICABLE (the',
    'target has no such listener). The finding column says what each target did where it matters.',
    '',
    ...runs.map((r) => `- **${r.target.name}**: ${r.target.description || r.target.origin}; ${formatCounts(r)} (seed ${r.seed}, ${r.startedAt}, ${(r.durationMs / 1000).toFixed(0)} s)`),
    '',
    '## By area',
    '',
    `| area | ${names.map(mdCell).join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
    ...areaSummary(runs).map((a) => `| ${a.area} | ${a.cells.map(mdCell).join(' | ')} |`),
    '',
    '## Case by case',
    '',
    `| case | level | ${names.map(mdCell).join(' | ')} | findings |`,
    `| --- | --- | ${names.map(() => '---').join(' | ')} | --- |`,
  ]
  for (const row of matrixRows(runs)) {
    const verdicts = row.cells.map((c) => (c === null ? '–' : c.result.verdict))
    const findings = row.cells
      .map((c, i) => (c === null || c.result.verdict === 'PASS' ? null : `${names[i] ?? ''}: ${findingOf(c)}`))
      .filter((f): f is string => f !== null && f.length > 0)
    lines.push(`| \`${row.id}\` ${mdCell(row.title)} | ${row.level} | ${verdicts.join(' | ')} | ${mdCell(findings.join(' / '))} |`)
  }
  lines.push('')
  return lines.join('\n')
}

export function renderMatrixHtml(runs: readonly SuiteRun[]): string {
  const names = runs.map((r) => r.target.name)
  const rows = matrixRows(runs).map((row) => {
    const cells = row.cells.map((c) => (c === null ? '<td>–</td>' : verdictCell(c.result.verdict, findingOf(c))))
    return `<tr><td><code>${escapeXml(row.id)}</code><br>${escapeXml(row.title)}<br><small>${escapeXml(row.source)}</small></td><td>${row.level}</td>${cells.join('')}</tr>`
  })
  const summary = runs.map((r) => `<li><b>${escapeXml(r.target.name)}</b>: ${escapeXml(formatCounts(r))}</li>`).join('')
  const areas = areaSummary(runs)
    .map((a) => `<tr><td>${escapeXml(a.area)}</td>${a.cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('\n')
  return page(
    'Conformance matrix',
    `<ul>${summary}</ul>
<h2>By area</h2>
<table><tr><th>area</th>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr>
${areas}
</table>
<h2>Case by case</h2><p><small>Hover a verdict for the finding.</small></p>
<table><tr><th>case</th><th>level</th>${names.map((n) => `<th>${escapeXml(n)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>`,
  )
}
