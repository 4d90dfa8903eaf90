import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { ApfDisconnectReason, MessageType as M } from '../protocol/apf/index.js'
import { ErrorCode } from '../protocol/errors.js'
import { run as runCli } from './cli.js'
import type { Gateway } from './gateway.js'
import { formatReadyLine, runGateway } from './main.js'
import { TestDevice } from './test-support/apf-device.js'
import { eventually, TEST_PASSWORD, TEST_USER } from './test-support/gateway.js'
import { socksConnect } from './test-support/socks-client.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function sink(): { stream: Writable; text: () => string } {
  let text = ''
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text }
}

interface Running {
  readonly status: Promise<number>
  readonly gateway: Gateway
  readonly signals: EventEmitter
  readonly stdout: () => string
  readonly stderr: () => string
  readonly dataDir: string
}

async function start(extra: Record<string, unknown> = {}): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ciralab-gw-'))
  dirs.push(dataDir)
  const signals = new EventEmitter()
  const out = sink()
  const err = sink()
  let started: ((g: Gateway) => void) | undefined
  const gatewayReady = new Promise<Gateway>((r) => (started = r))
  const flags = {
    'device-tls-listen': '127.0.0.1:0',
    'device-plain-listen': '[::1]:0',
    'http-listen': '127.0.0.1:0',
    'socks-listen': '127.0.0.1:0',
    'api-listen': '127.0.0.1:0',
    'data-dir': dataDir,
    fqdn: 'localhost',
    'drain-ms': '2000',
    user: TEST_USER,
    password: TEST_PASSWORD,
    ...extra,
  }
  const status = runGateway(flags, {
    stdout: out.stream,
    stderr: err.stream,
    env: {},
    signals,
    readFile: (p) => readFileSync(p, 'utf8'),
    onStarted: (g) => started?.(g),
  })
  const gateway = await Promise.race([gatewayReady, status.then((code) => Promise.reject(new Error(`exited ${code}: ${err.text()}`)))])
  return { status, gateway, signals, stdout: out.text, stderr: err.text, dataDir }
}

describe('ciralab gateway (composition root)', () => {
  it('prints exactly one ready line with the bound addresses, IPv6 included', async () => {
    const r = await start({ 'http-listen': 'off' })
    const lines = r.stdout().trim().split('\n')
    expect(lines).toHaveLength(1)
    const ready = JSON.parse(lines[0] ?? '') as { event: string; listeners: Record<string, string> }
    expect(ready.event).toBe('ready')
    expect(Object.keys(ready.listeners)).toEqual(['deviceTls', 'devicePlain', 'socks', 'api'])
    expect(ready.listeners['devicePlain']).toMatch(/^\[::1\]:\d+$/)
    expect(ready.listeners['deviceTls']).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(r.stderr()).toContain('TrustedRootCertificate.pem')
    r.signals.emit('SIGTERM')
    expect(await r.status).toBe(0)
    expect(formatReadyLine({ api: '127.0.0.1:7793', deviceTls: '127.0.0.1:4433' })).toBe('{"event":"ready","listeners":{"deviceTls":"127.0.0.1:4433","api":"127.0.0.1:7793"}}\n')
  })

  it('shuts down gracefully on SIGTERM: consoles drained, devices get DISCONNECT(BY_APPLICATION), exit 0', async () => {
    const r = await start()
    const ca = readFileSync(join(r.dataDir, 'TrustedRootCertificate.pem'), 'utf8')
    const port = Number(r.gateway.bound.deviceTls?.split(':').pop())
    const device = await TestDevice.connectTls(port, ca, '127.0.0.1', 'localhost')
    await device.handshake({ uuid: UUID, username: TEST_USER, password: TEST_PASSWORD, ports: [16992] })
    const opening = socksConnect(Number(r.gateway.bound.socks?.split(':').pop()), UUID, 16992)
    const open = await device.next(M.CHANNEL_OPEN, 5000, true)
    if (open.type !== M.CHANNEL_OPEN) throw new Error('unreachable')
    device.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: open.senderChannel, senderChannel: 1, initialWindowSize: 4096, reserved: 0xffffffff })
    const console = await opening
    const consoleClosed = new Promise<void>((resolve) => console.once('close', resolve))
    r.signals.emit('SIGTERM')
    // While draining: the console still works, and no new device is accepted.
    console.write('ping')
    expect(await device.next(M.CHANNEL_DATA, 5000, true)).toMatchObject({ data: Buffer.from('ping') })
    await expect(TestDevice.connectTls(port, ca, '127.0.0.1', 'localhost')).rejects.toThrow()
    await consoleClosed
    expect(await device.next(M.DISCONNECT, 10_000, true)).toEqual({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.BY_APPLICATION })
    device.destroy()
    expect(await r.status).toBe(0)
  }, 20_000)

  it('toggles debug logs on SIGUSR2 and reloads the certificate on SIGHUP', async () => {
    const r = await start({ 'log-level': 'info' })
    r.signals.emit('SIGUSR2')
    expect(r.gateway.logger.level).toBe('debug')
    r.signals.emit('SIGUSR2')
    expect(r.gateway.logger.level).toBe('info')
    r.signals.emit('SIGHUP')
    await eventually(() => r.stderr().includes('"event":"tls-reloaded"'))
    r.signals.emit('SIGINT')
    expect(await r.status).toBe(0)
  })

  it('reports every configuration problem at once, with its source', async () => {
    await expect(start({ 'idle-timeout-ms': 'soon', 'http-listen': 'nowhere' })).rejects.toMatchObject({ code: ErrorCode.CFG_ERR_INVALID, problems: [expect.objectContaining({ key: 'listen.http' }), expect.objectContaining({ key: 'devices.idleTimeoutMs' })] })
  })

  it('exits 1 with one line when a port is taken', async () => {
    const first = await start()
    const taken = first.gateway.bound.api ?? ''
    const second = await start({ 'api-listen': taken }).catch((e: Error) => e)
    expect(second).toBeInstanceOf(Error)
    expect(String(second)).toMatch(/exited 1: .*cannot start: .*EADDRINUSE/s)
    first.signals.emit('SIGTERM')
    expect(await first.status).toBe(0)
  })

  it('has --help and makes scrypt hashes', async () => {
    const out = sink()
    expect(await runCli({ argv: ['--help'], env: {}, stdout: out.stream, stderr: sink().stream })).toBe(0)
    expect(out.text()).toContain('--device-tls-listen ADDR')
    expect(out.text()).toContain('CIRALAB_DEVICES_IDLE_TIMEOUT_MS')
    const hash = sink()
    expect(await runCli({ argv: ['--hash-password', 'secret'], env: {}, stdout: hash.stream, stderr: sink().stream })).toBe(0)
    expect(hash.text()).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\n$/)
  })
})
