/**
 * JUnit XML for CI. JUnit has only pass, failure and skipped: FAIL is a failure, NOT APPLICABLE
 * is skipped, and NON-STRICT and INFO pass with the finding in system-out (a SHOULD violation
 * must not break a build; `--expect` is the tool for gating on it).
 */

import type { CaseRecord, SuiteRun } from '../runner.js'

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 forbids most control characters even when escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
}

function caseXml(r: CaseRecord, evidenceFile: string): string {
  const x = r.result
  const group = x.id.split('/').slice(0, -1).join('.')
  const head = `    <testcase classname="conformance.${escapeXml(group)}" name="${escapeXml(`${x.id} ${x.title}`)}" time="${(x.durationMs / 1000).toFixed(3)}">`
  const detail = `${x.level}: ${x.requirement}\nsource: ${x.source}\nevidence: ${evidenceFile}`
  switch (x.verdict) {
    case 'FAIL':
      return `${head}\n      <failure message="${escapeXml(`expected ${x.expected ?? ''}; got ${x.actual ?? ''}`)}" type="FAIL">${escapeXml(detail)}</failure>\n    </testcase>`
    case 'NOT APPLICABLE':
      return `${head}\n      <skipped message="${escapeXml(`not applicable: ${x.observed ?? ''}`)}"/>\n    </testcase>`
    case 'NON-STRICT':
      return `${head}\n      <system-out>${escapeXml(`NON-STRICT: expected ${x.expected ?? ''}; got ${x.actual ?? ''}\n${detail}`)}</system-out>\n    </testcase>`
    case 'INFO':
      return `${head}\n      <system-out>${escapeXml(`INFO: ${x.observed ?? x.actual ?? ''}\n${detail}`)}</system-out>\n    </testcase>`
    case 'PASS':
      return `${head}</testcase>`
  }
}

export function renderJunit(run: SuiteRun, evidenceFileOf: (id: string) => string): string {
  const count = (v: string) => run.records.filter((r) => r.result.verdict === v).length
  const cases = run.records.map((r) => caseXml(r, evidenceFileOf(r.result.id)))
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ciralab conformance" tests="${run.records.length}" failures="${count('FAIL')}" skipped="${count('NOT APPLICABLE')}" time="${(run.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${escapeXml(run.target.name)}" tests="${run.records.length}" failures="${count('FAIL')}" errors="0" skipped="${count('NOT APPLICABLE')}" timestamp="${run.startedAt}" time="${(run.durationMs / 1000).toFixed(3)}">`,
    `    <properties><property name="seed" value="${run.seed}"/><property name="target" value="${escapeXml(run.target.origin)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}
