/**
 * The vendor's MPS statistics report, over our gateway's logs: how many device and console
 * connections were opened and closed, authentication failures, blocked connections and errors
 * in the last HOURS:MINUTES.
 *
 * Input: pino JSON lines (one object per line) with `time` (ms since the epoch, or an ISO
 * string) and, for the lines that count, an `event` name. Rotated files are read too: for
 * `mps.log`, also `mps.log.1`, `mps.log.2`, ... (and `.gz` versions), oldest first; for a folder,
 * every `*.log` and `*.log.N[.gz]` in it. Files are streamed line by line (a line longer than
 * the limit is skipped, never buffered whole); lines that are not JSON are counted as skipped.
 * A file last modified before the period cannot hold lines in it and is not opened.
 */

import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { pipeline, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { CiralabError, ErrorCode } from '../protocol/errors.js'

/** The event names the gateway logs and this report counts (the gateway must use exactly these). */
export const STAT_EVENTS = ['device-connected', 'device-disconnected', 'console-opened', 'console-closed', 'apf-auth-failed', 'socks-auth-failed', 'blocked-tcp', 'blocked-udp', 'connection-error', 'general-error'] as const
export type StatEvent = (typeof STAT_EVENTS)[number]

export interface LogCounts {
  deviceConnectionsOpened: number
  deviceConnectionsClosed: number
  /** Closed with `expected: true` (shutdown, policy); the rest are unexpected. */
  deviceConnectionsClosedExpected: number
  deviceConnectionsClosedUnexpected: number
  consoleConnectionsOpened: number
  consoleConnectionsClosed: number
  apfAuthFailures: number
  socksAuthFailures: number
  blockedUdpConnections: number
  blockedTcpConnections: number
  connectionErrors: number
  generalErrors: number
}

export interface LineCounts {
  read: number
  inPeriod: number
  /** Not a JSON object: skipped. */
  notJson: number
  withoutTime: number
  /** Longer than the line limit: skipped without being buffered. */
  tooLong: number
}

export interface LogStats {
  readonly period: { readonly from: string; readonly until: string }
  readonly files: readonly string[]
  /** Files not opened because they were last modified before the period began. */
  readonly filesSkipped: number
  readonly counts: LogCounts
  readonly lines: Readonly<LineCounts>
}

export interface StatsOptions {
  readonly from: Date
  readonly until: Date
  /** Longest line considered (default 64 KiB). */
  readonly maxLineBytes?: number
  /** Called with bytes read so far, for progress on big logs. */
  readonly onBytes?: (bytes: number) => void
}

/** `mps.log.3.gz` → rotation number 3; the live file is 0. */
function rotationOf(name: string): number {
  const match = /\.log\.(\d+)(?:\.gz)?$/.exec(name)
  return match === null ? 0 : Number(match[1])
}

/** The log files to read, oldest first (highest rotation number first). */
export async function listLogFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CiralabError(ErrorCode.REPORT_ERR_INPUT, `${path}: cannot read the log (${error.code ?? error.message})`)
  })
  let files: string[]
  if (info.isDirectory()) {
    files = (await readdir(path)).filter((f) => /\.log(\.\d+)?(\.gz)?$/.test(f)).map((f) => join(path, f))
  } else {
    const base = basename(path)
    const rotated = (await readdir(dirname(path))).filter((f) => f.startsWith(`${base}.`) && /^\.\d+(\.gz)?$/.test(f.slice(base.length)))
    files = [path, ...rotated.map((f) => join(dirname(path), f))]
  }
  return files.sort((a, b) => rotationOf(basename(b)) - rotationOf(basename(a)) || a.localeCompare(b))
}

export function emptyCounts(): LogCounts {
  return {
    deviceConnectionsOpened: 0,
    deviceConnectionsClosed: 0,
    deviceConnectionsClosedExpected: 0,
    deviceConnectionsClosedUnexpected: 0,
    consoleConnectionsOpened: 0,
    consoleConnectionsClosed: 0,
    apfAuthFailures: 0,
    socksAuthFailures: 0,
    blockedUdpConnections: 0,
    blockedTcpConnections: 0,
    connectionErrors: 0,
    generalErrors: 0,
  }
}

/** Adds one logged event to the counts. */
export function countEvent(counts: LogCounts, event: string, record: Record<string, unknown>): void {
  switch (event) {
    case 'device-connected':
      counts.deviceConnectionsOpened++
      return
    case 'device-disconnected':
      counts.deviceConnectionsClosed++
      if (record['expected'] === true) counts.deviceConnectionsClosedExpected++
      else counts.deviceConnectionsClosedUnexpected++
      return
    case 'console-opened':
      counts.consoleConnectionsOpened++
      return
    case 'console-closed':
      counts.consoleConnectionsClosed++
      return
    case 'apf-auth-failed':
      counts.apfAuthFailures++
      return
    case 'socks-auth-failed':
      counts.socksAuthFailures++
      return
    case 'blocked-tcp':
      counts.blockedTcpConnections++
      return
    case 'blocked-udp':
      counts.blockedUdpConnections++
      return
    case 'connection-error':
      counts.connectionErrors++
      return
    case 'general-error':
      counts.generalErrors++
  }
}

function timeOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string') {
    const t = Date.parse(value)
    return Number.isNaN(t) ? null : t
  }
  return null
}

/** Splits a byte stream into lines, dropping (and counting) lines longer than `max` bytes. */
async function* readLines(stream: Readable, max: number, onTooLong: () => void): AsyncGenerator<string> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let discarding = false
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      start = nl + 1
      if (discarding || pendingBytes + piece.length > max) onTooLong()
      else yield pending.length === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8')
      pending = []
      pendingBytes = 0
      discarding = false
    }
    const rest = chunk.subarray(start)
    if (rest.length === 0 || discarding) continue
    if (pendingBytes + rest.length > max) {
      pending = []
      pendingBytes = 0
      discarding = true
    } else {
      pending.push(Buffer.from(rest))
      pendingBytes += rest.length
    }
  }
  if (discarding) onTooLong()
  else if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8')
}

function countLine(line: string, from: number, until: number, counts: LogCounts, lines: LineCounts): void {
  if (line.trim() === '') return
  lines.read++
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    lines.notJson++
    return
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    lines.notJson++
    return
  }
  const r = record as Record<string, unknown>
  const time = timeOf(r['time'])
  if (time === null) {
    lines.withoutTime++
    return
  }
  if (time < from || time > until) return
  lines.inPeriod++
  if (typeof r['event'] === 'string') countEvent(counts, r['event'], r)
}

export async function collectStats(path: string, options: StatsOptions): Promise<LogStats> {
  const from = options.from.getTime()
  const until = options.until.getTime()
  const counts = emptyCounts()
  const lines: LineCounts = { read: 0, inPeriod: 0, notJson: 0, withoutTime: 0, tooLong: 0 }
  const files: string[] = []
  let filesSkipped = 0
  let bytesBefore = 0
  for (const file of await listLogFiles(path)) {
    const info = await stat(file)
    if (info.mtimeMs < from) {
      filesSkipped++
      continue
    }
    files.push(file)
    const raw = createReadStream(file)
    if (options.onBytes) raw.on('data', () => options.onBytes?.(bytesBefore + raw.bytesRead))
    // pipeline() carries a read error of the file into the gunzip stream we iterate.
    const source: Readable = file.endsWith('.gz') ? pipeline(raw, createGunzip(), () => {}) : raw
    try {
      for await (const line of readLines(source, options.maxLineBytes ?? 64 * 1024, () => lines.tooLong++)) countLine(line, from, until, counts, lines)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      throw new CiralabError(ErrorCode.REPORT_ERR_INPUT, `${file}: cannot read the log (${e.code ?? e.message})`, { cause: error })
    }
    bytesBefore += info.size
  }
  return { period: { from: options.from.toISOString(), until: options.until.toISOString() }, files, filesSkipped, counts, lines }
}

function formatTime(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`
}

function formatSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** The text report, one line per count, like the vendor's statistics generator. */
export function formatStats(stats: LogStats, logPath: string): string {
  const c = stats.counts
  const span = Date.parse(stats.period.until) - Date.parse(stats.period.from)
  const rows: [string, string][] = [
    ['Device connections opened', String(c.deviceConnectionsOpened)],
    ['Device connections closed', `${c.deviceConnectionsClosed} (expected ${c.deviceConnectionsClosedExpected}, unexpected ${c.deviceConnectionsClosedUnexpected})`],
    ['Console connections opened', String(c.consoleConnectionsOpened)],
    ['Console connections closed', String(c.consoleConnectionsClosed)],
    ['APF authentication failures', String(c.apfAuthFailures)],
    ['SOCKS authentication failures', String(c.socksAuthFailures)],
    ['Blocked UDP connections', String(c.blockedUdpConnections)],
    ['Blocked TCP connections', String(c.blockedTcpConnections)],
    ['Connection errors', String(c.connectionErrors)],
    ['General errors', String(c.generalErrors)],
  ]
  const l = stats.lines
  return [
    'MPS statistics report',
    `Log: ${logPath} (${stats.files.length} file${stats.files.length === 1 ? '' : 's'} read${stats.filesSkipped > 0 ? `, ${stats.filesSkipped} older skipped` : ''})`,
    `Report period: ${formatTime(stats.period.from)} to ${formatTime(stats.period.until)} (${formatSpan(span)})`,
    '',
    ...rows.map(([k, v]) => `${`${k}:`.padEnd(32)}${v}`),
    '',
    `Lines: ${l.read} read, ${l.inPeriod} in the period, ${l.notJson} not JSON (skipped), ${l.withoutTime} without a time, ${l.tooLong} too long`,
    '',
  ].join('\n')
}
