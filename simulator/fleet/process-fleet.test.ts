import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { MiniGateway } from '../test-support/mini-gateway.js'
import { TS_WORKER } from '../test-support/ts-worker.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS } from './device-config.js'
import { ProcessFleet } from './process-fleet.js'
import { parseProfile } from './profile.js'


const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

describe('a fleet across worker processes', () => {
  it('splits the devices over two workers, merges their counts, and relays triggers', async () => {
    const gateway = new MiniGateway({ transcript: false })
    const endpoint = await gateway.listen()
    closers.push(() => gateway.close())
    const fleet = new ProcessFleet({
      profile: parseProfile({ policies: { periodic: { enabled: false } } }),
      run: { seed: 'w', gateways: { primary: endpoint, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: { mode: 'plain' },
      devices: 50,
      workers: 2,
      rampPerSecond: 0,
      reportIntervalMs: 50,
      ...TS_WORKER,
    })
    closers.push(() => fleet.stop())
    await fleet.start()
    expect(fleet.snapshot().devices).toBe(50)
    await gateway.waitFor(() => fleet.snapshot().states.idle === 50)
    expect(await fleet.trigger(17, 'user')).toBe(true)
    expect(await fleet.trigger(42, 'alert')).toBe(true)
    await gateway.waitFor(() => [...gateway.sessions].filter((s) => s.triggerReason !== null).length === 2)
    const triggers = [...gateway.sessions].map((s) => s.triggerReason).sort()
    expect(triggers).toEqual([1, 2])
    await gateway.waitFor(() => fleet.snapshot().connected === 2)
    expect(await fleet.injectFault(17, 'missed-keepalives')).toBe(true)
    const final = await fleet.stop()
    expect(final.devices).toBe(50)
    expect(final.everConnected).toBe(2)
    expect(final.triggers).toMatchObject({ user: 1, alert: 1 })
    expect(final.faults['missed-keepalives']).toBe(1)
    expect(final.states.stopped).toBe(50)
    expect(fleet.problems).toEqual([])
  })

  it('reports a worker that cannot start', async () => {
    const fleet = new ProcessFleet({
      profile: parseProfile({}),
      run: { seed: 'w', gateways: { primary: { host: '127.0.0.1', port: 9 }, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: { mode: 'plain' },
      devices: 2,
      workers: 1,
      rampPerSecond: 0,
      workerModule: fileURLToPath(new URL('./no-such-worker.js', import.meta.url)),
    })
    await expect(fleet.start()).rejects.toMatchObject({ code: 'SIM_ERR_WORKER' })
    expect(fleet.problems[0]).toMatch(/worker 0 exited \(status 1\) before it finished: .*Cannot find module/)
  })
})
