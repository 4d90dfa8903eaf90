/** `ciralab bench SCENARIO`: capacity scenarios and the codec benchmark. Never part of `npm test` (their quick forms are). */

import { existsSync, readFileSync } from 'node:fs'
import { formatHelp, integerOption, parseCommand, stringOption, type CommandSpec, type ParsedValues } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { UsageError } from '../protocol/errors.js'
import { compareToBaseline, DEFAULT_TOLERANCE_PCT, formatBaselineRows } from '../reports/baseline.js'
import { readReportFile } from '../reports/cli.js'
import { evaluateGates, formatGateViolations, parseGates } from '../reports/gates.js'
import type { RunReport } from '../reports/model.js'
import { formatTextTable } from '../reports/text-table.js'
import { formatCodecRow, formatCodecTable, runCodecBench, writeCodecReport } from './codec.js'
import { stopOnSignals } from './progress.js'
import { runBenchScenario, type TargetSpec } from './runner.js'
import { SCENARIOS } from './scenarios/index.js'
import { formatRunSummary } from './summary.js'

const CODEC_SUMMARY = 'APF stream decode/encode speed on one core (no sockets)'

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary: 'Run a benchmark scenario against a CIRA gateway and write its report (JSON, Markdown, HTML) under --out.',
  usage: ['ciralab bench SCENARIO [--quick] [--devices N] [--duration SECONDS] [--target FILE] [--compare FILE] [--out DIR] [--gate FILE] [--baseline FILE] [--seed S]'],
  positionals: { min: 1, max: 1 },
  options: {
    quick: { type: 'boolean', description: 'the small form CI runs (seconds, tens of devices)' },
    devices: { type: 'string', placeholder: 'N', description: 'devices (scenario default; see below)' },
    duration: { type: 'string', placeholder: 'SECONDS', description: 'measuring time (stability: 60 s; 172800 = 48 h)' },
    target: { type: 'string', placeholder: 'FILE', description: 'a conformance target file (any CIRA gateway); default: start ours' },
    'target-pid': { type: 'string', placeholder: 'PID', description: "the target gateway's process, to measure its CPU and memory from /proc" },
    'target-log': { type: 'string', placeholder: 'FILE', description: "the target gateway's log file, to measure its log I/O" },
    compare: { type: 'string', placeholder: 'FILE', description: 'a second target run in the same run, alternating; the report gives ratios' },
    'compare-pid': { type: 'string', placeholder: 'PID', description: "the second target's process" },
    rounds: { type: 'string', placeholder: 'N', description: 'with --compare: rounds of A then B (results are medians)', defaultText: '1' },
    workers: { type: 'string', placeholder: 'K', description: 'simulator worker processes for idle fleets (0: in this process)', defaultText: 'one per 12,000 devices, at least 1' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the simulated fleet', defaultText: 'bench' },
    profile: { type: 'boolean', description: "run our gateway under Node's CPU profiler; the report links the profiles" },
    out: { type: 'string', placeholder: 'DIR', description: 'where reports go', defaultText: 'reports/out' },
    gate: { type: 'string', placeholder: 'FILE', description: "thresholds the run must meet ('group.metric OP number' per line); exit 1 on a violation" },
    baseline: { type: 'string', placeholder: 'FILE', description: 'a report of the same scenario this run must not fall behind; exit 1 on a regression' },
    tolerance: { type: 'string', placeholder: 'PCT', description: 'allowed regression against --baseline where a metric sets none', defaultText: String(DEFAULT_TOLERANCE_PCT) },
    seconds: { type: 'string', placeholder: 'N', description: 'codec: measuring time per case', defaultText: '1' },
  },
  epilog: [
    'Scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(18)}${s.summary}`),
    `  ${'codec'.padEnd(18)}${CODEC_SUMMARY}`,
    '',
    'Examples:',
    '  ciralab bench quick                                   # what npm start runs',
    '  ciralab bench stability --devices 1000 --duration 600',
    '  ciralab bench scale --compare conformance/targets/meshcentral.json',
    '  ciralab bench latency --quick --gate reports/baselines/gates/latency.txt --baseline reports/baselines/latency-quick.json',
    '',
    'Progress goes to stderr; Ctrl-C stops a run cleanly and still writes what was measured.',
    'Exit status: 0 done, 1 a gate failed, a baseline regressed or the run could not be done, 2 usage error.',
  ].join('\n'),
}

function positiveInteger(values: ParsedValues, name: string, max: number): number | null {
  return stringOption(values, name) === undefined ? null : integerOption(values, name, 0, 1, max)
}

