/**
 * Three gateway instances as real processes sharing presence through a real redis-server,
 * a simulated fleet spread over them (each device's alternative gateway is the next
 * instance), and consoles entering through every instance. Real processes because the
 * scenario kills one outright (SIGKILL: no goodbye to Redis), which no in-process gateway can
 * play honestly. The instances seal their hops with a shared cluster secret; an instance with
 * another secret joins the same Redis and is refused.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../cli/main.js'
import { connectViaHttpProxy } from '../consoles/connect-tunnel.js'
import { connectViaSocks } from '../consoles/socks5-client.js'
import { WsmanClient, type WsmanTransport } from '../consoles/wsman-client.js'
import type { Socket } from 'node:net'
import { MessageType as M } from '../protocol/apf/index.js'
import { createFleet, WSMAN_PORT, type LocalFleet, type SimulatedDevice } from '../simulator/index.js'
import { serveWsman } from '../simulator/services/wsman/index.js'
import { TestDevice } from '../gateway/test-support/apf-device.js'
import { eventually } from '../gateway/test-support/gateway.js'
import { startGatewayProcess, type GatewayProcess } from './test-support/gateway-process.js'
import { startTestRedis, type TestRedis } from '../gateway/cluster/test-support/redis-server.js'

const DEVICE_LOGIN = { username: 'fleet', password: 'Fl33t!Login' }
const AMT = { user: 'admin', password: 'P@ssw0rd' }
const PER_INSTANCE = 4
const TTL_MS = 1500
const LONE_UUID = '4c4c4544-0000-4000-8000-00000000d00d'
const TWIN_UUID = '4c4c4544-0000-4000-8000-00000000beef'

interface Listed {
  readonly uuid: string
  readonly hostname: string | null
  readonly instance?: string
  readonly local?: boolean
}

let redis: TestRedis
let probe: Redis
let dir: string
const gateways: GatewayProcess[] = []
const fleets: LocalFleet[] = []
const extraDevices: TestDevice[] = []

async function devicesAt(gw: GatewayProcess, scope = ''): Promise<Listed[]> {
  const res = await request(`http://${gw.listeners['api'] ?? ''}/api/v1/devices${scope}`)
  const body = (await res.body.json()) as { devices: Listed[] }
  return body.devices
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function allDevices(): SimulatedDevice[] {
  return fleets.flatMap((fleet) => Array.from({ length: PER_INSTANCE }, (_, i) => fleet.device(i) as SimulatedDevice))
}

/** The device's own WS-MAN answer: proves the console reached that device and no other. */
async function hostNameVia(transport: WsmanTransport): Promise<string> {
  const client = new WsmanClient({ transport, username: AMT.user, password: AMT.password, timeoutMs: 10_000 })
  try {
    const reply = await client.get('AMT_GeneralSettings').catch((error: unknown) => {
      throw new Error(`${transport.kind === 'proxy' ? `proxy ${transport.proxyUrl} ${transport.target}` : `tunnel to ${transport.host}`}: ${String(error)}`)
    })
    expect(reply.status).toBe(200)
    return /<g:HostOSFQDN>([^<]*)<\/g:HostOSFQDN>/.exec(reply.body.toString('utf8'))?.[1] ?? '(none)'
  } finally {
    await client.close()
  }
}

const viaHttpProxy = (gw: GatewayProcess, device: SimulatedDevice): WsmanTransport => ({ kind: 'proxy', proxyUrl: `http://${gw.listeners['http'] ?? ''}`, target: `http://${device.identity.fqdn}:${WSMAN_PORT}/wsman` })
/**
 * One unauthenticated WS-MAN POST over a tunnel (CONNECT or SOCKS5): the device's 401 names its
 * own Digest realm, which proves the tunnel reached that device and no other.
 */
async function realmVia(open: () => Promise<Socket>, label: string): Promise<string> {
  const socket = await open()
  try {
    const head = await new Promise<string>((resolve, reject) => {
      let text = ''
      const timer = setTimeout(() => reject(new Error(`${label}: no answer within 10 s`)), 10_000)
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1')
        const end = text.indexOf('\r\n\r\n')
        if (end < 0) return
        clearTimeout(timer)
        resolve(text.slice(0, end))
      })
      socket.on('error', (error) => reject(new Error(`${label}: ${error.message}`)))
      // Both console clients hand the socket over paused (bytes after the handshake stay queued).
      socket.resume()
      socket.write(`POST /wsman HTTP/1.1\r\nHost: device:${WSMAN_PORT}\r\nContent-Type: application/soap+xml\r\nContent-Length: 0\r\n\r\n`)
    })
    expect(head.split('\r\n')[0], label).toMatch(/^HTTP\/1\.1 401 /)
    return /realm="([^"]*)"/i.exec(head)?.[1] ?? '(no realm)'
  } finally {
    socket.destroy()
  }
}

