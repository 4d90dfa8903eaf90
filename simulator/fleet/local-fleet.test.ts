import { afterEach, describe, expect, it } from 'vitest'
import { MiniGateway } from '../test-support/mini-gateway.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS } from './device-config.js'
import { LocalFleet } from './local-fleet.js'
import { parseProfile } from './profile.js'
import { judge } from './summary.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function plainGateway(): Promise<{ gateway: MiniGateway; endpoint: { host: string; port: number } }> {
  const gateway = new MiniGateway({ transcript: false })
  const endpoint = await gateway.listen()
  closers.push(() => gateway.close())
  return { gateway, endpoint }
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a fleet in one process', () => {
  // No speed assertion (benchmarks measure that): generous deadlines, as the machine may be busy.
  it('brings 2,000 devices up against one gateway, then stops them cleanly', async () => {
    const { gateway, endpoint } = await plainGateway()
    const fleet = new LocalFleet({
      profile: parseProfile({}),
      run: { seed: 's', gateways: { primary: endpoint, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: ['127.0.0.1', '127.0.0.2'] },
      transport: { mode: 'plain' },
      count: 2000,
      rampPerSecond: 0,
    })
    closers.push(() => fleet.stop())
    await fleet.start()
    await until(() => fleet.snapshot().connected === 2000, 80_000)
    expect(gateway.sessions.size).toBe(2000)
    const uuids = new Set([...gateway.sessions].map((s) => s.uuid))
    expect(uuids.size).toBe(2000)
    const addresses = new Set([...gateway.sessions].map((s) => s.socket.remoteAddress))
    expect(addresses).toEqual(new Set(['127.0.0.1', '127.0.0.2']))
    const final = await fleet.stop()
    expect(final.states.stopped).toBe(2000)
    expect(final.everConnected).toBe(2000)
    expect(final.connectMs.count).toBe(2000)
    expect(judge(final)).toEqual({ ok: true, problems: [] })
    await until(() => gateway.sessions.size === 0, 10_000)
  }, 120_000)

  it('ramps: at 100 devices/s, the 20th device starts no sooner than 0.19 s after the fleet', async () => {
    const { endpoint } = await plainGateway()
    const fleet = new LocalFleet({
      profile: parseProfile({}),
      run: { seed: 's', gateways: { primary: endpoint, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: { mode: 'plain' },
      firstIndex: 100,
      count: 20,
      rampPerSecond: 100,
      wheelTickMs: 5,
    })
    closers.push(() => fleet.stop())
    const startedAt: number[] = []
    for (const d of fleet.devices) d.once('state', () => startedAt.push(performance.now()))
    const t = performance.now()
    await fleet.start()
    await until(() => fleet.snapshot().connected === 20, 5_000)
    expect(startedAt).toHaveLength(20)
    // A busy machine can only make the ramp later, never earlier.
    expect(Math.max(...startedAt) - t).toBeGreaterThanOrEqual(185)
    expect(fleet.device(100)?.identity.fqdn).toBe('dev-000100.fleet.test')
    expect(fleet.device(99)).toBeUndefined()
    expect(await fleet.trigger(105, 'user')).toBe(false)
    expect(fleet.snapshot().triggers.user).toBe(1)
  })

  it('judges a run where devices never connected as failed', async () => {
    const fleet = new LocalFleet({
      profile: parseProfile({ identity: { versions: { '19.0': 1 } } }),
      run: { seed: 's', gateways: { primary: { host: '127.0.0.1', port: 9 }, alternative: null }, credentials: { username: 'admin', password: 'short' }, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: { mode: 'plain' },
      count: 3,
      rampPerSecond: 0,
    })
    closers.push(() => fleet.stop())
    await fleet.start()
    await until(() => fleet.snapshot().states.refused === 3, 5_000)
    const snapshot = fleet.snapshot()
    expect(snapshot.failures['password-rule']).toBe(3)
    expect(judge(snapshot)).toEqual({ ok: false, problems: ['3 of 3 devices never connected'] })
  })
})
