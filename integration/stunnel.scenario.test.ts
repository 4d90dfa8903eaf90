/**
 * The vendor's layout, for real: a real stunnel (Debian stunnel4) started with our example
 * stunnel.conf (paths and ports substituted) terminates TLS with the certificates `ciralab certs
 * init` made, and hands plain APF to the gateway started from gateway-stunnel.example.json. A
 * simulated device calls home through it, `ciralab devices` lists it, and a WS-MAN request goes
 * through the gateway's HTTP proxy to it.
 *
 * A deployment test sees the gateway from outside, as an operator does; it is the one place
 * under gateway/ that uses the simulator (a device on the far side of stunnel). It fails, not
 * skips, when stunnel4 is missing: `npm test` installs it as root (scripts/system-packages.txt).
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { connect as tlsConnect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WsmanClient } from '../consoles/wsman-client.js'
import { createDevice, WSMAN_PORT, type SingleDevice } from '../simulator/index.js'
import { serveWsman } from '../simulator/services/wsman/index.js'
import { hashPassword } from '../gateway/device/credentials.js'
import type { Gateway } from '../gateway/gateway.js'
import { runGateway } from '../gateway/main.js'
import { eventually } from '../gateway/test-support/gateway.js'
import { rewriteStunnelConf } from '../gateway/deploy/test-support/ini.js'
import { ciralab } from '../cli/test-support/run-cli.js'

const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'gateway', 'deploy')
const FQDN = 'gateway.ciralab.test'
const FLEET = { username: 'ciralab-fleet', password: 'Fl33t!through-stunnel' }
const AMT = { user: 'admin', password: 'Amt!Passw0rd' }

let dir: string
let stunnel: ChildProcess | null = null
let stunnelLog = ''
let stunnelPort = 0
let gateway: Gateway
let stopGateway: () => Promise<number>
let single: SingleDevice | null = null
let gatewayLog = ''

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/** The gateway from the stunnel example configuration, its device password hashed in. */
async function startGateway(): Promise<void> {
  const example = readFileSync(join(here, 'gateway-stunnel.example.json'), 'utf8')
  writeFileSync(join(dir, 'gateway.json'), example.replace(/"REPLACE[^"]*"/, JSON.stringify(await hashPassword(FLEET.password))))
  const signals = new EventEmitter()
  let started: (g: Gateway) => void = () => undefined
  const ready = new Promise<Gateway>((resolve) => (started = resolve))
  const log = new Writable({ write: (c: Buffer, _e, cb) => ((gatewayLog += c.toString()), cb()) })
  const flags = {
    config: join(dir, 'gateway.json'),
    // The example's addresses, moved to free loopback ports; its state folder, to a temporary one.
    'device-plain-listen': '127.0.0.1:0', 'http-listen': '127.0.0.1:0', 'socks-listen': 'off', 'api-listen': '127.0.0.1:0',
    'data-dir': dir, 'drain-ms': '500',
  }
  const status = runGateway(flags, { stdout: log, stderr: log, env: {}, signals, readFile: (p) => readFileSync(p, 'utf8'), onStarted: started })
  gateway = await Promise.race([ready, status.then((code) => Promise.reject(new Error(`gateway exited ${code}: ${gatewayLog}`)))])
  stopGateway = () => {
    signals.emit('SIGTERM')
    return status
  }
}

/** stunnel4 with the example stunnel.conf: our certificates, a free port, the gateway's plain listener. */
async function startStunnel(): Promise<void> {
  const probe = spawnSync('stunnel4', ['-version'], { encoding: 'utf8' })
  if (probe.error !== undefined) throw new Error(`stunnel4 is missing (Debian package stunnel4; npm test installs it as root): ${probe.error.message}`)
  stunnelPort = await freePort()
  const conf = rewriteStunnelConf(readFileSync(join(here, 'stunnel.conf'), 'utf8'), {
    // Not root in every test run: no privilege drop; no pid file.
    '.setuid': null,
    '.setgid': null,
    'ciralab-apf.accept': `127.0.0.1:${stunnelPort}`,
    'ciralab-apf.connect': gateway.bound.devicePlain ?? '',
    'ciralab-apf.cert': join(dir, 'certs', 'ServerCertificate.pem'),
    'ciralab-apf.key': join(dir, 'certs', 'ServerCertificateKey.pem'),
  })
  writeFileSync(join(dir, 'stunnel.conf'), conf)
  const child = spawn('stunnel4', [join(dir, 'stunnel.conf')], { stdio: ['ignore', 'pipe', 'pipe'] })
  stunnel = child
  child.stdout.on('data', (d: Buffer) => (stunnelLog += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stunnelLog += d.toString()))
  await eventually(() => stunnelLog.includes('Configuration successful') || child.exitCode !== null, 15_000, 'stunnel to start')
  if (child.exitCode !== null) throw new Error(`stunnel4 exited ${child.exitCode}:\n${stunnelLog}`)
}

async function setUp(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'ciralab-stunnel-'))
  const certs = await ciralab('certs', 'init', '--fqdn', FQDN, '--ip', '127.0.0.1', '--out', join(dir, 'certs'))
  if (certs.status !== 0) throw new Error(`ciralab certs init failed: ${certs.err}`)
  await startGateway()
  await startStunnel()
}