const viaConnect = (gw: GatewayProcess, device: SimulatedDevice) =>
  realmVia(() => connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: gw.port('http'), host: device.identity.uuid, port: WSMAN_PORT }), `CONNECT via ${gw.listeners['http'] ?? ''}`)
const viaSocks = (gw: GatewayProcess, device: SimulatedDevice) =>
  realmVia(() => connectViaSocks({ proxyHost: '127.0.0.1', proxyPort: gw.port('socks'), host: device.identity.fqdn, port: WSMAN_PORT }), `SOCKS5 via ${gw.listeners['socks'] ?? ''}`)

function startInstance(i: number | string, secretFile = join(dir, 'cluster.secret')): Promise<GatewayProcess> {
  const listen = (name: string) => [`--${name}`, '127.0.0.1:0']
  return startGatewayProcess(
    [
      ...listen('device-plain-listen'), '--device-tls-listen', 'off', ...listen('http-listen'), ...listen('socks-listen'), ...listen('api-listen'),
      ...listen('internal-listen'), '--redis', redis.url, '--instance-id', `gw${i}`, '--cluster-secret-file', secretFile,
      '--user', DEVICE_LOGIN.username, '--password', DEVICE_LOGIN.password, '--data-dir', dir, '--drain-ms', '200',
    ],
    { CIRALAB_PRESENCE_TTL_MS: String(TTL_MS) },
  )
}

beforeAll(async () => {
  redis = await startTestRedis()
  probe = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  probe.on('error', () => undefined)
  dir = mkdtempSync(join(tmpdir(), 'ciralab-cluster-'))
  writeFileSync(join(dir, 'cluster.secret'), `${'5ec2e7'.repeat(11)}\n`, { mode: 0o600 })
  gateways.push(...(await Promise.all([0, 1, 2].map((i) => startInstance(i)))))
  for (let k = 0; k < 3; k++) {
    const endpoint = (i: number) => ({ host: '127.0.0.1', port: (gateways[i] as GatewayProcess).port('devicePlain') })
    const fleet = createFleet({
      gateway: endpoint(k),
      alternativeGateway: endpoint((k + 1) % 3),
      devices: PER_INSTANCE,
      transport: { mode: 'plain' },
      seed: `cluster-${k}`,
      credentials: DEVICE_LOGIN,
      account: AMT,
      services: new Map([[WSMAN_PORT, serveWsman]]),
      profile: {
        // A domain per fleet: every device's FQDN is unique in the cluster.
        identity: { domain: `fleet${k}.test`, sharedUuidFraction: 0, blankUuidFraction: 0 },
        policies: { periodic: { enabled: true, intervalSeconds: 3600, tunnelLifetimeSeconds: 0 } },
        reconnect: { retryDelaySeconds: 0.2, backoffSeconds: 1, giveUpAfterSeconds: 3600 },
      },
    })
    fleets.push(fleet)
    await fleet.start()
  }
}, 60_000)

