import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType as M } from '../protocol/apf/index.js'
import { createRandom } from './device/rng.js'
import { garbageBytes, splitAtRandom } from './faults.js'
import { Harness, untilState } from './test-support/harness.js'
import type { MiniSession } from './test-support/mini-gateway.js'
import { serveEcho } from './test-support/echo-service.js'

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

const echo = serveEcho

async function connected(profile: unknown = {}, gateway = {}, plain = true) {
  const h = await new Harness({ plain, profile: { reconnect: { retryDelaySeconds: 0.02 }, ...(profile as object) }, gateway, services: new Map([[16992, echo]]) }).start()
  harness = h
  const device = h.device(0)
  device.start()
  await untilState(device, 'connected')
  return { h, device, session: [...h.gateway.sessions][0] as MiniSession }
}

async function echoTime(session: MiniSession, bytes: number): Promise<number> {
  const channel = await session.openChannel(16992)
  const t = performance.now()
  await new Promise<void>((resolve) => {
    let got = 0
    channel.on('data', (d: Buffer) => {
      got += d.length
      if (got >= bytes) resolve()
    })
    channel.write(randomBytes(bytes))
  })
  channel.end()
  return performance.now() - t
}

describe('faults, each counted', () => {
  it('reset: the connection dies with RST and the device calls back', async () => {
    const { device, session } = await connected()
    const closed = new Promise((resolve) => session.socket.once('close', resolve))
    expect(device.injectFault('reset')).toBe(true)
    await closed
    await untilState(device, 'connected')
    expect(device.counters.faults).toEqual({ reset: 1 })
    expect(device.counters.disconnectReasons).toEqual({ fault: 1 })
    expect(device.counters.connects).toBe(2)
  })

  it('half-open: the device goes silent (no keepalive replies), then drops the socket and calls back', async () => {
    const { h, device, session } = await connected()
    expect(device.injectFault('half-open', { durationSeconds: 0.3 })).toBe(true)
    session.send({ type: M.KEEPALIVE_REQUEST, cookie: 7 })
    await new Promise((r) => setTimeout(r, 150))
    expect(session.messagesIn.some((m) => m.type === M.KEEPALIVE_REPLY)).toBe(false)
    await h.gateway.waitFor(() => session.closed)
    await untilState(device, 'connected')
    expect(device.counters.faults).toEqual({ 'half-open': 1 })
  })

  it('slow-reader: the device reads at the configured rate', async () => {
    const { device, session } = await connected()
    const fast = await echoTime(session, 20_000)
    expect(device.injectFault('slow-reader', { bytesPerSecond: 40_000, durationSeconds: 10 })).toBe(true)
    const slow = await echoTime(session, 20_000)
    expect(slow).toBeGreaterThan(400)
    expect(slow).toBeGreaterThan(fast * 2)
    expect(device.counters.faults).toEqual({ 'slow-reader': 1 })
  })

  it('split: APF writes leave in pieces (TLS records), and the gateway still reads every message', async () => {
    const { h, device, session } = await connected({}, {}, false)
    expect(device.injectFault('split', { durationSeconds: 10 })).toBe(true)
    await echoTime(session, 50_000)
    device.injectFault('reset')
    await untilState(device, 'waiting')
    await untilState(device, 'connected')
    const second = [...h.gateway.sessions].find((s) => s !== session) as MiniSession
    expect(second.forwardedPorts).toHaveLength(7)
    expect(second.received.length).toBeGreaterThan(11) // 11 messages, at least one in several pieces
    expect(device.counters.faults).toEqual({ split: 1, reset: 1 })
  })

  it('garbage: bytes that are not APF make the gateway drop the device, which calls back', async () => {
    const { h, device } = await connected()
    expect(device.injectFault('garbage', { bytes: 8 })).toBe(true)
    await h.gateway.waitFor(() => h.gateway.counters.protocolErrors === 1)
    await untilState(device, 'waiting')
    await untilState(device, 'connected')
    expect(device.counters.faults).toEqual({ garbage: 1 })
  })

  it('missed keepalives: the next ones are not sent', async () => {
    const { h, device } = await connected({}, { keepaliveOptions: { style: 'mps', intervalSeconds: 1, timeoutSeconds: 0 } })
    expect(device.injectFault('missed-keepalives', { count: 1 })).toBe(true)
    await h.gateway.waitFor(() => device.counters.keepalivesSkipped === 1, 3_000)
    expect(device.counters.keepalivesSent).toBe(0)
    expect(device.counters.faults).toEqual({ 'missed-keepalives': 1 })
  })

  it('reconnect storm: the tunnel is dropped and rebuilt back to back', async () => {
    const { h, device } = await connected()
    expect(device.injectFault('reconnect-storm', { count: 3 })).toBe(true)
    await h.gateway.waitFor(() => device.counters.connects === 4 && device.connected)
    await new Promise((r) => setTimeout(r, 50))
    expect(device.counters.connects).toBe(4)
    expect(h.gateway.counters.connections).toBe(4)
    expect(device.counters.faults).toEqual({ 'reconnect-storm': 1 })
  })

  it('comes from the profile as a schedule or a rate', async () => {
    const { h, device } = await connected({
      faults: [
        { kind: 'missed-keepalives', atSeconds: [0.05, 0.1] },
        { kind: 'split', ratePerHour: 72_000, durationSeconds: 0.01 },
      ],
    })
    await h.gateway.waitFor(() => (device.counters.faults['missed-keepalives'] ?? 0) === 2 && (device.counters.faults.split ?? 0) >= 2, 5_000)
    expect(device.counters.keepalivesSkipped).toBe(0)
  })

  it('cannot reset a tunnel that does not exist', async () => {
    const h = await new Harness({ plain: true }).start()
    harness = h
    const device = h.device(0)
    expect(device.injectFault('reset')).toBe(false)
    expect(device.counters.faults).toEqual({})
  })
})

describe('fault helpers', () => {
  it('splits at random points without losing a byte', () => {
    const random = createRandom(7)
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(1 + (i % 40))
      const pieces = splitAtRandom(data, random)
      expect(Buffer.concat(pieces).equals(data)).toBe(true)
      expect(pieces.every((p) => p.length > 0)).toBe(true)
      if (data.length >= 2) expect(pieces.length).toBeGreaterThanOrEqual(2)
    }
  })

  it('makes garbage that never starts with an APF message type', () => {
    expect(garbageBytes(16, createRandom(1))[0]).toBe(0xff)
  })
})
