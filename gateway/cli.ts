/** `ciralab gateway`: run the reference CIRA gateway until SIGTERM/SIGINT. */

import { fstatSync, readFileSync } from 'node:fs'
import { formatHelp, parseCommand, type CommandSpec, type OptionSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { SETTINGS, SETTING_KEYS, envNameOf } from './config-schema.js'
import { formatHostPort } from './config-values.js'
import { hashPassword } from './device/credentials.js'
import { isJournalStream } from './log-output.js'
import { runGateway } from './main.js'

function defaultText(value: unknown): string | undefined {
  if (value === null) return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(',')
  if (typeof value === 'object') return formatHostPort(value as { host: string; port: number })
  return String(value)
}

function settingOptions(): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {}
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key] as { flag?: string; placeholder?: string; description: string; default: unknown; parse: unknown }
    if (s.flag === undefined) continue
    // A description that names its own default (the FQDN: the host name) keeps it.
    const text = s.description.includes('(default:') ? undefined : defaultText(s.default)
    options[s.flag] =
      typeof s.default === 'boolean'
        ? { type: 'boolean', description: s.description }
        : { type: 'string', placeholder: s.placeholder ?? 'VALUE', description: s.description, ...(text === undefined ? {} : { defaultText: text }) }
  }
  return options
}

export const gatewaySpec: CommandSpec = {
  name: 'gateway',
  summary: 'Run the reference CIRA gateway: device listeners (APF over TLS and plain), HTTP and SOCKS5 proxies for consoles, admin API.',
  usage: ['ciralab gateway [options]', 'ciralab gateway --hash-password SECRET'],
  options: {
    config: { type: 'string', placeholder: 'FILE', description: 'JSON configuration file (env CIRALAB_CONFIG)' },
    'mps-config': { type: 'string', placeholder: 'FILE', description: "the vendor MPS's mps.config ([Network] listen addresses)" },
    user: { type: 'string', placeholder: 'NAME', description: 'device username (with --password; env CIRALAB_USER)' },
    password: { type: 'string', placeholder: 'SECRET', description: 'device password (env CIRALAB_PASSWORD)' },
    'hash-password': { type: 'string', placeholder: 'SECRET', description: 'print an scrypt hash for a config file and exit' },
    ...settingOptions(),
  },
  epilog: [
    'Every setting can also come from the JSON file (same names, nested: {"devices": {"idleTimeoutMs": 90000}})',
    `and from the environment (${envNameOf('devices.idleTimeoutMs')}, ${envNameOf('listen.deviceTls')}, ...).`,
    'Precedence: defaults < mps.config < file < environment < flags. Listen addresses take HOST:PORT, [IPv6]:PORT or off.',
    '',
    'When listening, one JSON line goes to stdout:',
    '  {"event":"ready","listeners":{"deviceTls":"127.0.0.1:4433",...}}',
    'Logs are JSON lines on stderr (under systemd: the journal, with priorities), or in --log-file,',
    'rotated by size: PATH, PATH.1 (newest) ... PATH.N. Signals: SIGHUP reloads the certificate and',
    'reopens the log file, SIGUSR2 toggles debug logs, SIGTERM/SIGINT stop gracefully (exit 0).',
    'Unsafe settings (a console listener or the admin API on a public address without credentials,',
    'APF in the clear on a public address, legacy TLS in public, no device credentials) refuse the',
    'start unless named in --allow-unsafe; see gateway/SECURITY.md.',
  ].join('\n'),
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, help } = parseCommand(gatewaySpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(gatewaySpec))
    return 0
  }
  const secret = values['hash-password']
  if (typeof secret === 'string') {
    ctx.stdout.write(`${await hashPassword(secret)}\n`)
    return 0
  }
  return runGateway(values, {
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    env: ctx.env,
    signals: process,
    readFile: (path) => readFileSync(path, 'utf8'),
    stderrIsJournal: ctx.stderr === process.stderr && isJournalStream(ctx.env['JOURNAL_STREAM'], fstatSync(2)),
    isRoot: process.getuid?.() === 0,
  })
}