afterAll(async () => {
  try {
    for (const d of extraDevices) d.socket.destroy()
    await Promise.all(fleets.map((f) => f.stop()))
    await Promise.all(gateways.map((g) => g.stop('SIGTERM', 8000)))
  } finally {
    probe.disconnect()
    await redis?.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
}, 30_000)

describe('three gateway instances sharing presence through Redis', () => {
  it('lists the whole fleet at every instance, and its own devices with ?scope=local', async () => {
    const total = 3 * PER_INSTANCE
    for (const gw of gateways) await waitFor(async () => (await devicesAt(gw)).length === total, 20_000, 'the whole fleet at every instance')
    for (const [i, gw] of gateways.entries()) {
      const local = await devicesAt(gw, '?scope=local')
      expect(local.map((d) => d.uuid).sort()).toEqual(Array.from({ length: PER_INSTANCE }, (_, j) => fleets[i]?.device(j)?.identity.uuid).sort())
      const fleet = await devicesAt(gw)
      expect(fleet.filter((d) => d.local === true).length).toBe(PER_INSTANCE)
      expect(new Set(fleet.map((d) => d.instance))).toEqual(new Set(['gw0', 'gw1', 'gw2']))
    }
    expect(await probe.connect().then(() => probe.keys('ciralab:dev:*'))).toHaveLength(total)
    // `ciralab devices` over two instances of one cluster: each device once, with its instance.
    let out = ''
    const stdout = new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.toString()), cb()) })
    const apis = gateways.slice(0, 2).map((gw) => `http://${gw.listeners['api'] ?? ''}`).join(',')
    expect(await main(['devices', '--api', apis, '--json'], {}, { stdout, stderr: stdout })).toBe(0)
    const listed = (JSON.parse(out) as { devices: { uuid: string; gateway: string }[] }).devices
    expect(listed).toHaveLength(total)
    expect(new Set(listed.map((d) => d.gateway))).toEqual(new Set(['gw0', 'gw1', 'gw2']))
  }, 30_000)

  it('brings consoles entering through any instance to every device: HTTP proxy, CONNECT and SOCKS5', async () => {
    for (const gw of gateways) {
      for (const device of allDevices()) expect(await hostNameVia(viaHttpProxy(gw, device))).toBe(device.identity.fqdn)
      // One device held by each instance (itself and the two others), through both tunnels.
      for (const fleet of fleets) {
        const device = fleet.device(1) as SimulatedDevice
        expect(await viaConnect(gw, device)).toBe(device.identity.digestRealm)
        expect(await viaSocks(gw, device)).toBe(device.identity.digestRealm)
      }
    }
    expect(gateways.reduce((n, gw) => n + gw.events('console-opened').length, 0)).toBeGreaterThanOrEqual(3 * (3 * PER_INSTANCE + 6))
  }, 60_000)

  it('refuses hops from an instance that does not hold the cluster secret', async () => {
    writeFileSync(join(dir, 'intruder.secret'), 'not the secret the cluster was given, but long enough', { mode: 0o600 })
    const intruder = await startInstance('-intruder', join(dir, 'intruder.secret'))
    try {
      const held = fleets[0]?.device(2) as SimulatedDevice
      await waitFor(async () => (await devicesAt(intruder)).some((d) => d.uuid === held.identity.uuid), 20_000, 'the intruder to see the fleet')
      const before = gateways[0]?.events('cluster-hop-unauthenticated').length ?? 0
      await expect(connectViaSocks({ proxyHost: '127.0.0.1', proxyPort: intruder.port('socks'), host: held.identity.fqdn, port: WSMAN_PORT })).rejects.toThrow()
      await eventually(() => (gateways[0]?.events('cluster-hop-unauthenticated').length ?? 0) > before, 5000, 'gw0 to log the refused hop')
      expect(gateways[0]?.events('cluster-hop-unauthenticated').at(-1)).toMatchObject({ verdict: 'forged', deviceId: held.identity.uuid })
      // The cluster's own instances still reach it.
      expect(await viaSocks(gateways[1] as GatewayProcess, held)).toBe(held.identity.digestRealm)
    } finally {
      await intruder.stop('SIGTERM', 8000)
    }
  }, 40_000)

  it('lets the newest session of a UUID win across instances: the old instance ends its own when Redis tells it', async () => {
    const first = await TestDevice.connectPlain((gateways[0] as GatewayProcess).port('devicePlain'))
    extraDevices.push(first)
    await first.handshake({ uuid: TWIN_UUID, ...DEVICE_LOGIN, ports: [16992], fqdn: 'twin.example.test' })
    await waitFor(async () => (await devicesAt(gateways[2] as GatewayProcess)).some((d) => d.uuid === TWIN_UUID && d.instance === 'gw0'), 10_000, 'the twin at gw0')
    const second = await TestDevice.connectPlain((gateways[1] as GatewayProcess).port('devicePlain'))
    extraDevices.push(second)
    await second.handshake({ uuid: TWIN_UUID, ...DEVICE_LOGIN, ports: [16992], fqdn: 'twin.example.test' })
    // gw0 says goodbye the APF way (DISCONNECT, by application) and closes.
    const bye = await first.next(M.DISCONNECT, 10_000, true)
    expect(bye).toMatchObject({ type: M.DISCONNECT, reasonCode: 11 })
    await first.closed
    for (const gw of gateways) {
      await waitFor(async () => (await devicesAt(gw)).filter((d) => d.uuid === TWIN_UUID).map((d) => d.instance).join() === 'gw1', 10_000, 'the twin only at gw1')
    }
    expect((gateways[0] as GatewayProcess).events('cluster-replaced').map((l) => l['deviceId'])).toContain(TWIN_UUID)
    // An admin on another instance can end it too: DELETE travels to gw1 through Redis.
    const res = await request(`http://${gateways[2]?.listeners['api'] ?? ''}/api/v1/devices/${TWIN_UUID}`, { method: 'DELETE' })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    expect(await second.waitClosed(10_000)).toBe(true)
  }, 30_000)

  it('keeps serving while Redis is away, logs it loudly, and registers everything again when Redis returns empty', async () => {
    await redis.stop()
    for (const gw of gateways) await eventually(() => gw.events('cluster-store-down').length > 0, 10_000, 'cluster-store-down in every log')
    expect(gateways.every((gw) => gw.events('cluster-store-down').every((l) => l['level'] === 50))).toBe(true)
    // The hop needs no Redis: every instance still reaches a device held by another.
    for (const [i, gw] of gateways.entries()) {
      const device = fleets[(i + 1) % 3]?.device(0) as SimulatedDevice
      expect(await viaSocks(gw, device)).toBe(device.identity.digestRealm)
    }
    await redis.start()
    // Reconnects back off up to 5 s, so the first one after the restart may take that long.
    for (const gw of gateways) {
      const story = () => JSON.stringify(gw.logs.filter((l) => String(l['event']).startsWith('cluster-')).slice(-8))
      await eventually(() => gw.events('cluster-store-back').length > 0, 30_000, 'cluster-store-back in every log').catch((error: unknown) => {
        throw new Error(`${String(error)}: ${story()}`)
      })
    }
    await waitFor(async () => (await probe.keys('ciralab:dev:*').catch(() => [])).length === 3 * PER_INSTANCE, 10_000, 'every device registered again')
    for (const gw of gateways) expect(await devicesAt(gw)).toHaveLength(3 * PER_INSTANCE)
  }, 60_000)

  it('loses one instance: its fleet calls the alternative gateway and is reachable again, and its other devices leave no ghost after the TTL', async () => {
    const lone = await TestDevice.connectPlain((gateways[2] as GatewayProcess).port('devicePlain'))
    extraDevices.push(lone)
    await lone.handshake({ uuid: LONE_UUID, ...DEVICE_LOGIN, ports: [16992], fqdn: 'lone.example.test' })
    await waitFor(async () => (await devicesAt(gateways[0] as GatewayProcess)).some((d) => d.uuid === LONE_UUID), 10_000, 'the lone device at gw0')
    await (gateways[2] as GatewayProcess).stop('SIGKILL')
    const survivors = gateways.slice(0, 2)
    const fleet2 = new Set(Array.from({ length: PER_INSTANCE }, (_, j) => fleets[2]?.device(j)?.identity.uuid))
    for (const gw of survivors) {
      await waitFor(
        async () => {
          const listed = await devicesAt(gw)
          return listed.length === 3 * PER_INSTANCE && listed.every((d) => d.instance !== 'gw2') && listed.filter((d) => fleet2.has(d.uuid)).every((d) => d.instance === 'gw0')
        },
        20_000,
        'fleet 2 at its alternative gateway (gw0), nothing left at gw2',
      )
    }
    // The lone device had no alternative: gone from Redis and from every view once the TTL passed.
    // Its key expires a TTL after gw2's last refresh, which came just after gw2's last heartbeat.
    await waitFor(async () => (await probe.exists(`ciralab:dev:${LONE_UUID}`)) === 0, 2 * TTL_MS, 'the lone device expired in Redis')
    for (const device of fleets[2] ? Array.from({ length: PER_INSTANCE }, (_, j) => fleets[2]?.device(j) as SimulatedDevice) : []) {
      expect(await hostNameVia(viaHttpProxy(gateways[1] as GatewayProcess, device))).toBe(device.identity.fqdn)
    }
    expect((gateways[0] as GatewayProcess).events('cluster-instance-gone').map((l) => l['instance'])).toContain('gw2')
  }, 60_000)
})
