/**
 * The files an operator copies from gateway/deploy: the example configurations go through the
 * gateway's own loader and safety review, the systemd unit through `systemd-analyze verify` and
 * the gateway's argument parser, and the files agree with each other (paths, ports).
 */

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../cli/args.js'
import { ErrorCode } from '../../protocol/errors.js'
import { gatewaySpec } from '../cli.js'
import { ConfigError, loadConfig, type GatewayConfig } from '../config.js'
import { formatHostPort } from '../config-values.js'
import { hashPassword } from '../device/credentials.js'
import { reviewSafety } from '../safety.js'
import { parseIni } from './test-support/ini.js'

const here = dirname(fileURLToPath(import.meta.url))
const text = (name: string) => readFileSync(join(here, name), 'utf8')

async function loadExample(name: string): Promise<GatewayConfig> {
  const hash = await hashPassword('example device password')
  const json = text(name).replace(/"REPLACE[^"]*"/, JSON.stringify(hash))
  return loadConfig({ flags: { config: name }, env: {}, readFile: () => json })
}

function unit(): Map<string, Map<string, string[]>> {
  return parseIni(text('ciralab-gateway.service'), { separator: '=', comment: '#' })
}

const one = (section: Map<string, string[]> | undefined, key: string) => section?.get(key)?.at(-1)

describe('example configurations', () => {
  for (const name of ['gateway.example.json', 'gateway-stunnel.example.json']) {
    it(`${name} fails closed until its device password hash is set`, () => {
      const attempt = () => loadConfig({ flags: { config: name }, env: {}, readFile: () => text(name) })
      expect(attempt).toThrow(ConfigError)
      try {
        attempt()
      } catch (error) {
        expect((error as ConfigError).code).toBe(ErrorCode.CFG_ERR_INVALID)
        expect((error as ConfigError).problems).toEqual([
          { source: `file ${name}`, key: 'devices.credentials', problem: expect.stringContaining('passwordHash must look like scrypt$N$r$p$salt$hash (ciralab gateway --hash-password makes one)') },
        ])
      }
    })

    it(`${name} with its hash loads and passes the safety review`, async () => {
      const config = await loadExample(name)
      const review = reviewSafety(config, { root: false })
      expect(review.refused).toEqual([])
      expect(review.warnings).toEqual([])
      expect(config.dataDir).toBe('/var/lib/ciralab')
      for (const l of [config.listen.http, config.listen.socks, config.listen.api]) expect(l?.host).toBe('127.0.0.1')
    })
  }

  it('the direct layout terminates TLS on 443 with the certs init files; the stunnel layout listens in the clear on loopback', async () => {
    const direct = await loadExample('gateway.example.json')
    expect(direct.listen.deviceTls).toEqual({ host: '0.0.0.0', port: 443 })
    expect(direct.listen.devicePlain).toBeNull()
    expect(direct.tls).toMatchObject({ cert: '/etc/ciralab/certs/ServerCertificate.pem', key: '/etc/ciralab/certs/ServerCertificateKey.pem', legacy: false })
    const behind = await loadExample('gateway-stunnel.example.json')
    expect(behind.listen.deviceTls).toBeNull()
    expect(behind.listen.devicePlain).toEqual({ host: '127.0.0.1', port: 16982 })
  })
})

describe('stunnel.conf', () => {
  const conf = parseIni(text('stunnel.conf'), { separator: '=', comment: ';' })
  const service = conf.get('ciralab-apf')

  it('stays in the foreground for stunnel@.service and drops privileges', () => {
    expect(one(conf.get(''), 'foreground')).toBe('yes')
    expect(one(conf.get(''), 'setuid')).toBe('stunnel4')
  })

  it('terminates TLS 1.2+ on 443 with the files of the direct layout and connects to the stunnel example', async () => {
    const direct = await loadExample('gateway.example.json')
    const behind = await loadExample('gateway-stunnel.example.json')
    expect(one(service, 'accept')).toBe(':::443')
    expect(one(service, 'connect')).toBe(formatHostPort(behind.listen.devicePlain ?? { host: '', port: 0 }))
    expect(one(service, 'cert')).toBe(direct.tls.cert)
    expect(one(service, 'key')).toBe(direct.tls.key)
    expect(one(service, 'sslVersionMin')).toBe('TLSv1.2')
    expect(one(service, 'TIMEOUTclose')).toBe('0')
  })
})

describe('ciralab-gateway.service', () => {
  const service = unit().get('Service')

  it('runs the gateway unprivileged on 443, reloads on SIGHUP, restarts on failure', () => {
    expect(one(service, 'User')).toBe('ciralab')
    expect(one(service, 'AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE')
    expect(one(service, 'CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE')
    expect(one(service, 'ExecReload')).toBe('/bin/kill -HUP $MAINPID')
    expect(one(service, 'Restart')).toBe('on-failure')
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices']) expect(one(service, key)).toBe('yes')
    expect(one(service, 'ProtectSystem')).toBe('strict')
  })

  it('starts the gateway with arguments its parser accepts, on the installed configuration', () => {
    const [node, script, command, ...args] = (one(service, 'ExecStart') ?? '').split(' ')
    expect([node, script, command]).toEqual(['/usr/bin/node', '/opt/ciralab/bin/ciralab.js', 'gateway'])
    const { values } = parseCommand(gatewaySpec, args)
    expect(values['config']).toBe('/etc/ciralab/gateway.json')
    expect(text('install.sh')).toContain('config=/etc/ciralab/gateway.json')
  })

  it('can write only where the examples keep state and logs', async () => {
    const config = await loadExample('gateway.example.json')
    expect(`/var/lib/${one(service, 'StateDirectory') ?? ''}`).toBe(config.dataDir)
    expect(one(service, 'WorkingDirectory')).toBe(config.dataDir)
    expect(one(service, 'LogsDirectory')).toBe('ciralab')
  })

  it('passes systemd-analyze verify without a complaint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-unit-'))
    try {
      // verify checks that ExecStart's program exists: point it at this node.
      const unitText = text('ciralab-gateway.service').replace('/usr/bin/node', process.execPath)
      writeFileSync(join(dir, 'ciralab-gateway.service'), unitText)
      const r = spawnSync('systemd-analyze', ['verify', join(dir, 'ciralab-gateway.service')], { encoding: 'utf8' })
      if (r.error !== undefined) throw new Error(`systemd-analyze is missing (Debian package systemd): ${r.error.message}`)
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('install.sh is valid bash', () => {
    const r = spawnSync('bash', ['-n', join(here, 'install.sh')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
