/**
 * The log a real gateway run writes, rotated while devices and consoles come and go, read back
 * by `ciralab stats` the way an operator reads the vendor's MPS log folder.
 */

import { EventEmitter } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MessageType as M } from '../protocol/apf/index.js'
import type { LogStats } from '../reports/stats.js'
import type { Gateway } from './gateway.js'
import { runGateway } from './main.js'
import { TestDevice } from './test-support/apf-device.js'
import { eventually, TEST_PASSWORD, TEST_USER } from './test-support/gateway.js'
import { socksConnect, SocksReplyError } from './test-support/socks-client.js'
import { ciralab } from '../cli/test-support/run-cli.js'

const MAX_BYTES = 2048
const DEVICES = 6
const uuidOf = (i: number) => `4c4c4544-004b-4210-8033-b6c04f50${String(4600 + i).padStart(4, '0')}`

let dir: string
let stats: LogStats
let text: string

/** A console through SOCKS5 to the device, carried on a channel the device accepts, then closed. */
async function consoleRoundTrip(socksPort: number, device: TestDevice, uuid: string): Promise<void> {
  const opening = socksConnect(socksPort, uuid, 16992)
  await device.acceptChannel(7, 4096)
  const socket = await opening
  const closed = new Promise((resolve) => socket.once('close', resolve))
  socket.end()
  await device.next(M.CHANNEL_CLOSE, 5000, true)
  socket.destroy()
  await closed
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ciralab-logstats-'))
  const signals = new EventEmitter()
  let started: (g: Gateway) => void = () => undefined
  const ready = new Promise<Gateway>((resolve) => (started = resolve))
  const flags = {
    'device-tls-listen': 'off', 'device-plain-listen': '127.0.0.1:0', 'http-listen': 'off', 'socks-listen': '127.0.0.1:0', 'api-listen': 'off',
    user: TEST_USER, password: TEST_PASSWORD, 'data-dir': dir, 'drain-ms': '500',
    'log-file': join(dir, 'logs', 'mps.log'), 'log-file-max-bytes': String(MAX_BYTES), 'log-file-keep': '100',
  }
  const quiet = new Writable({ write: (_c, _e, cb) => cb() })
  const status = runGateway(flags, { stdout: quiet, stderr: quiet, env: {}, signals, readFile: (p) => readFileSync(p, 'utf8'), onStarted: started })
  const gateway = await ready
  const plainPort = Number(gateway.bound.devicePlain?.split(':').pop())
  const socksPort = Number(gateway.bound.socks?.split(':').pop())
  const devices: TestDevice[] = []
  for (let i = 0; i < DEVICES; i++) {
    const device = await TestDevice.connectPlain(plainPort)
    await device.handshake({ uuid: uuidOf(i), username: TEST_USER, password: TEST_PASSWORD, ports: [16992] })
    devices.push(device)
  }
  const intruder = await TestDevice.connectPlain(plainPort)
  await expect(intruder.handshake({ uuid: uuidOf(99), username: TEST_USER, password: 'wrong', ports: [16992] })).rejects.toThrow(/authentication refused/)
  intruder.destroy()
  for (const device of devices.slice(0, 2)) await consoleRoundTrip(socksPort, device, uuidOf(devices.indexOf(device)))
  await expect(socksConnect(socksPort, 'nobody.example.test', 16992)).rejects.toEqual(new SocksReplyError(4))
  // Two devices drop off the network; the rest are disconnected by the shutdown (expected).
  for (const device of devices.slice(DEVICES - 2)) device.destroy()
  await eventually(() => gateway.presence.size === DEVICES - 2, 5000, 'two devices gone')
  signals.emit('SIGTERM')
  expect(await status).toBe(0)
  for (const device of devices) device.destroy()
  text = readdirSync(join(dir, 'logs')).sort().join(' ')
  const result = await ciralab('stats', join(dir, 'logs'), '1', '0', '--json')
  expect(result.status).toBe(0)
  stats = JSON.parse(result.out) as LogStats
}, 30_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the gateway log, rotated during a run, read by ciralab stats', () => {
  it('was rotated into mps.log, mps.log.1, ... none larger than the limit', () => {
    const names = readdirSync(join(dir, 'logs'))
    expect(names.length, text).toBeGreaterThanOrEqual(4)
    expect(names).toContain('mps.log')
    for (let n = 1; n < names.length; n++) expect(names).toContain(`mps.log.${n}`)
    for (const name of names) expect(statSync(join(dir, 'logs', name)).size).toBeLessThanOrEqual(MAX_BYTES)
  })

  it('holds every line once, oldest in the highest number, newest in mps.log', () => {
    const names = readdirSync(join(dir, 'logs')).sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0))
    const lines = names.flatMap((name) => readFileSync(join(dir, 'logs', name), 'utf8').trim().split('\n'))
    const records = lines.map((l) => JSON.parse(l) as { time: string; event?: string })
    const times = records.map((r) => Date.parse(r.time))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    expect(records[0]?.event).toBe('log-output')
    expect(records.at(-1)?.event).toBe('gateway-stopped')
    expect(stats.files).toHaveLength(names.length)
    expect(stats.lines).toMatchObject({ read: lines.length, notJson: 0, withoutTime: 0, tooLong: 0 })
  })

  it('counts what happened, across the rotated files', () => {
    expect(stats.counts).toEqual({
      deviceConnectionsOpened: DEVICES,
      deviceConnectionsClosed: DEVICES,
      deviceConnectionsClosedExpected: DEVICES - 2,
      deviceConnectionsClosedUnexpected: 2,
      consoleConnectionsOpened: 2,
      consoleConnectionsClosed: 2,
      apfAuthFailures: 1,
      socksAuthFailures: 0,
      blockedUdpConnections: 0,
      blockedTcpConnections: 0,
      connectionErrors: 0,
      generalErrors: 0,
    })
  })
})
