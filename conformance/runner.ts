/**
 * Runs cases against one target, one at a time, each under its own deadline. Whatever a case
 * opened is closed after it (deferred closers, newest first), so one case's sockets never leak
 * into the next. A case that throws a Violation is graded by its level; a case that runs out of
 * time or throws anything else is a FAIL that says so.
 */

import { Evidence, type EvidenceData } from './evidence.js'
import { missingCapability } from './cases/support.js'
import { gradeOutcome, Violation, type CaseContext, type CaseOptions, type CaseResult, type ConformanceCase, type Outcome } from './model.js'
import type { ResolvedTarget } from './target.js'

export interface RunOptions extends CaseOptions {
  /** Called after each case, e.g. to print a progress line. */
  readonly onResult?: (result: CaseResult, index: number, total: number) => void
  /** Aborts the run between (and inside) cases, e.g. on Ctrl-C. */
  readonly signal?: AbortSignal
  /** Multiplies every case deadline (slow machines). */
  readonly timeoutScale?: number
}

export interface CaseRecord {
  readonly result: CaseResult
  readonly evidence: EvidenceData
}

export interface SuiteRun {
  readonly target: { readonly name: string; readonly origin: string; readonly description: string }
  readonly seed: number
  readonly startedAt: string
  readonly durationMs: number
  readonly interrupted: boolean
  readonly records: readonly CaseRecord[]
}

/** Extra time after the deadline for deferred closers. */
const CLEANUP_MS = 5000

export async function runSuite(target: ResolvedTarget, cases: readonly ConformanceCase[], options: RunOptions): Promise<SuiteRun> {
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const records: CaseRecord[] = []
  let interrupted = false
  for (const [index, c] of cases.entries()) {
    if (options.signal?.aborted === true) {
      interrupted = true
      break
    }
    const record = await runCase(target, c, options)
    records.push(record)
    options.onResult?.(record.result, index, cases.length)
  }
  return {
    target: { name: target.name, origin: target.origin, description: target.description },
    seed: options.seed,
    startedAt,
    durationMs: Math.round(performance.now() - t0),
    interrupted,
    records,
  }
}

export async function runCase(target: ResolvedTarget, c: ConformanceCase, options: RunOptions): Promise<CaseRecord> {
  const startedAt = new Date().toISOString()
  const t0 = performance.now()
  const evidence = new Evidence(t0)
  const missing = missingCapability(target, c.needs)
  let outcome: Outcome
  if (missing !== null) {
    outcome = { kind: 'not-applicable', reason: missing }
  } else {
    outcome = await runWithDeadline(target, c, options, evidence)
  }
  const durationMs = Math.round(performance.now() - t0)
  evidence.timing('caseMs', durationMs)
  const graded = gradeOutcome(c.level, outcome)
  const result: CaseResult = {
    id: c.id,
    title: c.title,
    level: c.level,
    requirement: c.requirement,
    source: c.source,
    ...graded,
    startedAt,
    durationMs,
  }
  return { result, evidence: evidence.toJSON() }
}

async function runWithDeadline(target: ResolvedTarget, c: ConformanceCase, options: RunOptions, evidence: Evidence): Promise<Outcome> {
  const controller = new AbortController()
  const closers: Array<() => Promise<void> | void> = []
  // Something a case opens after it ended (a tunnel that connected late) is closed at once.
  let ended = false
  const defer = (close: () => Promise<void> | void) => {
    if (!ended) return void closers.push(close)
    void Promise.resolve()
      .then(close)
      .catch(() => undefined)
  }
  const timeoutMs = Math.round(c.timeoutMs * (options.timeoutScale ?? 1))
  const onOuterAbort = () => controller.abort(new Error('run interrupted'))
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const ctx: CaseContext = {
    caseId: c.id,
    target,
    options: { seed: options.seed, fuzzMessages: options.fuzzMessages },
    evidence,
    signal: controller.signal,
    defer,
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<Outcome>((resolveDeadline) => {
    timer = setTimeout(() => {
      controller.abort(new Error('deadline'))
      resolveDeadline({ kind: 'violation', expected: `the case to finish within ${timeoutMs} ms`, actual: 'it was still waiting on the target at the deadline' })
    }, timeoutMs)
  })
  let outcome: Outcome
  try {
    outcome = await Promise.race([c.run(ctx).catch((error: unknown) => outcomeOfError(error)), deadline])
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onOuterAbort)
    if (!controller.signal.aborted) controller.abort(new Error('case finished'))
    ended = true
    await closeAll(closers, evidence)
  }
  return outcome
}

function outcomeOfError(error: unknown): Outcome {
  if (error instanceof Violation) return { kind: 'violation', expected: error.expected, actual: error.actual }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return { kind: 'violation', expected: 'the case to run to its end', actual: `it stopped on an error: ${text}` }
}

async function closeAll(closers: Array<() => Promise<void> | void>, evidence: Evidence): Promise<void> {
  const all = Promise.allSettled(closers.reverse().map(async (close) => close()))
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolveLate) => {
    timer = setTimeout(() => resolveLate('late'), CLEANUP_MS)
  })
  const r = await Promise.race([all, late])
  clearTimeout(timer)
  if (r === 'late') evidence.note(`cleanup took longer than ${CLEANUP_MS} ms`)
}
