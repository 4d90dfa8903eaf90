/**
 * Runs the `ciralab` command in this process, as tests do: argv in, exit status and everything
 * written to stdout and stderr out. The environment is empty unless a test passes one, so a
 * developer's own settings never change a result.
 */

import { PassThrough } from 'node:stream'
import { main } from '../main.js'

export interface CliResult {
  readonly status: number
  readonly out: string
  readonly err: string
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<CliResult> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const out: string[] = []
  const err: string[] = []
  stdout.on('data', (d: Buffer) => out.push(d.toString()))
  stderr.on('data', (d: Buffer) => err.push(d.toString()))
  const status = await main(argv, env, { stdout, stderr })
  return { status, out: out.join(''), err: err.join('') }
}

/** `ciralab ARG...`, for tests that read better with the words spelt out. */
export function ciralab(...argv: string[]): Promise<CliResult> {
  return runCli(argv)
}
