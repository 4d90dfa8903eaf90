/**
 * `ciralab gateway --processes 2` without Redis: two worker processes share the listening ports
 * (node:cluster) and their presence through the primary process. The fleet lands on both;
 * a console through the shared proxy port reaches every device, whichever worker holds it; a
 * worker that dies takes its devices out of the fleet at once, is restarted, and its devices
 * call back and are reachable again.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WsmanClient } from '../consoles/wsman-client.js'
import { createFleet, WSMAN_PORT, type LocalFleet, type SimulatedDevice } from '../simulator/index.js'
import { serveWsman } from '../simulator/services/wsman/index.js'
import { eventually } from '../gateway/test-support/gateway.js'
import { startGatewayProcess, type GatewayProcess } from './test-support/gateway-process.js'

const DEVICE_LOGIN = { username: 'fleet', password: 'Fl33t!Login' }
const AMT = { user: 'admin', password: 'P@ssw0rd' }
const DEVICES = 8

let dir: string
let gateway: GatewayProcess
let fleet: LocalFleet

interface Listed {
  readonly uuid: string
  readonly instance?: string
}

async function fleetListing(): Promise<Listed[]> {
  const res = await request(`http://${gateway.listeners['api'] ?? ''}/api/v1/devices`)
  return ((await res.body.json()) as { devices: Listed[] }).devices
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function hostName(device: SimulatedDevice): Promise<string> {
  const client = new WsmanClient({ transport: { kind: 'proxy', proxyUrl: `http://${gateway.listeners['http'] ?? ''}`, target: `http://${device.identity.uuid}:${WSMAN_PORT}/wsman` }, username: AMT.user, password: AMT.password, timeoutMs: 10_000 })
  try {
    const reply = await client.get('AMT_GeneralSettings')
    return /<g:HostOSFQDN>([^<]*)</.exec(reply.body.toString('utf8'))?.[1] ?? `(status ${reply.status})`
  } finally {
    await client.close()
  }
}

const devices = () => Array.from({ length: DEVICES }, (_, i) => fleet.device(i) as SimulatedDevice)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ciralab-procs-'))
  const listen = (name: string) => [`--${name}`, '127.0.0.1:0']
  gateway = await startGatewayProcess(
    [...listen('device-plain-listen'), '--device-tls-listen', 'off', ...listen('http-listen'), '--socks-listen', 'off', ...listen('api-listen'), '--processes', '2', '--instance-id', 'box', '--user', DEVICE_LOGIN.username, '--password', DEVICE_LOGIN.password, '--data-dir', dir, '--drain-ms', '200'],
    { CIRALAB_PRESENCE_TTL_MS: '1500' },
    30_000,
  )
  fleet = createFleet({
    gateway: { host: '127.0.0.1', port: gateway.port('devicePlain') },
    devices: DEVICES,
    transport: { mode: 'plain' },
    seed: 'processes',
    credentials: DEVICE_LOGIN,
    account: AMT,
    services: new Map([[WSMAN_PORT, serveWsman]]),
    profile: {
      identity: { sharedUuidFraction: 0, blankUuidFraction: 0 },
      policies: { periodic: { enabled: true, intervalSeconds: 3600, tunnelLifetimeSeconds: 0 } },
      reconnect: { retryDelaySeconds: 0.2, backoffSeconds: 1, giveUpAfterSeconds: 3600 },
    },
  })
  await fleet.start()
}, 60_000)

afterAll(async () => {
  await fleet?.stop()
  if (gateway !== undefined) {
    const status = await gateway.stop('SIGTERM', 20_000)
    expect(status, JSON.stringify(gateway.logs.filter((l) => Number(l['level']) >= 40).slice(-5))).toBe(0)
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}, 30_000)

describe('ciralab gateway --processes 2 (presence through the primary process)', () => {
  it('prints one ready line for both processes and spreads the fleet over them', async () => {
    expect(gateway.ready['processes']).toBe(2)
    expect(gateway.ready['internal']).toHaveLength(2)
    await waitFor(async () => (await fleetListing()).length === DEVICES, 20_000, 'the whole fleet listed')
    // Whichever worker answers the API, it lists the whole fleet, held by both.
    for (let i = 0; i < 4; i++) {
      const listed = await fleetListing()
      expect(listed).toHaveLength(DEVICES)
      expect(new Set(listed.map((d) => d.instance))).toEqual(new Set(['box-0', 'box-1']))
    }
  }, 30_000)

  it('brings a console through the shared proxy port to every device, whichever process holds it', async () => {
    for (let round = 0; round < 2; round++) for (const device of devices()) expect(await hostName(device)).toBe(device.identity.fqdn)
  }, 30_000)

  it('restarts a worker that died; its devices call back and are reachable again', async () => {
    const ready = gateway.events('worker-ready')
    const victim = ready.find((l) => l['index'] === 1)?.['pid']
    expect(typeof victim).toBe('number')
    process.kill(victim as number, 'SIGKILL')
    await eventually(() => gateway.events('worker-exited').length > 0, 10_000, 'worker-exited')
    expect(gateway.events('worker-exited')[0]).toMatchObject({ index: 1, signal: 'SIGKILL' })
    await eventually(() => gateway.events('worker-ready').length > ready.length, 20_000, 'the worker restarted')
    await waitFor(async () => (await fleetListing()).length === DEVICES, 20_000, 'the whole fleet back')
    for (const device of devices()) expect(await hostName(device)).toBe(device.identity.fqdn)
  }, 40_000)
})
