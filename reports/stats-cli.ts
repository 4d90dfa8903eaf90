/** `ciralab stats LOGFILE|LOGDIR HOURS MINUTES`: the vendor's MPS statistics report over our logs. */

import { stat } from 'node:fs/promises'
import { Progress } from '../bench/progress.js'
import { formatHelp, parseCommand, stringOption, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { UsageError } from '../protocol/errors.js'
import { collectStats, formatStats, listLogFiles } from './stats.js'

export const statsSpec: CommandSpec = {
  name: 'stats',
  summary: "Count connections, authentication failures, blocked connections and errors in the gateway's logs over the last HOURS:MINUTES.",
  usage: ['ciralab stats LOGFILE HOURS MINUTES [options]', 'ciralab stats LOGDIR HOURS MINUTES [options]'],
  positionals: { min: 3, max: 3 },
  options: {
    json: { type: 'boolean', description: 'print the counts as JSON' },
    until: { type: 'string', placeholder: 'ISO', description: 'end of the period (e.g. 2026-01-31T12:00:00Z)', defaultText: 'now' },
  },
  epilog: [
    "Reads the gateway's pino JSON lines (`time`, `event`) from LOGFILE and its rotations",
    '(LOGFILE.1, LOGFILE.2, ..., .gz too), or from every *.log[.N] file in LOGDIR.',
    'Lines that are not JSON are counted as skipped.',
    '',
    'Example:',
    '  ciralab stats /var/log/ciralab/mps.log 24 0',
  ].join('\n'),
}

/** Progress is worth showing only when reading takes a while. */
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024

function wholeNumber(text: string, name: string, max: number): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${name} must be a whole number from 0 to ${max}, got '${text}'`)
  return n
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, positionals, help } = parseCommand(statsSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(statsSpec))
    return 0
  }
  const [path, hoursText, minutesText] = positionals as [string, string, string]
  const hours = wholeNumber(hoursText, 'HOURS', 100_000)
  const minutes = wholeNumber(minutesText, 'MINUTES', 100_000)
  if (hours === 0 && minutes === 0) throw new UsageError('the period is empty: give HOURS or MINUTES above 0')
  const untilText = stringOption(values, 'until')
  const until = untilText === undefined ? new Date() : new Date(untilText)
  if (Number.isNaN(until.getTime())) throw new UsageError(`--until: not a date '${untilText ?? ''}' (use ISO 8601, e.g. 2026-01-31T12:00:00Z)`)
  const from = new Date(until.getTime() - (hours * 60 + minutes) * 60_000)

  let totalBytes = 0
  for (const file of await listLogFiles(path)) totalBytes += (await stat(file)).size
  const progress = totalBytes >= PROGRESS_MIN_BYTES ? new Progress({ stream: ctx.stderr, label: 'reading logs', total: Math.round(totalBytes / 1e6), unit: 'MB' }) : null
  const stats = await collectStats(path, { from, until, ...(progress ? { onBytes: (b: number) => progress.update(Math.round(b / 1e6)) } : {}) })
  progress?.finish(Math.round(totalBytes / 1e6))

  ctx.stdout.write(values['json'] === true ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats, path))
  return 0
}
