/**
 * `ciralab devices --api URL[,URL...]`: the devices connected to one or more gateways, as a
 * table (SystemName, UUID, Gateway, connected since), like the vendor's
 * Get-AMTFCFHConnection script; --json for machines. Gateways that cannot be reached are
 * reported on stderr and make the exit status 1, the others are still listed.
 */

import { request } from 'undici'
import { formatHelp, parseCommand, stringOption, type CommandSpec } from '../cli/args.js'
import type { CliContext } from '../cli/context.js'
import { UsageError } from '../protocol/errors.js'

export const devicesSpec: CommandSpec = {
  name: 'devices',
  summary: 'List the devices connected to one or more ciralab gateways (admin API).',
  usage: ['ciralab devices --api http://HOST:7793[,http://HOST2:7793] [--json]'],
  options: {
    api: { type: 'string', placeholder: 'URLS', description: 'admin API base URLs, comma-separated (env CIRALAB_API)', defaultText: 'http://127.0.0.1:7793' },
    token: { type: 'string', placeholder: 'TOKEN', description: 'bearer token for the admin API (env CIRALAB_API_TOKEN)' },
    json: { type: 'boolean', description: 'print JSON instead of a table' },
    'timeout-ms': { type: 'string', placeholder: 'MS', description: 'per-gateway request timeout', defaultText: '5000' },
  },
}

export interface ListedDevice {
  readonly systemName: string
  readonly uuid: string
  readonly gateway: string
  readonly connectedSince: string
  readonly remoteAddress: string
}

interface ApiDevice {
  readonly uuid: string
  readonly hostname: string | null
  readonly connectedSince: string
  readonly remoteAddress: string
  /** With a cluster (gateway/cluster): the instance holding the device. */
  readonly instance?: string
}

export async function fetchDevices(base: string, token: string | null, timeoutMs: number): Promise<ListedDevice[]> {
  const url = new URL('/api/v1/devices', base)
  const res = await request(url, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  })
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.trim().slice(0, 200)}`)
  const body = JSON.parse(text) as { devices?: ApiDevice[] }
  const gateway = url.host
  return (body.devices ?? []).map((d) => ({ systemName: d.hostname ?? '', uuid: d.uuid, gateway: d.instance ?? gateway, connectedSince: d.connectedSince, remoteAddress: d.remoteAddress }))
}

export function formatDeviceTable(devices: readonly ListedDevice[]): string {
  const header = ['SystemName', 'UUID', 'Gateway', 'ConnectedSince']
  const rows = devices.map((d) => [d.systemName || '-', d.uuid, d.gateway, d.connectedSince])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)))
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ').trimEnd()
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n${devices.length} device${devices.length === 1 ? '' : 's'}\n`
}

export async function run(ctx: CliContext): Promise<number> {
  const { values, help } = parseCommand(devicesSpec, ctx.argv)
  if (help) {
    ctx.stdout.write(formatHelp(devicesSpec))
    return 0
  }
  const apis = (stringOption(values, 'api') ?? ctx.env['CIRALAB_API'] ?? 'http://127.0.0.1:7793').split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const api of apis) {
    if (!/^https?:\/\/[^/]+/.test(api)) throw new UsageError(`--api: '${api}' is not an http(s) URL`)
  }
  const timeoutText = stringOption(values, 'timeout-ms') ?? '5000'
  const timeoutMs = Number(timeoutText)
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UsageError(`--timeout-ms must be a whole number of milliseconds, got '${timeoutText}'`)
  const token = stringOption(values, 'token') ?? ctx.env['CIRALAB_API_TOKEN'] ?? null
  const results = await Promise.allSettled(apis.map((api) => fetchDevices(api, token, timeoutMs)))
  const devices: ListedDevice[] = []
  let failed = 0
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') devices.push(...result.value)
    else {
      failed++
      ctx.stderr.write(`ciralab devices: ${apis[i] ?? ''}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}\n`)
    }
  }
  // Instances of one cluster each list the whole fleet: a device held by one instance is shown once.
  const unique = [...new Map(devices.map((d) => [`${d.uuid} ${d.gateway}`, d])).values()]
  devices.splice(0, devices.length, ...unique)
  devices.sort((a, b) => a.systemName.localeCompare(b.systemName) || a.uuid.localeCompare(b.uuid))
  ctx.stdout.write(values['json'] === true ? `${JSON.stringify({ devices }, null, 2)}\n` : formatDeviceTable(devices))
  return failed === 0 ? 0 : 1
}
