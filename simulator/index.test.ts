import { afterEach, describe, expect, it } from 'vitest'
import { createDevice, createFleet, parseProfile, snapshotDevice, type ServiceTable } from './index.js'
import { untilState } from './test-support/harness.js'
import { MiniGateway } from './test-support/mini-gateway.js'
import { serveEcho } from './test-support/echo-service.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function gateway(): Promise<{ g: MiniGateway; endpoint: { host: string; port: number } }> {
  const g = new MiniGateway()
  const endpoint = await g.listen()
  closers.push(() => g.close())
  return { g, endpoint }
}

describe('the library API', () => {
  it('creates one device, lets a test press Fast Call for Help, and shows its channels and bytes', async () => {
    const { g, endpoint } = await gateway()
    const services: ServiceTable = new Map([[16992, serveEcho]])
    const single = createDevice({
      gateway: endpoint,
      transport: { mode: 'plain' },
      profile: { policies: { periodic: { enabled: false } } },
      index: 17,
      services,
      wheelTickMs: 5,
    })
    closers.push(() => single.close())
    const { device } = single
    device.start()
    expect(snapshotDevice(device)).toMatchObject({ index: 17, fqdn: 'dev-000017.fleet.test', state: 'idle', connected: false, channels: [] })
    expect(device.trigger('user')).toBe(true)
    await untilState(device, 'connected')
    const session = [...g.sessions][0]
    expect(session?.triggerReason).toBe(1)
    if (session === undefined) throw new Error('no session')
    const channel = await session.openChannel(16992)
    const echoed = new Promise((resolve) => channel.once('data', resolve))
    channel.write(Buffer.from('hello'))
    await echoed
    const snap = snapshotDevice(device)
    expect(snap.connected).toBe(true)
    expect(snap.forwardedPorts).toHaveLength(7)
    expect(snap.channels).toEqual([{ localId: 0, remoteId: 4, port: 16992, bytesIn: 5, bytesOut: 5, sendCredit: 32763 }])
    expect(snap.counters.channelsOpened).toBe(1)
  })

  it('creates a fleet in this process whose devices can be reached by index', async () => {
    const { g, endpoint } = await gateway()
    const fleet = createFleet({ gateway: endpoint, transport: { mode: 'plain' }, devices: 5, profile: parseProfile({ reconnect: { retryDelaySeconds: 0.05 } }) })
    closers.push(() => fleet.stop())
    await fleet.start()
    await g.waitFor(() => fleet.snapshot().connected === 5)
    expect(await fleet.injectFault(3, 'reset')).toBe(true)
    const device = fleet.device(3)
    expect(device).toBeDefined()
    await g.waitFor(() => (device?.counters.connects ?? 0) === 2)
    const summary = await fleet.stop()
    expect(summary.faults.reset).toBe(1)
    expect(summary.connects).toBe(6)
  })
})
