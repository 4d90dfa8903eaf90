/**
 * Command-line parsing shared by every subcommand: node:util parseArgs underneath, a spec that
 * also renders `--help`, and one clear line on bad input (which option, what was wrong).
 */

import { parseArgs } from 'node:util'
import { UsageError } from '../protocol/errors.js'

export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly description: string
  readonly short?: string
  /** Shown in help as `--name VALUE`. */
  readonly placeholder?: string
  readonly multiple?: boolean
  /** Shown in help; the command applies it (so config files can tell "unset" from "default"). */
  readonly defaultText?: string
}

export interface CommandSpec {
  readonly name: string
  readonly summary: string
  /** Lines after `Usage:`, e.g. `ciralab bench SCENARIO [options]`. */
  readonly usage: readonly string[]
  readonly options: Readonly<Record<string, OptionSpec>>
  readonly positionals?: { readonly min: number; readonly max: number }
  /** Free text after the options: examples, exit status. */
  readonly epilog?: string
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>

export interface ParsedCommand {
  readonly values: ParsedValues
  readonly positionals: string[]
  readonly help: boolean
}

export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  }
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }
  }
  let parsed: { values: ParsedValues; positionals: string[] }
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as { values: ParsedValues; positionals: string[] }
  } catch (error) {
    throw new UsageError(`${spec.name}: ${describeParseError(error)} (see 'ciralab ${spec.name} --help')`)
  }
  const help = parsed.values['help'] === true
  if (!help && spec.positionals) {
    const n = parsed.positionals.length
    if (n < spec.positionals.min) throw new UsageError(`${spec.name}: missing argument (see 'ciralab ${spec.name} --help')`)
    if (n > spec.positionals.max) {
      throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[spec.positionals.max] ?? ''}' (see 'ciralab ${spec.name} --help')`)
    }
  } else if (!help && parsed.positionals.length > 0) {
    throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[0] ?? ''}' (see 'ciralab ${spec.name} --help')`)
  }
  return { values: parsed.values, positionals: parsed.positionals, help }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // parseArgs messages are multi-line with advice aimed at scripts; keep the first sentence.
  return (message.split('\n')[0] ?? message).replace(/\. To specify a positional argument.*$/, '')
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`${spec.summary}`, '', 'Usage:', ...spec.usage.map((u) => `  ${u}`), '', 'Options:']
  const rows: [string, string][] = Object.entries(spec.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`
    return [flag, `${o.description}${o.defaultText ? ` (default: ${o.defaultText})` : ''}`]
  })
  rows.push(['-h, --help', 'show this help'])
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2)
  for (const [flag, text] of rows) {
    lines.push(flag.length + 2 > width ? `  ${flag}\n  ${' '.repeat(width)}${text}` : `  ${flag.padEnd(width)}${text}`)
  }
  if (spec.epilog) lines.push('', spec.epilog)
  return `${lines.join('\n')}\n`
}

/** Value of a string option, or undefined. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const v = values[name]
  return typeof v === 'string' ? v : undefined
}

/** A whole number option within [min, max], with a one-line error naming the option. */
export function integerOption(values: ParsedValues, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const text = stringOption(values, name)
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${text}'`)
  }
  return n
}
