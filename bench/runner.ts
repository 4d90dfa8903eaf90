/**
 * Runs one scenario end to end: the gateway under test (ours as a child process, or a target
 * file), the scenario's measurement, and the run report (JSON, Markdown, HTML). With a second
 * target the same scenario runs against both, alternating A, B, A, B, ... for `rounds` rounds;
 * the report shows both and the ratios.
 */

import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createRunReport, type Metric, type ResultGroups, type RunReport } from '../reports/model.js'
import { writeReport, type ReportFormat } from '../reports/write.js'
import type { ProgressStream } from './progress.js'
import { openTargetGateway, startOurGateway, type GatewayUnderTest } from './lab/gateway.js'
import type { Scenario, ScenarioOutcome, ScenarioParams } from './scenarios/types.js'
import { mergeComparison } from './compare.js'
import { findCpuProfiles, summarizeCpuProfiles } from './lab/cpu-profile.js'

export interface TargetSpec {
  /** A conformance target file; null: our gateway. */
  readonly file: string | null
  readonly pid?: number | null
  readonly logPath?: string | null
}

export interface RunOptions {
  readonly params: ScenarioParams
  readonly target: TargetSpec
  readonly compare: TargetSpec | null
  readonly rounds: number
  readonly out: string
  /** Run our gateway under the V8 CPU profiler; profiles go beside the report. */
  readonly profile: boolean
  readonly stderr: ProgressStream
  readonly signal: AbortSignal
}

export interface RunResult {
  readonly report: RunReport
  readonly files: Partial<Record<ReportFormat, string>>
}

async function openGateway(spec: TargetSpec, profileDir: string | null, stderr: ProgressStream): Promise<GatewayUnderTest> {
  if (spec.file === null) return startOurGateway({ profileDir })
  return openTargetGateway(spec.file, { pid: spec.pid ?? null, logPath: spec.logPath ?? null, log: (line) => stderr.write(`bench: ${line}\n`) })
}

async function measure(scenario: Scenario, spec: TargetSpec, options: RunOptions, profileDir: string | null): Promise<{ name: string; outcome: ScenarioOutcome; profileDir: string | null }> {
  options.stderr.write(`bench: ${scenario.name}: starting ${spec.file === null ? 'our gateway' : spec.file}\n`)
  const gateway = await openGateway(spec, profileDir, options.stderr)
  try {
    const outcome = await scenario.run({ params: options.params, gateway, stderr: options.stderr, signal: options.signal })
    return { name: gateway.name, outcome, profileDir: gateway.profileDir }
  } finally {
    await gateway.stop()
  }
}

export async function runBenchScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const startedAt = new Date().toISOString()
  const loadStart = loadavg()[0] ?? 0
  const stamp = startedAt.slice(0, 19).replace(/:/g, '-')
  const profileDir = options.profile ? join(options.out, `${scenario.name}-${stamp}-profile`) : null
  const a: { name: string; outcome: ScenarioOutcome; profileDir: string | null }[] = []
  const b: { name: string; outcome: ScenarioOutcome }[] = []
  const compareErrors: string[] = []
  for (let round = 0; round < (options.compare === null ? 1 : options.rounds) && !(round > 0 && options.signal.aborted); round++) {
    a.push(await measure(scenario, options.target, options, profileDir === null ? null : join(profileDir, `round-${round + 1}`)))
    if (options.compare === null || options.signal.aborted) continue
    try {
      b.push(await measure(scenario, options.compare, options, null))
    } catch (error) {
      // A's measurement stands on its own: report it, and say why B is missing.
      compareErrors.push(`round ${round + 1}: ${(error as Error).message}`)
      options.stderr.write(`bench: ${scenario.name}: the second target failed: ${(error as Error).message}\n`)
    }
  }
  const first = a[a.length - 1] as { name: string; outcome: ScenarioOutcome; profileDir: string | null }
  let outcome: ScenarioOutcome = { ...first.outcome, results: medianResults(a.map((r) => r.outcome.results ?? {})) }
  if (b.length > 0) outcome = mergeComparison(outcome, first.name, { ...(b[b.length - 1] as { outcome: ScenarioOutcome }).outcome, results: medianResults(b.map((r) => r.outcome.results ?? {})) }, (b[0] as { name: string }).name)
  const notes = [...(outcome.notes ?? []), ...compareErrors.map((e) => `The second target (${options.compare?.file ?? ''}) could not be measured, ${e}`)]
  if (profileDir !== null) {
    notes.push(`CPU profiles of the gateway (open in Chrome DevTools, Performance tab): ${profileDir}`)
    const table = summarizeCpuProfiles(findCpuProfiles(profileDir))
    if (table !== null) outcome = { ...outcome, tables: [...(outcome.tables ?? []), table] }
  }
  if (a.length > 1) notes.push(`Results are the median of ${a.length} rounds per target, alternating targets.`)
  const report = createRunReport({
    ...outcome,
    scenario: scenario.name,
    title: scenario.title,
    startedAt,
    interrupted: options.signal.aborted,
    // The machine is shared: its load says how far a speed figure can be trusted.
    parameters: { ...(outcome.parameters ?? {}), loadAverage1mStart: round2(loadStart), loadAverage1mEnd: round2(loadavg()[0] ?? 0), target: first.name, ...(b.length > 0 ? { compare: (b[0] as { name: string }).name, rounds: a.length } : {}), quick: options.params.quick, seed: options.params.seed },
    notes,
  })
  return { report, files: writeReport(report, options.out) }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}

/** Per metric, the median over rounds (a single round is returned as it is). */
/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function medianResults(rounds: readonly ResultGroups[]): ResultGroups {
  if (rounds.length === 1) return rounds[0] as ResultGroups
  const out: Record<string, Record<string, Metric>> = {}
  for (const [group, metrics] of Object.entries(rounds[0] ?? {})) {
    out[group] = {}
    for (const [name, m] of Object.entries(metrics)) {
      const values = rounds.map((r) => r[group]?.[name]?.value).filter((v): v is number => typeof v === 'number')
      out[group][name] = { ...m, value: median(values) }
    }
  }
  return out
}
