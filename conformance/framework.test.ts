import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ALL_CASES } from './cases/index.js'
import { Evidence, ENTRY_BUDGET, HEX_LIMIT } from './evidence.js'
import { compareWithExpected, expectationsOf, readExpectFile } from './expect.js'
import { gradeOutcome, type CaseResult, type Verdict } from './model.js'
import { renderJunit } from './report/junit.js'
import { renderMatrixMarkdown } from './report/summary.js'
import { evidenceFileOf, writeMatrix, writeRunReport } from './report/write.js'
import type { SuiteRun } from './runner.js'
import { globToRegExp, selectCases } from './select.js'
import { loadTargetFile, parseTarget, TargetError } from './target.js'

const dir = mkdtempSync(join(tmpdir(), 'ciralab-conformance-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function result(id: string, verdict: Verdict, extra: Partial<CaseResult> = {}): CaseResult {
  return {
    id,
    title: `title of ${id}`,
    level: 'MUST',
    requirement: 'a requirement <with> "markup" & more',
    source: 'apf.md §1',
    verdict,
    expected: verdict === 'FAIL' ? 'REPLY' : null,
    actual: verdict === 'FAIL' ? 'nothing' : null,
    observed: verdict === 'INFO' ? 'seen' : null,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12,
    ...extra,
  }
}

function runOf(name: string, verdicts: Record<string, Verdict>): SuiteRun {
  return {
    target: { name, origin: `${name}.json`, description: '' },
    seed: 7,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    interrupted: false,
    records: Object.entries(verdicts).map(([id, v]) => ({ result: result(id, v), evidence: new Evidence().toJSON() })),
  }
}

describe('case catalogue', () => {
  it('has unique ids shaped group/topic/n, each with requirement, source and level', () => {
    const ids = ALL_CASES.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const c of ALL_CASES) {
      expect(c.id).toMatch(/^[a-z0-9]+\/[a-z0-9-]+\/\d+$/)
      expect(c.requirement.length).toBeGreaterThan(20)
      expect(c.source).toMatch(/apf\.md|redirection-wsman\.md|issue 5/)
      expect(['MUST', 'SHOULD', 'INFO']).toContain(c.level)
    }
  })
})

describe('grading', () => {
  it('grades a violation by level', () => {
    const v = { kind: 'violation', expected: 'A', actual: 'B' } as const
    expect(gradeOutcome('MUST', v)).toEqual({ verdict: 'FAIL', expected: 'A', actual: 'B', observed: null })
    expect(gradeOutcome('SHOULD', v).verdict).toBe('NON-STRICT')
    expect(gradeOutcome('INFO', v).verdict).toBe('INFO')
  })

  it('keeps INFO, PASS and NOT APPLICABLE apart', () => {
    expect(gradeOutcome('MUST', { kind: 'pass' }).verdict).toBe('PASS')
    expect(gradeOutcome('INFO', { kind: 'pass', note: 'x' })).toEqual({ verdict: 'INFO', expected: null, actual: null, observed: 'x' })
    expect(gradeOutcome('MUST', { kind: 'not-applicable', reason: 'no SOCKS5' })).toEqual({ verdict: 'NOT APPLICABLE', expected: null, actual: null, observed: 'no SOCKS5' })
  })
})

describe('--cases', () => {
  it('matches within and across segments, and whole subtrees without wildcards', () => {
    expect(globToRegExp('apf/*/1').test('apf/keepalive/1')).toBe(true)
    expect(globToRegExp('apf/*').test('apf/keepalive/1')).toBe(false)
    expect(globToRegExp('apf/**').test('apf/keepalive/1')).toBe(true)
    expect(globToRegExp('apf/keepalive').test('apf/keepalive/12')).toBe(true)
    expect(globToRegExp('apf/keep').test('apf/keepalive/1')).toBe(false)
    expect(globToRegExp('apf/auth/?').test('apf/auth/3')).toBe(true)
  })

  it('selects by comma list and refuses a selection of nothing', () => {
    const chosen = selectCases(ALL_CASES, 'tls/reject,apf/keepalive/1')
    expect(chosen.map((c) => c.id)).toEqual(['tls/reject/1', 'tls/reject/2', 'apf/keepalive/1'])
    expect(() => selectCases(ALL_CASES, 'nothing/here')).toThrow(/selects no case/)
    expect(selectCases(ALL_CASES, undefined, true).every((c) => c.fast)).toBe(true)
  })
})

