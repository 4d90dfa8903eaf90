import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { readMpsConfig } from './config-mps.js'
import { ConfigError, loadConfig, type ConfigSources } from './config.js'

function sources(over: Partial<ConfigSources> & { files?: Record<string, string> } = {}): ConfigSources {
  const files = over.files ?? {}
  return {
    flags: over.flags ?? {},
    env: over.env ?? {},
    readFile: (path) => {
      const text = files[path]
      if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`)
      return text
    },
    hostname: 'gw.example.test',
  }
}

function problems(s: ConfigSources): { source: string; key: string }[] {
  try {
    loadConfig(s)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe(ErrorCode.CFG_ERR_INVALID)
    return (error as ConfigError).problems.map((p) => ({ source: p.source, key: p.key }))
  }
  throw new Error('expected a ConfigError')
}

describe('gateway configuration', () => {
  it('has the vendor-port defaults on 127.0.0.1 and is frozen', () => {
    const c = loadConfig(sources())
    expect(c.listen).toEqual({
      deviceTls: { host: '127.0.0.1', port: 4433 },
      devicePlain: { host: '127.0.0.1', port: 16982 },
      http: { host: '127.0.0.1', port: 8080 },
      socks: { host: '127.0.0.1', port: 8090 },
      api: { host: '127.0.0.1', port: 7793 },
      backlog: 4096,
    })
    expect(c.devices.allowedPorts).toEqual([16992, 16993, 16994, 16995, 623, 664, 5900])
    expect(c.devices).toMatchObject({ authTimeoutMs: 10_000, idleTimeoutMs: 90_000, windowSize: 81_920, maxChannels: 16, maxAuthFailures: 3 })
    expect(c.tls.fqdn).toBe('gw.example.test')
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.listen.deviceTls)).toBe(true)
    expect(Object.isFrozen(c.devices.allowedPorts)).toBe(true)
  })

  it('merges defaults < mps.config < file < env < flags', () => {
    const c = loadConfig(
      sources({
        files: {
          'mps.config': '[General]\nX = 1\n[Network]\nAMTListenIP = 0.0.0.0\nAMTListenPort = 16000\nHttpListenPort = 1080\nSOAPListenIP = ::1\nSOAPListenPort=7000\n',
          'gw.json': JSON.stringify({ listen: { http: '127.0.0.1:2080', socks: 'off' }, devices: { idleTimeoutMs: 1000, maxChannels: 4 } }),
        },
        flags: { config: 'gw.json', 'mps-config': 'mps.config', 'max-channels': '8', 'api-listen': '[::1]:0' },
        env: { CIRALAB_DEVICES_IDLE_TIMEOUT_MS: '2000', CIRALAB_LISTEN_HTTP: '127.0.0.1:3080' },
      }),
    )
    expect(c.listen.devicePlain).toEqual({ host: '0.0.0.0', port: 16000 })
    expect(c.listen.http).toEqual({ host: '127.0.0.1', port: 3080 })
    expect(c.listen.socks).toBeNull()
    expect(c.listen.api).toEqual({ host: '::1', port: 0 })
    expect(c.devices.idleTimeoutMs).toBe(2000)
    expect(c.devices.maxChannels).toBe(8)
  })

  it('reports every problem at once, each with where it came from', () => {
    const found = problems(
      sources({
        files: { 'gw.json': JSON.stringify({ devices: { windowSize: 10, bogus: 1 }, logLevel: 'loud' }) },
        flags: { config: 'gw.json', 'http-listen': 'nonsense', cert: 'a.pem' },
        env: { CIRALAB_DEVICES_MAX_CHANNELS: '-1' },
      }),
    )
    expect(found).toEqual(
      expect.arrayContaining([
        { source: 'file gw.json', key: 'devices.windowSize' },
        { source: 'file gw.json', key: 'devices.bogus' },
        { source: 'file gw.json', key: 'logLevel' },
        { source: 'flag --http-listen', key: 'listen.http' },
        { source: 'env CIRALAB_DEVICES_MAX_CHANNELS', key: 'devices.maxChannels' },
      ]),
    )
    expect(found).toHaveLength(5)
  })

  it('checks combinations: cert without key, one address twice, both device listeners off', () => {
    expect(problems(sources({ flags: { cert: 'a.pem' } }))).toEqual([{ source: 'flag --cert', key: 'tls.cert' }])
    expect(problems(sources({ flags: { 'socks-listen': '127.0.0.1:8080' } }))).toEqual([{ source: 'flag --socks-listen', key: 'listen.socks' }])
    expect(problems(sources({ flags: { 'device-tls-listen': 'off', 'device-plain-listen': 'off' } }))).toEqual([{ source: 'flag --device-tls-listen', key: 'listen.deviceTls' }])
  })

  it('adds --user/--password as one credential, and needs both', () => {
    const c = loadConfig(sources({ flags: { user: 'admin', password: 'P@ssw0rd' } }))
    expect(c.devices.credentials).toEqual([{ username: 'admin', password: 'P@ssw0rd', passwordHash: null, uuids: null }])
    expect(problems(sources({ flags: { user: 'admin' } }))).toEqual([{ source: 'flag --user', key: 'devices.credentials' }])
    expect(problems(sources({ files: { 'c.json': JSON.stringify({ devices: { credentials: [{ username: 'x' }] } }) }, flags: { config: 'c.json' } }))).toEqual([
      { source: 'file c.json', key: 'devices.credentials' },
    ])
  })

  it('names a file it cannot read or parse', () => {
    expect(problems(sources({ flags: { config: 'missing.json' } }))).toEqual([{ source: 'flag --config', key: 'file' }])
    expect(problems(sources({ env: { CIRALAB_CONFIG: 'bad.json' }, files: { 'bad.json': '{nope' } }))).toEqual([{ source: 'file bad.json', key: '(file)' }])
  })
})

describe('mps.config reader', () => {
  it('maps the [Network] listen pairs and reports broken lines', () => {
    const r = readMpsConfig('; vendor file\r\n[Network]\r\nSocksListenIP = 10.0.0.1\r\nSocksListenPort = 1080\r\nHttpListenIP = 10.0.0.1\r\ngarbage\r\n[Other]\r\nAMTListenPort = 1\r\n')
    expect(r.values.map((v) => [v.key, v.value])).toEqual([['listen.socks', '10.0.0.1:1080']])
    expect(r.problems).toHaveLength(2)
  })
})
