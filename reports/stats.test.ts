import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { collectStats, listLogFiles, type LogStats } from './stats.js'
import { ciralab } from '../cli/test-support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'ciralab-stats-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const UNTIL = Date.parse('2026-03-01T12:00:00Z')
const minutesAgo = (m: number) => UNTIL - m * 60_000
const line = (m: number, event: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level: 30, time: minutesAgo(m), pid: 1, event, msg: event, ...extra })

/**
 * Three rotations of a gateway log. Within the last 2 h: 3 devices connected, 2 disconnected
 * (1 expected), 2 consoles opened and 1 closed, one of each failure; plus noise.
 */
function writeLogs(folder: string): string {
  mkdirSync(folder, { recursive: true })
  const oldest = [line(300, 'device-connected'), line(150, 'device-connected'), line(110, 'device-connected', { deviceId: 'a' })]
  const middle = [line(100, 'console-opened'), 'this is not JSON', '[1,2,3]', line(90, 'apf-auth-failed'), line(80, 'socks-auth-failed'), JSON.stringify({ event: 'device-connected' }), `{"time": ${minutesAgo(70)}, "event": "x", "pad": "${'y'.repeat(70_000)}"}`]
  const newest = [
    line(60, 'device-connected'),
    line(50, 'device-disconnected', { expected: true }),
    line(40, 'device-disconnected', { expected: false }),
    line(30, 'console-opened'),
    line(20, 'console-closed'),
    line(15, 'blocked-tcp'),
    line(14, 'blocked-udp'),
    line(13, 'connection-error'),
    line(12, 'general-error'),
    line(11, 'session-ready'),
    JSON.stringify({ time: new Date(minutesAgo(10)).toISOString(), event: 'device-connected' }),
    line(-5, 'device-connected'),
  ]
  writeFileSync(join(folder, 'mps.log.2.gz'), gzipSync(`${oldest.join('\n')}\n`))
  writeFileSync(join(folder, 'mps.log.1'), `${middle.join('\r\n')}\r\n`)
  writeFileSync(join(folder, 'mps.log'), newest.join('\n')) // no final newline: the live file
  writeFileSync(join(folder, 'notes.txt'), 'not a log\n')
  return join(folder, 'mps.log')
}

const logFile = writeLogs(join(dir, 'logs'))

describe('log statistics', () => {
  it('finds the rotated files, oldest first, from the live file or the folder', async () => {
    const expected = ['mps.log.2.gz', 'mps.log.1', 'mps.log'].map((f) => join(dir, 'logs', f))
    expect(await listLogFiles(logFile)).toEqual(expected)
    expect(await listLogFiles(join(dir, 'logs'))).toEqual(expected)
  })

  it('counts each event in the period across rotations, skipping what is not JSON', async () => {
    const stats = await collectStats(logFile, { from: new Date(minutesAgo(120)), until: new Date(UNTIL) })
    expect(stats.counts).toEqual({
      deviceConnectionsOpened: 3,
      deviceConnectionsClosed: 2,
      deviceConnectionsClosedExpected: 1,
      deviceConnectionsClosedUnexpected: 1,
      consoleConnectionsOpened: 2,
      consoleConnectionsClosed: 1,
      apfAuthFailures: 1,
      socksAuthFailures: 1,
      blockedUdpConnections: 1,
      blockedTcpConnections: 1,
      connectionErrors: 1,
      generalErrors: 1,
    })
    expect(stats.lines).toEqual({ read: 21, inPeriod: 15, notJson: 2, withoutTime: 1, tooLong: 1 })
    expect(stats.files.length).toBe(3)
  })

  it('narrows to a shorter window', async () => {
    const stats = await collectStats(join(dir, 'logs'), { from: new Date(minutesAgo(45)), until: new Date(UNTIL) })
    expect(stats.counts.deviceConnectionsOpened).toBe(1)
    expect(stats.counts.deviceConnectionsClosed).toBe(1)
    expect(stats.counts.apfAuthFailures).toBe(0)
  })

  it('does not open files last modified before the period', async () => {
    const folder = join(dir, 'old')
    const file = writeLogs(folder)
    const old = new Date(minutesAgo(24 * 60))
    utimesSync(join(folder, 'mps.log.2.gz'), old, old)
    const stats = await collectStats(file, { from: new Date(minutesAgo(120)), until: new Date(UNTIL) })
    expect(stats.filesSkipped).toBe(1)
    expect(stats.counts.deviceConnectionsOpened).toBe(2)
  })
})

describe('ciralab stats', () => {
  it('prints the report period and one line per count', async () => {
    const r = await ciralab('stats', logFile, '2', '0', '--until', '2026-03-01T12:00:00Z')
    expect(r).toMatchObject({ status: 0, err: '' })
    expect(r.out).toContain(`Log: ${logFile} (3 files read)\nReport period: 2026-03-01 10:00:00 UTC to 2026-03-01 12:00:00 UTC (2 h 0 min)\n`)
    expect(r.out).toContain('Device connections opened:      3\n')
    expect(r.out).toContain('Device connections closed:      2 (expected 1, unexpected 1)\n')
    expect(r.out).toContain('SOCKS authentication failures:  1\n')
    expect(r.out).toContain('Lines: 21 read, 15 in the period, 2 not JSON (skipped), 1 without a time, 1 too long\n')
  })

  it('prints JSON with --json', async () => {
    const r = await ciralab('stats', join(dir, 'logs'), '0', '45', '--json', '--until', '2026-03-01T12:00:00Z')
    const stats = JSON.parse(r.out) as LogStats
    expect(stats.period).toEqual({ from: '2026-03-01T11:15:00.000Z', until: '2026-03-01T12:00:00.000Z' })
    expect(stats.counts.consoleConnectionsOpened).toBe(1)
  })

  it('counts up to now by default', async () => {
    const folder = join(dir, 'now')
    mkdirSync(folder)
    writeFileSync(join(folder, 'gw.log'), `${JSON.stringify({ time: Date.now() - 60_000, event: 'general-error' })}\n`)
    const stats = JSON.parse((await ciralab('stats', join(folder, 'gw.log'), '0', '5', '--json')).out) as LogStats
    expect(stats.counts.generalErrors).toBe(1)
  })

  it('explains bad arguments in one line', async () => {
    expect((await ciralab('stats', logFile, 'two', '0')).err).toBe("ciralab stats: HOURS must be a whole number from 0 to 100000, got 'two'\n")
    expect((await ciralab('stats', logFile, '0', '0')).err).toMatch(/the period is empty/)
    expect((await ciralab('stats', logFile, '1', '0', '--until', 'soon')).err).toMatch(/--until: not a date 'soon'/)
    expect((await ciralab('stats', logFile, '1')).status).toBe(2)
    const missing = await ciralab('stats', join(dir, 'missing.log'), '1', '0')
    expect(missing).toMatchObject({ status: 1, err: `ciralab stats: ${join(dir, 'missing.log')}: cannot read the log (ENOENT)\n` })
  })

  it('names a corrupt rotated file', async () => {
    const folder = join(dir, 'corrupt')
    mkdirSync(folder)
    writeFileSync(join(folder, 'mps.log'), '')
    writeFileSync(join(folder, 'mps.log.1.gz'), 'not gzip at all')
    const r = await ciralab('stats', folder, '1', '0')
    expect(r.status).toBe(1)
    expect(r.err).toMatch(/mps\.log\.1\.gz: cannot read the log \(Z_DATA_ERROR\)/)
  })
})