describe('target files', () => {
  it('reports every problem at once, naming the field', () => {
    const bad = { name: '', device: { host: '10.0.0.5', port: 70000, tls: 'yes' }, credentials: { username: 'u' }, console: { socks5: 'nohost' }, extra: 1 }
    try {
      parseTarget(bad, 't.json', dir)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(TargetError)
      const problems = (error as TargetError).problems.join('\n')
      expect((error as TargetError).code).toBe('CFG_ERR_INVALID')
      expect(problems).toMatch(/unknown field "extra"/)
      expect(problems).toMatch(/target\.name must be a non-empty string/)
      expect(problems).toMatch(/device\.tls must be true or false/)
      expect(problems).toMatch(/port must be 1-65535, got 70000/)
      expect(problems).toMatch(/credentials\.password is required/)
      expect(problems).toMatch(/console\.socks5 must be "HOST:PORT"/)
    }
  })

  it('refuses hosts that are not loopback', () => {
    expect(() => parseTarget({ name: 'x', device: { host: '192.168.1.10', port: 4433, tls: false }, credentials: { username: 'u', password: 'p' } }, 't.json', dir)).toThrow(
      /not a loopback address/,
    )
  })

  it('reads the CA and a credentials file relative to the target file', () => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n')
    writeFileSync(join(dir, 'creds.json'), JSON.stringify({ username: 'dev', password: 'pw' }))
    const file = join(dir, 'target.json')
    writeFileSync(
      file,
      JSON.stringify({
        name: 'x',
        device: { host: '127.0.0.1', port: 4433, tls: true, ca: 'ca.pem', serverName: 'gw.test' },
        credentials: { file: 'creds.json' },
        console: { socks5: '127.0.0.1:1080', httpProxy: null },
        deviceOriginated: { allowed: ['127.0.0.1:9'] },
        timing: { idleTimeoutSeconds: 90 },
      }),
    )
    const t = loadTargetFile(file)
    expect(t.credentials).toEqual({ username: 'dev', password: 'pw' })
    expect(t.device.caPem).toMatch(/BEGIN CERTIFICATE/)
    expect(t.console).toEqual({ httpProxy: null, socks5: { host: '127.0.0.1', port: 1080 }, auth: null })
    expect(t.deviceOriginatedAllowed).toEqual([{ host: '127.0.0.1', port: 9 }])
    expect(t.idleTimeoutSeconds).toBe(90)
    expect(Object.isFrozen(t)).toBe(true)
  })

  it('ships a valid MeshCentral target file (its files appear once the peer is set up)', () => {
    const raw = JSON.parse(readFileSync(new URL('./targets/meshcentral.json', import.meta.url), 'utf8')) as { peer: string; device: { port: number } }
    expect(raw.peer).toBe('meshcentral')
    expect(raw.device.port).toBe(24330)
  })
})

describe('evidence', () => {
  it('keeps hex up to the limit and stops at the entry budget, counting the rest', () => {
    const e = new Evidence()
    const t = e.transcript('device', 'TLS')
    t.sentRaw('big', Buffer.alloc(HEX_LIMIT + 10, 0xab))
    for (let i = 0; i < ENTRY_BUDGET + 5; i++) t.event(`e${i}`)
    const data = e.toJSON()
    const first = data.transcripts[0]?.entries[0]
    expect(first?.bytes).toBe(HEX_LIMIT + 10)
    expect(first?.hex).toBe(`${'ab'.repeat(HEX_LIMIT)}…`)
    expect(data.transcripts[0]?.entries.length).toBe(ENTRY_BUDGET)
    expect(data.omittedEntries).toBe(6)
  })
})