function targetSpec(values: ParsedValues, fileKey: string, pidKey: string, logKey: string | null): TargetSpec | null {
  const file = stringOption(values, fileKey)
  if (file === undefined) return null
  if (!existsSync(file)) throw new UsageError(`--${fileKey}: no such file '${file}'`)
  const log = logKey === null ? undefined : stringOption(values, logKey)
  return { file, pid: positiveInteger(values, pidKey, 4_194_304), logPath: log ?? null }
}

function runCodec(ctx: CliContext, values: ParsedValues): number {
  const seconds = integerOption(values, 'seconds', 1, 1, 3600)
  const out = stringOption(values, 'out') ?? 'reports/out'
  ctx.stderr.write(`codec bench: ${seconds} s per case, 64 KiB chunks, one core\n`)
  const report = runCodecBench(seconds, (r) => ctx.stderr.write(`  ${formatCodecRow(r)}\n`))
  ctx.stdout.write(formatCodecTable(report))
  ctx.stdout.write(`report: ${writeCodecReport(report, out)}\n`)
  return 0
}

/** Gates and baseline on the run just made; false on any violation (printed as tables). */
function check(ctx: CliContext, report: RunReport, values: ParsedValues): boolean {
  let ok = true
  const gateFile = stringOption(values, 'gate')
  if (gateFile !== undefined) {
    const results = evaluateGates(parseGates(readFileSync(gateFile, 'utf8'), gateFile), report, report.scenario)
    const violations = formatGateViolations(results)
    ctx.stdout.write(`gates: ${results.length - violations.length} of ${results.length} passed (${gateFile})\n`)
    if (violations.length > 0) ctx.stdout.write(formatTextTable(['report', 'gate', 'actual', 'problem', 'where'], violations))
    ok = violations.length === 0
  }
  const baselineFile = stringOption(values, 'baseline')
  if (baselineFile !== undefined) {
    const tolerance = Number(stringOption(values, 'tolerance') ?? DEFAULT_TOLERANCE_PCT)
    if (!Number.isFinite(tolerance) || tolerance < 0) throw new UsageError(`--tolerance must be a percentage >= 0, got '${stringOption(values, 'tolerance') ?? ''}'`)
    const rows = compareToBaseline(report, readReportFile(baselineFile), tolerance)
    const bad = rows.filter((r) => r.status === 'regressed' || r.status === 'missing')
    ctx.stdout.write(`baseline: ${rows.length} metrics compared, ${bad.length} regressed or missing (${baselineFile})\n`)
    const shown = rows.filter((r) => r.status !== 'ok')
    if (shown.length > 0) ctx.stdout.write(formatTextTable(['metric', 'baseline', 'this run', 'change', 'rule', 'status'], formatBaselineRows(shown)))
    ok = ok && bad.length === 0
  }
  return ok
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, positionals, help } = parseCommand(benchSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(benchSpec))
    return 0
  }
  const name = positionals[0] as string
  if (name === 'codec') return runCodec(ctx, values)
  const scenario = SCENARIOS.find((s) => s.name === name)
  if (scenario === undefined) throw new UsageError(`unknown scenario '${name}' (scenarios: ${[...SCENARIOS.map((s) => s.name), 'codec'].join(', ')})`)
  for (const key of ['gate', 'baseline'] as const) {
    const file = stringOption(values, key)
    if (file !== undefined && !existsSync(file)) throw new UsageError(`--${key}: no such file '${file}'`)
  }
  const workersText = stringOption(values, 'workers')
  const params = {
    quick: values['quick'] === true,
    devices: positiveInteger(values, 'devices', 60_000),
    durationSeconds: positiveInteger(values, 'duration', 30 * 24 * 3600),
    seed: stringOption(values, 'seed') ?? 'bench',
    workers: workersText === undefined ? null : integerOption(values, 'workers', 0, 0, 64),
  }
  const stop = stopOnSignals({ stderr: ctx.stderr })
  try {
    const result = await runBenchScenario(scenario, {
      params,
      target: targetSpec(values, 'target', 'target-pid', 'target-log') ?? { file: null },
      compare: targetSpec(values, 'compare', 'compare-pid', null),
      rounds: integerOption(values, 'rounds', 1, 1, 100),
      out: stringOption(values, 'out') ?? 'reports/out',
      profile: values['profile'] === true,
      stderr: ctx.stderr,
      signal: stop.signal,
    })
    ctx.stdout.write(formatRunSummary(result.report, result.files))
    return check(ctx, result.report, values) ? 0 : 1
  } finally {
    stop.close()
  }
}
