/**
 * `ciralab conformance`: put a CIRA gateway through the suite and write its report, or several
 * gateways side by side (`--matrix`). Exit status: 0 when no MUST case failed (with `--expect`:
 * when nothing changed for the worse), 1 otherwise, 2 on a bad command line.
 */

import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { formatHelp, integerOption, parseCommand, stringOption, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { UsageError } from '../protocol/errors.js'
import { ALL_CASES } from './cases/index.js'
import { compareWithExpected, readExpectFile, writeExpectFile } from './expect.js'
import type { CaseResult, ConformanceCase } from './model.js'
import { startReferenceGateway, type ReferenceGateway } from './reference.js'
import { writeMatrix, writeRunReport } from './report/write.js'
import { formatCounts } from './report/summary.js'
import { runSuite, type SuiteRun } from './runner.js'
import { selectCases } from './select.js'
import { installMeshCentral, meshCentralDir, MESHCENTRAL_PORTS, startMeshCentral, stopMeshCentral } from './peers/meshcentral.js'
import { loadTargetFile, peerOfTargetFile, type ResolvedTarget } from './target.js'

export const conformanceSpec: CommandSpec = {
  name: 'conformance',
  summary: 'Put a CIRA gateway through the conformance suite: a verdict and evidence per case.',
  usage: [
    'ciralab conformance [--target FILE] [--cases GLOB] [--seed N] [--report DIR] [--expect FILE]',
    'ciralab conformance --list [--cases GLOB]',
    'ciralab conformance --matrix TARGET... [--report DIR] [--matrix-out FILE]',
    'ciralab conformance peer meshcentral install|start|stop',
  ],
  positionals: { min: 0, max: 16 },
  options: {
    target: { type: 'string', placeholder: 'FILE', description: 'target file (JSON); without it the suite starts the reference gateway' },
    cases: { type: 'string', placeholder: 'GLOB', description: 'cases to run, e.g. apf/keepalive/* or apf/**,tls (comma list)', defaultText: 'all' },
    fast: { type: 'boolean', description: 'only the quick subset (what npm test runs)' },
    seed: { type: 'string', placeholder: 'N', description: 'seed for every random choice (UUIDs, payloads, fuzzing)', defaultText: '1' },
    report: { type: 'string', placeholder: 'DIR', description: 'report folder', defaultText: 'reports/out/conformance/TARGET' },
    expect: { type: 'string', placeholder: 'FILE', description: 'known verdicts: fail only on a change for the worse' },
    'write-expect': { type: 'string', placeholder: 'FILE', description: 'write this run\'s verdicts as the known verdicts' },
    list: { type: 'boolean', description: 'print the cases (id, level, title, source) without running them' },
    matrix: { type: 'boolean', description: 'run every TARGET (a file, or "reference") and write a side-by-side matrix' },
    'matrix-out': { type: 'string', placeholder: 'FILE', description: 'also copy the matrix Markdown here (e.g. reports/conformance-matrix.md)' },
    'fuzz-messages': { type: 'string', placeholder: 'N', description: 'random and mutated APF messages in robust/fuzz/*', defaultText: '10000' },
  },
  epilog: [
    'Verdicts: PASS; NON-STRICT (a SHOULD is violated); INFO (behaviour the protocol leaves open);',
    'FAIL (a MUST is violated, expected vs actual); NOT APPLICABLE (the target has no such listener).',
    'The report folder gets junit.xml, index.json, cases/*.json (transcripts), summary.md and summary.html.',
    '',
    'Examples:',
    '  ciralab conformance                                  # our gateway, every case',
    '  ciralab conformance --target conformance/targets/meshcentral.json --cases "apf/**"',
    '  ciralab conformance --matrix reference conformance/targets/meshcentral.json --matrix-out reports/conformance-matrix.md',
  ].join('\n'),
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, positionals, help } = parseCommand(conformanceSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(conformanceSpec))
    return 0
  }
  if (positionals[0] === 'peer') return runPeer(ctx, positionals.slice(1))
  const cases = selectCases(ALL_CASES, stringOption(values, 'cases'), values['fast'] === true)
  if (values['list'] === true) {
    ctx.stdout.write(formatCaseList(cases))
    return 0
  }
  const seed = integerOption(values, 'seed', 1, 0, 2 ** 31 - 1)
  const fuzzMessages = integerOption(values, 'fuzz-messages', 10_000, 1, 1_000_000)
  if (values['matrix'] === true) return runMatrix(ctx, positionals, cases, { seed, fuzzMessages }, values)
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ''}' (targets as arguments need --matrix; one target: --target FILE)`)
  const targetFile = stringOption(values, 'target')
  const expectFile = stringOption(values, 'expect')
  const expected = expectFile === undefined ? null : readExpectFile(expectFile)
  const run = await withTarget(ctx, targetFile ?? 'reference', (target) => runWithProgress(ctx, target, cases, { seed, fuzzMessages }))
  const dir = stringOption(values, 'report') ?? join('reports', 'out', 'conformance', run.target.name)
  writeRunReport(run, dir)
  ctx.stdout.write(`\n${run.target.name}: ${formatCounts(run)} in ${(run.durationMs / 1000).toFixed(1)} s\nreport: ${join(dir, 'summary.md')} (junit.xml, index.json, cases/)\n`)
  const writeExpect = stringOption(values, 'write-expect')
  if (writeExpect !== undefined) {
    writeExpectFile(writeExpect, run)
    ctx.stdout.write(`known verdicts written to ${writeExpect}\n`)
  }
  if (expected !== null) {
    const changes = compareWithExpected(run, expected)
    for (const c of changes) ctx.stdout.write(`${c.worse ? 'WORSE ' : 'better'} ${c.id}: ${c.was ?? '(new case)'} → ${c.now}\n`)
    return changes.some((c) => c.worse) || run.interrupted ? 1 : 0
  }
  return run.records.some((r) => r.result.verdict === 'FAIL') || run.interrupted ? 1 : 0
}

