/**
 * `ciralab`: one command, many subcommands. Each subcommand lives with its own program
 * (gateway/, simulator/, ...) and is loaded only when asked for, so `ciralab --help` and
 * `ciralab --version` stay fast.
 */

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CiralabError } from '../protocol/errors.js'
import type { CliContext, CommandModule } from './context.js'

export interface CommandEntry {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<CommandModule>
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'bench', summary: 'run a benchmark scenario and write its report', load: () => import('../bench/cli.js') },
  { name: 'certs', summary: 'create and check CA, gateway and device certificates', load: () => import('../pki/cli.js') },
  { name: 'conformance', summary: 'put a CIRA gateway through the conformance suite', load: () => import('../conformance/cli.js') },
  { name: 'devices', summary: 'list the devices connected to one or more gateways', load: () => import('../gateway/devices-cli.js') },
  { name: 'gateway', summary: 'run the reference CIRA gateway', load: () => import('../gateway/cli.js') },
  { name: 'report', summary: 'render, compare and gate benchmark reports (JSON)', load: () => import('../reports/cli.js') },
  { name: 'simulate', summary: 'bring up simulated AMT devices that call home to a gateway', load: () => import('../simulator/cli.js') },
  { name: 'stats', summary: "count connections, auth failures and errors in the gateway's logs", load: () => import('../reports/stats-cli.js') },
]

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'ciralab' && pkg.version) return pkg.version
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir)
  }
  return 'unknown'
}

export function formatMainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2
  return [
    'ciralab: Intel AMT CIRA lab (gateway, simulated fleet, conformance, benchmarks)',
    '',
    'Usage:',
    '  ciralab COMMAND [options]',
    '  ciralab COMMAND --help',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help',
    '  -v, --version  print the version',
    '',
  ].join('\n')
}

export interface MainIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
}

export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: MainIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(formatMainHelp())
    return first === undefined ? 2 : 0
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`ciralab ${packageVersion()}\n`)
    return 0
  }
  const entry = COMMANDS.find((c) => c.name === first)
  if (entry === undefined) {
    io.stderr.write(`ciralab: unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`)
    return 2
  }
  const ctx: CliContext = { argv: rest, env, stdout: io.stdout, stderr: io.stderr }
  try {
    const command = await entry.load()
    return await command.run(ctx)
  } catch (error) {
    if (error instanceof CiralabError) {
      io.stderr.write(`ciralab ${entry.name}: ${error.message}\n`)
      return error.code === 'CLI_ERR_USAGE' ? 2 : 1
    }
    throw error
  }
}
