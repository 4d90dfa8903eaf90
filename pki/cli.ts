/** `ciralab certs init|device|check`: the certificates AMT and the gateway need, without a GUI. */

import { statSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { formatHelp, integerOption, parseCommand, stringOption, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { isUuidText } from '../protocol/apf/uuid.js'
import { UsageError } from '../protocol/errors.js'
import { createRootCa, issueClientCertificate, issueServerCertificate, SUPPORTED_KEY_SIZES, type KeySize } from './certificates.js'
import { checkCertificateSet, type Finding } from './check.js'
import { FILES, readRoot, readServerSet, writeCertificateSet, writeFiles } from './files.js'

const initSpec: CommandSpec = {
  name: 'certs init',
  summary: 'Create a root CA and a gateway server certificate with what AMT requires.',
  usage: ['ciralab certs init --fqdn NAME --out DIR [--ip ADDRESS]... [--key-size BITS] [--days N] [--force]'],
  options: {
    fqdn: { type: 'string', placeholder: 'NAME', description: 'the gateway name devices connect to (CN and DNS SAN)' },
    ip: { type: 'string', placeholder: 'ADDRESS', multiple: true, description: 'also an IP SAN (repeatable)' },
    'key-size': { type: 'string', placeholder: 'BITS', description: 'RSA key size of the server key', defaultText: '2048' },
    days: { type: 'string', placeholder: 'N', description: 'validity', defaultText: '825' },
    out: { type: 'string', placeholder: 'DIR', description: 'where the files go' },
    force: { type: 'boolean', description: 'overwrite existing files' },
  },
  epilog:
    'Writes TrustedRootCertificate.pem, ServerCertificate.pem, ServerCertificateKey.pem (mode 0600)\n' +
    'and TrustedRootCertificateKey.pem (mode 0600, for issuing device certificates).',
}

const deviceSpec: CommandSpec = {
  name: 'certs device',
  summary: 'Issue a device client certificate for mutual TLS, signed by the root in --ca.',
  usage: ['ciralab certs device --ca DIR --uuid UUID [--out DIR] [--days N] [--force]'],
  options: {
    ca: { type: 'string', placeholder: 'DIR', description: 'folder made by certs init' },
    uuid: { type: 'string', placeholder: 'UUID', description: 'the device UUID (becomes the CN)' },
    out: { type: 'string', placeholder: 'DIR', description: 'where the files go', defaultText: 'the --ca folder' },
    days: { type: 'string', placeholder: 'N', description: 'validity', defaultText: '825' },
    force: { type: 'boolean', description: 'overwrite existing files' },
  },
}

const checkSpec: CommandSpec = {
  name: 'certs check',
  summary: "Check a certificate set against AMT's limits and say exactly what is wrong.",
  usage: ['ciralab certs check DIR [--fqdn NAME] [--json]'],
  positionals: { min: 1, max: 1 },
  options: {
    fqdn: { type: 'string', placeholder: 'NAME', description: 'the gateway name the server certificate must carry' },
    json: { type: 'boolean', description: 'print findings as JSON' },
  },
  epilog: 'Exit status: 0 no errors (warnings allowed), 1 errors found, 2 bad arguments.',
}

const SUBCOMMANDS = { init: initSpec, device: deviceSpec, check: checkSpec } as const

function mainHelp(): string {
  return [
    'Certificates for the gateway and devices.',
    '',
    'Usage:',
    '  ciralab certs init --fqdn NAME --out DIR     root CA + server certificate',
    '  ciralab certs device --ca DIR --uuid UUID    device client certificate (mutual TLS)',
    '  ciralab certs check DIR [--fqdn NAME]        check a set against AMT limits',
    '',
    "Run 'ciralab certs SUBCOMMAND --help' for options.",
    '',
  ].join('\n')
}

function keySizeOf(values: Record<string, unknown>): KeySize {
  const text = typeof values['key-size'] === 'string' ? values['key-size'] : '2048'
  const n = Number(text)
  if (!(SUPPORTED_KEY_SIZES as readonly number[]).includes(n)) throw new UsageError(`--key-size must be one of ${SUPPORTED_KEY_SIZES.join(', ')}, got '${text}'`)
  return n as KeySize
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`)
  return v
}

function runInit(ctx: CliContext, argv: readonly string[]): number {
  const { values, help } = parseCommand(initSpec, argv)
  if (help) return write(ctx, formatHelp(initSpec))
  const fqdn = required(values, 'fqdn')
  const out = required(values, 'out')
  const ips = Array.isArray(values['ip']) ? (values['ip'] as string[]) : []
  for (const ip of ips) if (isIP(ip) === 0) throw new UsageError(`--ip '${ip}' is not an IP address`)
  const days = integerOption(values, 'days', 825, 1, 36500)
  const keySize = keySizeOf(values)
  const root = createRootCa({ commonName: `${fqdn} Root CA`, days })
  const server = issueServerCertificate(root, { fqdn, ips, keySize, days })
  const files = writeCertificateSet(out, root, server, values['force'] === true)
  for (const f of files) ctx.stdout.write(`wrote ${f.path}${f.secret ? ' (mode 0600)' : ''}\n`)
  ctx.stdout.write(`provision devices with the root: ${files[0]?.path ?? ''}\n`)
  return 0
}

function runDevice(ctx: CliContext, argv: readonly string[]): number {
  const { values, help } = parseCommand(deviceSpec, argv)
  if (help) return write(ctx, formatHelp(deviceSpec))
  const caDir = required(values, 'ca')
  const uuid = required(values, 'uuid').toLowerCase()
  if (!isUuidText(uuid)) throw new UsageError(`--uuid '${uuid}' is not a UUID (8-4-4-4-12 hex digits)`)
  const days = integerOption(values, 'days', 825, 1, 36500)
  const cert = issueClientCertificate(readRoot(caDir), { commonName: uuid, days })
  const out = stringOption(values, 'out') ?? caDir
  const files = writeFiles(
    out,
    [
      { name: `DeviceCertificate-${uuid}.pem`, content: cert.certificatePem, secret: false },
      { name: `DeviceCertificateKey-${uuid}.pem`, content: cert.privateKeyPem, secret: true },
    ],
    values['force'] === true,
  )
  for (const f of files) ctx.stdout.write(`wrote ${f.path}${f.secret ? ' (mode 0600)' : ''}\n`)
  return 0
}

function runCheck(ctx: CliContext, argv: readonly string[]): number {
  const { values, positionals, help } = parseCommand(checkSpec, argv)
  if (help) return write(ctx, formatHelp(checkSpec))
  const dir = positionals[0] as string
  const fqdn = stringOption(values, 'fqdn')
  const findings = [...checkCertificateSet(readServerSet(dir), fqdn === undefined ? {} : { fqdn }), ...checkKeyFileModes(dir)]
  if (values['json'] === true) ctx.stdout.write(`${JSON.stringify(findings, null, 2)}\n`)
  else ctx.stdout.write(formatFindings(findings))
  return findings.some((f) => f.severity === 'error') ? 1 : 0
}

/** Private keys any user can read are an error; group-readable (the gateway's group) is fine. */
function checkKeyFileModes(dir: string): Finding[] {
  const findings: Finding[] = []
  for (const name of [FILES.serverKey, FILES.rootKey]) {
    let mode: number
    try {
      mode = statSync(join(dir, name)).mode & 0o777
    } catch {
      continue
    }
    const octal = mode.toString(8).padStart(4, '0')
    if ((mode & 0o007) !== 0) findings.push({ severity: 'error', subject: name, message: `mode ${octal}: every user of this machine can read the key (chmod 0600, or 0640 for the gateway's group)` })
    else findings.push({ severity: 'ok', subject: name, message: `mode ${octal}` })
  }
  return findings
}

export function formatFindings(findings: readonly Finding[]): string {
  const mark = { ok: 'ok   ', warning: 'WARN ', error: 'ERROR' } as const
  const lines = findings.map((f) => `${mark[f.severity]} ${f.subject}: ${f.message}`)
  const errors = findings.filter((f) => f.severity === 'error').length
  const warnings = findings.filter((f) => f.severity === 'warning').length
  lines.push(`${errors} error(s), ${warnings} warning(s)`)
  return `${lines.join('\n')}\n`
}

function write(ctx: CliContext, text: string): number {
  ctx.stdout.write(text)
  return 0
}

export async function run(ctx: CliContext): Promise<number> {
  const [sub, ...rest] = ctx.argv
  if (sub === undefined || sub === '--help' || sub === '-h') return write(ctx, mainHelp())
  if (!(sub in SUBCOMMANDS)) throw new UsageError(`unknown subcommand '${sub}' (init, device, check)`)
  if (sub === 'init') return runInit(ctx, rest)
  if (sub === 'device') return runDevice(ctx, rest)
  return runCheck(ctx, rest)
}
