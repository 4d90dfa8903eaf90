/**
 * The conformance case model: what a case is (a stable id tied to the part of the protocol it
 * tests, the requirement and where it comes from, MUST/SHOULD/INFO), what it returns, and how
 * that outcome is graded into a verdict.
 *
 * Grading follows h2spec and the Autobahn suite: a violated MUST is a FAIL with expected versus
 * actual; a violated SHOULD is NON-STRICT; a case about behaviour the protocol leaves open
 * records it as INFO; a case that needs a listener the target does not have is NOT APPLICABLE,
 * never PASS.
 */

import type { Evidence } from './evidence.js'
import type { ResolvedTarget } from './target.js'

/** How binding the requirement is (RFC 2119 words); INFO: the protocol leaves it open. */
export type Level = 'MUST' | 'SHOULD' | 'INFO'

export const VERDICTS = ['PASS', 'NON-STRICT', 'INFO', 'FAIL', 'NOT APPLICABLE'] as const
export type Verdict = (typeof VERDICTS)[number]

/** What a case needs from the target; a missing capability makes it NOT APPLICABLE. */
export type Capability = 'device' | 'device-tls' | 'console' | 'http-proxy' | 'socks5' | 'presence' | 'proxy-auth' | 'simulator'

export type Outcome =
  | { readonly kind: 'pass'; readonly note?: string }
  | { readonly kind: 'violation'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'info'; readonly observed: string }
  | { readonly kind: 'not-applicable'; readonly reason: string }

export interface CaseOptions {
  /** Seed for every random choice a case makes (fast-check, payloads, UUIDs). */
  readonly seed: number
  /** Messages the robustness case sends (10,000 in the full run). */
  readonly fuzzMessages: number
}

/** What a running case may use. Everything it opens through here is closed after it. */
export interface CaseContext {
  readonly caseId: string
  readonly target: ResolvedTarget
  readonly options: CaseOptions
  readonly evidence: Evidence
  /** Aborted when the case's deadline passes or the run is interrupted. */
  readonly signal: AbortSignal
  /** Run `close` after the case, whatever its outcome (newest first). */
  defer(close: () => Promise<void> | void): void
}

export interface ConformanceCase {
  /** Stable: `group/topic/n`, e.g. `apf/keepalive/3`. Never renumbered once published. */
  readonly id: string
  readonly title: string
  /** The requirement, one or two sentences. */
  readonly requirement: string
  /** Where it comes from: a section of ../shared/protocol/*.md (and the implementations cited there). */
  readonly source: string
  readonly level: Level
  readonly needs: readonly Capability[]
  /** Part of the quick subset `npm test` runs (a few seconds at most). */
  readonly fast: boolean
  /** Deadline for the whole case, milliseconds. */
  readonly timeoutMs: number
  run(ctx: CaseContext): Promise<Outcome>
}

/** The graded result of one case, with its evidence. */
export interface CaseResult {
  readonly id: string
  readonly title: string
  readonly level: Level
  readonly requirement: string
  readonly source: string
  readonly verdict: Verdict
  readonly expected: string | null
  readonly actual: string | null
  /** What was seen: the INFO observation, a PASS note, or the not-applicable reason. */
  readonly observed: string | null
  readonly startedAt: string
  readonly durationMs: number
}

/** Turn what a case returned into its verdict. */
export function gradeOutcome(level: Level, outcome: Outcome): Pick<CaseResult, 'verdict' | 'expected' | 'actual' | 'observed'> {
  switch (outcome.kind) {
    case 'pass':
      return { verdict: level === 'INFO' ? 'INFO' : 'PASS', expected: null, actual: null, observed: outcome.note ?? null }
    case 'info':
      return { verdict: 'INFO', expected: null, actual: null, observed: outcome.observed }
    case 'not-applicable':
      return { verdict: 'NOT APPLICABLE', expected: null, actual: null, observed: outcome.reason }
    case 'violation':
      return {
        verdict: level === 'MUST' ? 'FAIL' : level === 'SHOULD' ? 'NON-STRICT' : 'INFO',
        expected: outcome.expected,
        actual: outcome.actual,
        observed: null,
      }
  }
}

/** Thrown inside a case to end it with a violation; the runner grades it by the case's level. */
export class Violation extends Error {
  readonly expected: string
  readonly actual: string

  constructor(expected: string, actual: string) {
    super(`expected ${expected}, got ${actual}`)
    this.name = 'Violation'
    this.expected = expected
    this.actual = actual
  }
}

export const pass = (note?: string): Outcome => (note === undefined ? { kind: 'pass' } : { kind: 'pass', note })
export const info = (observed: string): Outcome => ({ kind: 'info', observed })
export const violation = (expected: string, actual: string): Outcome => ({ kind: 'violation', expected, actual })
export const notApplicable = (reason: string): Outcome => ({ kind: 'not-applicable', reason })

/** How bad a verdict is, for `--expect`: a change to a higher number is a change for the worse. */
export function verdictSeverity(verdict: Verdict): number {
  if (verdict === 'FAIL') return 2
  if (verdict === 'NON-STRICT') return 1
  return 0
}
