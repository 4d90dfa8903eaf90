/**
 * Known verdicts of a target (`--write-expect FILE`, read by `--expect FILE`), so CI can gate a
 * target that is not yet perfect: a run fails only on a change for the worse (a verdict whose
 * severity rose: PASS → NON-STRICT, anything → FAIL), or a new case that fails.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import { VERDICTS, verdictSeverity, type Verdict } from './model.js'
import type { SuiteRun } from './runner.js'

export interface ExpectFile {
  readonly target: string
  readonly writtenAt: string
  readonly verdicts: Readonly<Record<string, Verdict>>
}

export interface Change {
  readonly id: string
  readonly was: Verdict | null
  readonly now: Verdict
  readonly worse: boolean
}

export function expectationsOf(run: SuiteRun): ExpectFile {
  const verdicts: Record<string, Verdict> = {}
  for (const r of run.records) verdicts[r.result.id] = r.result.verdict
  return { target: run.target.name, writtenAt: new Date().toISOString(), verdicts }
}

export function writeExpectFile(file: string, run: SuiteRun): void {
  writeFileSync(file, `${JSON.stringify(expectationsOf(run), null, 2)}\n`)
}

export function readExpectFile(file: string): ExpectFile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `--expect ${file}: ${(error as Error).message}`)
  }
  const problems: string[] = []
  const obj = json as Partial<ExpectFile> | null
  if (obj === null || typeof obj !== 'object' || typeof obj.verdicts !== 'object' || obj.verdicts === null) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `--expect ${file}: not an expect file (no "verdicts" object)`)
  }
  for (const [id, v] of Object.entries(obj.verdicts)) {
    if (!(VERDICTS as readonly string[]).includes(v)) problems.push(`${id}: unknown verdict ${JSON.stringify(v)}`)
  }
  if (problems.length > 0) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `--expect ${file}: ${problems.join('; ')}`)
  return { target: String(obj.target ?? ''), writtenAt: String(obj.writtenAt ?? ''), verdicts: obj.verdicts }
}

/** Every case whose verdict differs from the expectation; `worse` marks the regressions. */
export function compareWithExpected(run: SuiteRun, expected: ExpectFile): Change[] {
  const changes: Change[] = []
  for (const { result } of run.records) {
    const was = expected.verdicts[result.id] ?? null
    if (was === result.verdict) continue
    const baseline = was === null ? 0 : verdictSeverity(was)
    changes.push({ id: result.id, was, now: result.verdict, worse: verdictSeverity(result.verdict) > baseline })
  }
  return changes
}
