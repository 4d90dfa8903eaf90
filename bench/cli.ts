/** `ciralab bench SCENARIO`: benchmarks. Never part of `npm test`. */

import { formatHelp, integerOption, parseCommand, stringOption, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { UsageError } from '../protocol/errors.js'
import { formatCodecRow, formatCodecTable, runCodecBench, writeCodecReport } from './codec.js'

const SCENARIOS: Readonly<Record<string, string>> = {
  codec: 'APF stream decode/encode speed on one core (no sockets)',
}

export const benchSpec: CommandSpec = {
  name: 'bench',
  summary: 'Run a benchmark scenario and write its report (JSON) under --out.',
  usage: ['ciralab bench SCENARIO [options]'],
  positionals: { min: 1, max: 1 },
  options: {
    seconds: { type: 'string', placeholder: 'N', description: 'measuring time per case (codec)', defaultText: '1' },
    out: { type: 'string', placeholder: 'DIR', description: 'where reports go', defaultText: 'reports/out' },
  },
  epilog: `Scenarios:\n${Object.entries(SCENARIOS)
    .map(([name, text]) => `  ${name.padEnd(12)}${text}`)
    .join('\n')}`,
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, positionals, help } = parseCommand(benchSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(benchSpec))
    return 0
  }
  const scenario = positionals[0] as string
  if (!(scenario in SCENARIOS)) throw new UsageError(`unknown scenario '${scenario}' (scenarios: ${Object.keys(SCENARIOS).join(', ')})`)
  const seconds = integerOption(values, 'seconds', 1, 1, 3600)
  const out = stringOption(values, 'out') ?? 'reports/out'
  ctx.stderr.write(`codec bench: ${seconds} s per case, 64 KiB chunks, one core\n`)
  const report = runCodecBench(seconds, (r) => ctx.stderr.write(`  ${formatCodecRow(r)}\n`))
  ctx.stdout.write(formatCodecTable(report))
  ctx.stdout.write(`report: ${writeCodecReport(report, out)}\n`)
  return 0
}