// Every test awaits the set-up, so a missing stunnel4 fails each of them with its message.
let ready: Promise<void>
beforeAll(async () => {
  ready = setUp()
  await ready.catch(() => undefined)
}, 30_000)

afterAll(async () => {
  await single?.close()
  if (gateway !== undefined) await stopGateway()
  if (stunnel !== null && stunnel.exitCode === null) {
    const exited = new Promise((resolve) => stunnel?.once('exit', resolve))
    stunnel.kill('SIGTERM')
    await exited
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

describe('the vendor layout: stunnel in front of the plain APF listener', () => {
  it('brings a simulated device through stunnel to the gateway, and ciralab devices lists it', async () => {
    await ready
    single = createDevice({
      gateway: { host: '127.0.0.1', port: stunnelPort },
      transport: { mode: 'tls', caPem: readFileSync(join(dir, 'certs', 'TrustedRootCertificate.pem'), 'utf8'), servername: FQDN },
      credentials: FLEET,
      account: AMT,
      services: new Map([[WSMAN_PORT, serveWsman]]),
      profile: { policies: { periodic: { enabled: true, intervalSeconds: 3600, tunnelLifetimeSeconds: 0 } } },
    })
    single.device.start()
    const uuid = single.device.identity.uuid
    await eventually(() => gateway.presence.lookup(uuid) !== undefined, 15_000, `device ${uuid} at the gateway (stunnel log:\n${stunnelLog})`)
    const listed = await ciralab('devices', '--api', `http://${gateway.bound.api ?? ''}`, '--json')
    expect(listed.status, listed.err).toBe(0)
    const { devices } = JSON.parse(listed.out) as { devices: { uuid: string; systemName: string; remoteAddress: string }[] }
    expect(devices.map((d) => d.uuid)).toEqual([uuid])
    // stunnel's PROXY header names the device's own address and port (the connection stunnel
    // accepted), not stunnel's loopback connection to the gateway.
    const accepted = /accepted connection from (127\.0\.0\.1:\d+)/.exec(stunnelLog)?.[1]
    expect(accepted, stunnelLog).toBeDefined()
    expect(devices[0]?.remoteAddress).toBe(accepted)
  }, 30_000)

  it('carries a WS-MAN request from the HTTP proxy through the gateway and stunnel to the device', async () => {
    await ready
    const device = single?.device
    if (device === undefined) throw new Error('no device (the first test failed)')
    const client = new WsmanClient({
      transport: { kind: 'proxy', proxyUrl: `http://${gateway.bound.http ?? ''}`, target: `http://${device.identity.fqdn}:16992/wsman` },
      username: AMT.user,
      password: AMT.password,
      timeoutMs: 15_000,
    })
    try {
      const reply = await client.get('AMT_GeneralSettings')
      expect(reply.status).toBe(200)
      // The device's own answer: its host name and Digest realm, not something the gateway made up.
      expect(reply.body.toString('utf8')).toContain(`<g:HostOSFQDN>${device.identity.fqdn}</g:HostOSFQDN>`)
      expect(reply.body.toString('utf8')).toContain(`<g:DigestRealm>${device.identity.digestRealm}</g:DigestRealm>`)
    } finally {
      await client.close()
    }
  })

  it('refuses TLS older than 1.2 on the public port, as the example configures', async () => {
    await ready
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: stunnelPort, servername: FQDN, rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })
      socket.once('secureConnect', () => {
        resolve(`connected with ${socket.getProtocol() ?? '?'}`)
        socket.destroy()
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    })
    expect(outcome).toMatch(/^ERR_SSL|^ECONNRESET$/)
    await eventually(() => /unsupported protocol/i.test(stunnelLog), 5000, `stunnel to log the refusal:\n${stunnelLog}`)
  })
})