describe('--expect', () => {
  it('flags only changes for the worse, and new failing cases', () => {
    const known = expectationsOf(runOf('t', { 'a/b/1': 'PASS', 'a/b/2': 'FAIL', 'a/b/3': 'NON-STRICT', 'a/b/4': 'PASS' }))
    const now = runOf('t', { 'a/b/1': 'NON-STRICT', 'a/b/2': 'PASS', 'a/b/3': 'FAIL', 'a/b/4': 'PASS', 'a/b/5': 'FAIL', 'a/b/6': 'INFO' })
    const changes = compareWithExpected(now, known)
    expect(changes.filter((c) => c.worse).map((c) => c.id)).toEqual(['a/b/1', 'a/b/3', 'a/b/5'])
    expect(changes.find((c) => c.id === 'a/b/2')).toEqual({ id: 'a/b/2', was: 'FAIL', now: 'PASS', worse: false })
  })

  it('refuses a file with an unknown verdict', () => {
    const file = join(dir, 'expect.json')
    writeFileSync(file, JSON.stringify({ target: 't', verdicts: { 'a/b/1': 'GREAT' } }))
    expect(() => readExpectFile(file)).toThrow(/unknown verdict "GREAT"/)
  })
})

describe('reports', () => {
  const run = runOf('ours', { 'apf/x/1': 'PASS', 'apf/x/2': 'FAIL', 'apf/y/1': 'NOT APPLICABLE', 'apf/y/2': 'NON-STRICT', 'apf/y/3': 'INFO' })

  it('writes JUnit with failures and skips counted and text escaped', () => {
    const xml = renderJunit(run, evidenceFileOf)
    expect(xml).toMatch(/<testsuite name="ours" tests="5" failures="1" errors="0" skipped="1"/)
    expect(xml).toMatch(/<failure message="expected REPLY; got nothing" type="FAIL">/)
    expect(xml).toMatch(/<skipped message="not applicable: /)
    expect(xml).toMatch(/NON-STRICT:/)
    expect(xml).toContain('a requirement &lt;with&gt; &quot;markup&quot; &amp; more')
    expect(xml).not.toMatch(/<with>/)
  })

  it('writes index.json, one JSON per case, Markdown and HTML', () => {
    const out = join(dir, 'report')
    writeRunReport(run, out)
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { counts: Record<string, number>; cases: Array<{ id: string; evidence: string }> }
    expect(index.counts).toEqual({ PASS: 1, 'NON-STRICT': 1, INFO: 1, FAIL: 1, 'NOT APPLICABLE': 1 })
    expect(index.cases[1]).toMatchObject({ id: 'apf/x/2', evidence: 'cases/apf-x-2.json' })
    const one = JSON.parse(readFileSync(join(out, 'cases', 'apf-x-2.json'), 'utf8')) as { verdict: string; evidence: { transcripts: unknown[] } }
    expect(one.verdict).toBe('FAIL')
    expect(one.evidence.transcripts).toEqual([])
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/\| `apf\/x\/2` title of apf\/x\/2 \| MUST \| FAIL \|/)
    expect(readFileSync(join(out, 'summary.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/)
  })

  it('renders a matrix with one column per target and a dash where a case did not run', () => {
    const other = runOf('theirs', { 'apf/x/1': 'FAIL', 'apf/z/1': 'PASS' })
    const md = renderMatrixMarkdown([run, other])
    expect(md).toMatch(/\| case \| level \| ours \| theirs \| findings \|/)
    expect(md).toMatch(/\| `apf\/x\/1` title of apf\/x\/1 \| MUST \| PASS \| FAIL \| theirs: expected REPLY; got nothing \|/)
    expect(md).toMatch(/\| `apf\/z\/1` .* \| – \| PASS \|/)
    expect(md).toContain('| apf/x | 1 PASS, 1 FAIL | 1 FAIL |')
    expect(md).toContain('| apf/y | 1 NON-STRICT, 1 INFO, 1 NOT APPLICABLE |  |')
    const files = writeMatrix([run, other], join(dir, 'matrix'))
    expect(readFileSync(files.html, 'utf8')).toMatch(/<th>theirs<\/th>/)
  })
})