export function formatCaseList(cases: readonly ConformanceCase[]): string {
  const width = Math.max(...cases.map((c) => c.id.length)) + 2
  const lines = cases.map((c) => `${c.id.padEnd(width)}${c.level.padEnd(7)}${c.fast ? 'quick ' : 'full  '}${c.title}\n${' '.repeat(width)}${c.requirement}\n${' '.repeat(width)}source: ${c.source}`)
  return `${lines.join('\n')}\n${cases.length} cases\n`
}

export function formatProgress(r: CaseResult, index: number, total: number): string {
  const n = String(total).length
  const head = `[${String(index + 1).padStart(n)}/${total}] ${r.verdict.padEnd(14)} ${r.id.padEnd(20)} ${r.title} (${r.durationMs} ms)`
  if (r.verdict === 'FAIL' || r.verdict === 'NON-STRICT') return `${head}\n    expected: ${r.expected ?? ''}\n    actual:   ${r.actual ?? ''}\n`
  if (r.verdict === 'INFO' || r.verdict === 'NOT APPLICABLE') return `${head}\n    ${r.observed ?? ''}\n`
  return `${head}\n`
}

async function runWithProgress(ctx: CliContext, target: ResolvedTarget, cases: readonly ConformanceCase[], opts: { seed: number; fuzzMessages: number }): Promise<SuiteRun> {
  const controller = new AbortController()
  const onSigint = () => {
    ctx.stderr.write('conformance: interrupted, finishing the current case and writing the report\n')
    controller.abort()
  }
  process.once('SIGINT', onSigint)
  try {
    ctx.stdout.write(`conformance: ${cases.length} cases against ${target.name} (${target.origin}), seed ${opts.seed}\n`)
    return await runSuite(target, cases, { ...opts, signal: controller.signal, onResult: (r, i, total) => ctx.stdout.write(formatProgress(r, i, total)) })
  } finally {
    process.removeListener('SIGINT', onSigint)
  }
}

/**
 * Resolve `reference` (start our gateway, stop it after) or a target file (starting the peer it
 * names if it is not running, and stopping it after if this run started it), and run `body`.
 */
export async function withTarget<T>(ctx: CliContext, spec: string, body: (target: ResolvedTarget) => Promise<T>): Promise<T> {
  if (spec !== 'reference') {
    const peer = peerOfTargetFile(spec)
    if (peer === null) return body(loadTargetFile(spec))
    const handle = await startMeshCentral((line) => ctx.stderr.write(`conformance: ${line}\n`))
    try {
      return await body(loadTargetFile(spec))
    } finally {
      await handle.stop()
    }
  }
  ctx.stderr.write('conformance: starting the reference gateway on loopback\n')
  const gateway: ReferenceGateway = await startReferenceGateway()
  try {
    return await body(gateway.target)
  } finally {
    await gateway.stop()
  }
}

async function runMatrix(
  ctx: CliContext,
  targets: readonly string[],
  cases: readonly ConformanceCase[],
  opts: { seed: number; fuzzMessages: number },
  values: Record<string, unknown>,
): Promise<number> {
  if (targets.length === 0) throw new UsageError('--matrix needs at least one TARGET (a target file, or "reference")')
  const dir = typeof values['report'] === 'string' ? values['report'] : join('reports', 'out', 'conformance', 'matrix')
  const runs: SuiteRun[] = []
  for (const spec of targets) {
    const run = await withTarget(ctx, spec, (target) => runWithProgress(ctx, target, cases, opts))
    writeRunReport(run, join(dir, run.target.name))
    ctx.stdout.write(`${run.target.name}: ${formatCounts(run)}\n\n`)
    runs.push(run)
  }
  const written = writeMatrix(runs, dir)
  ctx.stdout.write(`matrix: ${written.markdown} and ${written.html}\n`)
  const out = values['matrix-out']
  if (typeof out === 'string') {
    mkdirSync(dirname(out), { recursive: true })
    copyFileSync(written.markdown, out)
    ctx.stdout.write(`matrix copied to ${out}\n`)
  }
  return runs.some((r) => r.interrupted) ? 1 : 0
}

/** `peer meshcentral install|start|stop`: the second real target, by hand. */
async function runPeer(ctx: CliContext, args: readonly string[]): Promise<number> {
  const [name, action] = args
  if (name !== 'meshcentral' || (action !== 'install' && action !== 'start' && action !== 'stop')) {
    throw new UsageError(`peer: expected 'peer meshcentral install|start|stop', got '${args.join(' ')}'`)
  }
  const log = (line: string) => ctx.stderr.write(`conformance: ${line}\n`)
  if (action === 'stop') {
    await stopMeshCentral(log)
    return 0
  }
  if (action === 'install') {
    installMeshCentral(meshCentralDir(), log)
    return 0
  }
  const handle = await startMeshCentral(log)
  ctx.stdout.write(`MeshCentral ${handle.started ? 'started' : 'already running'}: CIRA on 127.0.0.1:${MESHCENTRAL_PORTS.mps}; stop it with 'ciralab conformance peer meshcentral stop'\n`)
  return 0
}
