import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType as M } from '../../protocol/apf/index.js'
import { Harness, untilState } from '../test-support/harness.js'
import { afterFailure, startCampaign, type Endpoint } from './policy.js'

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

/** A loopback port with nothing listening (bound, then released). */
async function deadEndpoint(): Promise<Endpoint> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return { host: '127.0.0.1', port }
}

const A: Endpoint = { host: '127.0.0.1', port: 1 }
const B: Endpoint = { host: '127.0.0.1', port: 2 }
const timing = { retryDelayMs: 10, backoffMs: 1000, giveUpAfterMs: 2500 }

describe('the reconnect campaign', () => {
  it('tries preferred, alternative, the pair once more, then backs off, then gives up', () => {
    let c = startCampaign('periodic', { primary: A, alternative: B })
    expect(c.targets).toEqual([A, B, A, B])
    const seen: string[] = []
    let now = 0
    for (let i = 0; i < 20; i++) {
      const step = afterFailure(c, now, timing)
      seen.push(step.action)
      if (step.action === 'give-up') break
      c = step.campaign
      now += step.delayMs
    }
    expect(seen).toEqual(['retry', 'retry', 'retry', 'backoff', 'retry', 'retry', 'retry', 'backoff', 'retry', 'retry', 'retry', 'give-up'])
  })

  it('with one gateway tries it twice per round', () => {
    expect(startCampaign('user', { primary: A, alternative: null }).targets).toEqual([A, A])
  })
})

describe('policies against a gateway', () => {
  it('fails over to the alternative gateway when the preferred one is down', async () => {
    const h = await new Harness({ plain: true, profile: { reconnect: { retryDelaySeconds: 0.02 } } }).start()
    harness = h
    const dead = await deadEndpoint()
    const device = h.device(0, { gateways: { primary: dead, alternative: h.endpoint } })
    device.start()
    await untilState(device, 'connected')
    expect(device.counters.failures).toEqual({ 'tcp-refused': 1 })
    expect(device.gateway).toEqual(h.endpoint)
  })

  it('backs off after two rounds of failure and gives up after the outage limit; Fast Call for Help starts again', async () => {
    const h = await new Harness({
      plain: true,
      profile: { reconnect: { retryDelaySeconds: 0.01, backoffSeconds: 0.3, giveUpAfterSeconds: 1 } },
    }).start()
    harness = h
    const [dead1, dead2] = [await deadEndpoint(), await deadEndpoint()]
    const device = h.device(0, { gateways: { primary: dead1, alternative: dead2 } })
    device.start()
    await untilState(device, 'gave-up')
    expect(device.counters.gaveUp).toBe(1)
    expect(device.counters.attempts % 4).toBe(0)
    expect(device.counters.attempts).toBeGreaterThanOrEqual(8)
    expect(device.trigger('user')).toBe(true)
    expect(device.state).toBe('connecting')
  })

  it('periodic: connects, ends the tunnel with DISCONNECT 11 at the end of its lifetime, and calls again next period', async () => {
    const h = await new Harness({
      plain: true,
      profile: { policies: { periodic: { intervalSeconds: 0.2, tunnelLifetimeSeconds: 0.15 } } },
    }).start()
    harness = h
    const device = h.device(0)
    device.start()
    await untilState(device, 'connected')
    const first = [...h.gateway.sessions][0]
    await untilState(device, 'idle')
    await untilState(device, 'connected')
    expect(device.counters.connects).toBe(2)
    expect(device.counters.disconnectReasons).toEqual({ 'tunnel-lifetime': 1 })
    expect(first?.messagesIn.at(-1)).toEqual({ type: M.DISCONNECT, reasonCode: 11 })
    expect(device.counters.triggers.periodic).toBe(2)
  })

  it('reconnects a lost tunnel on its own', async () => {
    const h = await new Harness({ plain: true, profile: { reconnect: { retryDelaySeconds: 0.02 } } }).start()
    harness = h
    const device = h.device(0)
    device.start()
    await untilState(device, 'connected')
    for (const s of h.gateway.sessions) s.disconnect(11)
    await untilState(device, 'waiting')
    await untilState(device, 'connected')
    expect(device.counters.disconnectReasons).toEqual({ 'gateway-disconnect': 1 })
    expect(device.counters.connects).toBe(2)
  })
})
