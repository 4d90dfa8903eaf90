import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { loadConfig } from './config.js'
import type { Gateway } from './gateway.js'
import { runGateway } from './main.js'
import { isLoopbackHost, reviewSafety, UnsafeConfigError } from './safety.js'

const CREDENTIALS = { user: 'fleet', password: 'Fl33t!pass' }
const LOOPBACK = { 'device-tls-listen': '127.0.0.1:0', 'device-plain-listen': '127.0.0.1:0', 'http-listen': '127.0.0.1:0', 'socks-listen': '127.0.0.1:0', 'api-listen': '127.0.0.1:0' }

function review(flags: Record<string, unknown>, file: Record<string, unknown> = {}, root = false) {
  const config = loadConfig({ flags: { ...LOOPBACK, config: 'gw.json', ...flags }, env: {}, readFile: () => JSON.stringify(file) })
  return reviewSafety(config, { root })
}

const ids = (findings: readonly { id: string }[]) => findings.map((f) => f.id)

describe('start-up safety review', () => {
  it('passes the defaults on loopback with credentials, warning only about the clear-text password', () => {
    const r = review(CREDENTIALS)
    expect(r.refused).toEqual([])
    expect(ids(r.warnings)).toEqual(['clear-text-password'])
  })

  it('refuses consoles and the admin API on a public address without credentials', () => {
    const r = review({ ...CREDENTIALS, 'http-listen': '0.0.0.0:8080', 'socks-listen': '[::]:8090', 'api-listen': '10.0.0.5:7793' })
    expect(ids(r.refused)).toEqual(['console-without-auth', 'console-without-auth', 'api-without-token'])
    expect(r.refused.map((f) => f.setting)).toEqual(['listen.http', 'listen.socks', 'listen.api'])
    expect(r.refused[1]?.problem).toContain('[::]:8090')
    const secured = review({ ...CREDENTIALS, 'http-listen': '0.0.0.0:8080', 'socks-listen': '[::]:8090', 'api-listen': '10.0.0.5:7793', 'proxy-auth': 'console:C0nsole!', 'api-token': 't0ken' })
    expect(secured.refused).toEqual([])
    expect(ids(secured.warnings)).toContain('api-token-in-clear')
  })

  it('refuses APF in the clear on a public address, legacy TLS in public, and no device credentials', () => {
    expect(ids(review({ ...CREDENTIALS, 'device-plain-listen': '0.0.0.0:16982' }).refused)).toEqual(['plain-device-public'])
    expect(ids(review({ ...CREDENTIALS, 'device-tls-listen': '0.0.0.0:443', 'legacy-tls': true }).refused)).toEqual(['legacy-tls-public'])
    // Legacy TLS on loopback (behind a terminator) or with the TLS listener off is not refused.
    expect(review({ ...CREDENTIALS, 'legacy-tls': true }).refused).toEqual([])
    expect(ids(review({}).refused)).toEqual(['no-device-credentials'])
  })

  it('refuses a public internal listener in a Redis cluster without a cluster secret', () => {
    const clustered = { ...CREDENTIALS, redis: 'redis://127.0.0.1:6390', 'internal-listen': '10.0.0.5:7800' }
    const r = review(clustered)
    expect(ids(r.refused)).toEqual(['cluster-without-secret'])
    expect(r.refused[0]).toMatchObject({ setting: 'internalListen', problem: expect.stringContaining('10.0.0.5:7800 without a cluster secret') })
    expect(review({ ...clustered, 'cluster-secret-file': '/etc/ciralab/cluster.secret' }).refused).toEqual([])
    expect(review({ ...clustered, 'internal-listen': '127.0.0.1:7800' }).refused).toEqual([])
    // --processes alone: the primary hands its workers a fresh secret, so nothing to refuse.
    expect(review({ ...CREDENTIALS, processes: 2, 'internal-listen': '10.0.0.5:7800' }).refused).toEqual([])
  })

  it('lets the operator accept a named risk, which then becomes a warning', () => {
    const r = review({ ...CREDENTIALS, 'device-plain-listen': '0.0.0.0:16982', 'http-listen': '0.0.0.0:8080', 'allow-unsafe': 'plain-device-public' })
    expect(ids(r.refused)).toEqual(['console-without-auth'])
    expect(r.warnings[0]).toMatchObject({ id: 'plain-device-public', problem: expect.stringContaining('(allowed by allowUnsafe plain-device-public)') })
    const fromFile = review(CREDENTIALS, { allowUnsafe: ['console-without-auth', 'plain-device-public'], listen: { http: '0.0.0.0:8080', devicePlain: '0.0.0.0:16982' } })
    expect(fromFile.refused).toEqual([])
    expect(() => review({ 'allow-unsafe': 'everything' })).toThrow(/allowUnsafe: item 1: must be one of console-without-auth, /)
  })

  it('warns about root, clear-text webhooks, but not about loopback webhooks', () => {
    const r = review({ ...CREDENTIALS }, { api: { webhooks: ['http://hooks.example.test/cira', 'http://127.0.0.1:9000/x', 'https://hooks.example.test/'] } }, true)
    expect(ids(r.warnings)).toEqual(['running-as-root', 'clear-text-password', 'webhook-in-clear'])
  })

  it('knows loopback from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true)
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.0.2.1', 'gw.example.test', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopbackHost(h)).toBe(false)
  })
})

describe('ciralab gateway with unsafe settings', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  function sink(): { stream: Writable; text: () => string } {
    let text = ''
    return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text }
  }

  it('refuses to start, naming every unsafe setting, what to do and the opt-out, before binding anything', async () => {
    const out = sink()
    const attempt = runGateway(
      { ...LOOPBACK, 'http-listen': '0.0.0.0:0', 'device-plain-listen': '0.0.0.0:0' },
      { stdout: out.stream, stderr: sink().stream, env: {}, signals: new EventEmitter(), readFile: () => '' },
    )
    const error = (await attempt.catch((e: unknown) => e)) as UnsafeConfigError
    expect(error).toBeInstanceOf(UnsafeConfigError)
    expect(error.code).toBe(ErrorCode.GW_ERR_UNSAFE_CONFIG)
    expect(ids(error.refused)).toEqual(['console-without-auth', 'plain-device-public', 'no-device-credentials'])
    expect(error.message).toMatch(/^refusing to start with 3 unsafe settings:\n {2}listen\.http: the console HTTP proxy listens on 0\.0\.0\.0:0 without proxy authentication/)
    expect(error.message).toContain('or accept the risk with --allow-unsafe console-without-auth')
    expect(out.text()).toBe('')
  })

  it('starts with the risk accepted and logs it as a warning', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ciralab-safety-'))
    dirs.push(dataDir)
    const signals = new EventEmitter()
    const logPath = join(dataDir, 'mps.log')
    let started: (g: Gateway) => void = () => undefined
    const ready = new Promise<Gateway>((resolve) => (started = resolve))
    const status = runGateway(
      { ...LOOPBACK, 'device-tls-listen': 'off', 'allow-unsafe': 'no-device-credentials', 'log-file': logPath, 'data-dir': dataDir },
      { stdout: sink().stream, stderr: sink().stream, env: {}, signals, readFile: () => '', onStarted: started, isRoot: true },
    )
    await ready
    signals.emit('SIGTERM')
    expect(await status).toBe(0)
    const lines = readFileSync(logPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event?: string; id?: string; level: number })
    expect(lines.filter((l) => l.event === 'unsafe-setting').map((l) => [l.id, l.level])).toEqual([
      ['no-device-credentials', 40],
      ['running-as-root', 40],
    ])
  })
})
