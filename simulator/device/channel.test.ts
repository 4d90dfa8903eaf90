import { createHash, randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import type { ChannelService } from '../services/types.js'
import { Harness, untilState } from '../test-support/harness.js'
import type { MiniSession } from '../test-support/mini-gateway.js'
import type { DeviceChannel } from './channel.js'
import { serveEcho } from '../test-support/echo-service.js'

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

const echo = serveEcho
/** Holds the channel open and never reads. */
const stall: ChannelService = (stream) => {
  stream.pause()
}

async function connectedSession(services: Map<number, ChannelService>, profile: unknown = {}, window?: number): Promise<{ h: Harness; session: MiniSession }> {
  const h = await new Harness({ plain: true, services, profile, ...(window === undefined ? {} : { gateway: { channelWindow: window } }) }).start()
  harness = h
  const device = h.device(0)
  device.start()
  await untilState(device, 'connected')
  return { h, session: [...h.gateway.sessions][0] as MiniSession }
}

function readAll(stream: Duplex, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let got = 0
    stream.on('data', (chunk: Buffer) => {
      parts.push(chunk)
      got += chunk.length
      if (got >= length) resolve(Buffer.concat(parts))
    })
    stream.on('error', reject)
  })
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** At every CHANNEL_DATA of `dataDir`, bytes so far ≤ window + WINDOW_ADJUSTs sent the other way so far. */
function maxOverrun(transcript: readonly { dir: 'in' | 'out'; message: ApfMessage }[], dataDir: 'in' | 'out', window: number): number {
  let data = 0
  let credit = window
  let worst = Number.NEGATIVE_INFINITY
  for (const { dir, message } of transcript) {
    if (dir === dataDir && message.type === M.CHANNEL_DATA) {
      data += message.data.length
      worst = Math.max(worst, data - credit)
    }
    if (dir !== dataDir && message.type === M.CHANNEL_WINDOW_ADJUST) credit += message.bytesToAdd
  }
  return worst
}

describe('channels', () => {
  for (const window of [499, 32768]) {
    it(`carries 200 KB intact both ways with ${window}-byte windows on both sides, never past the window`, async () => {
      const { h, session } = await connectedSession(new Map([[16992, echo]]), { firmware: { initialWindow: window } }, window)
      const channel = await session.openChannel(16992)
      expect(channel.remoteId).toBe(0)
      const payload = randomBytes(200 * 1024)
      const back = readAll(channel, payload.length)
      // APF has no half-close (no EOF message): write, read everything back, then close.
      channel.write(payload)
      expect(sha(await back)).toBe(sha(payload))
      channel.end()
      expect(maxOverrun(session.transcript, 'in', window)).toBeLessThanOrEqual(0)
      expect(maxOverrun(session.transcript, 'out', window)).toBeLessThanOrEqual(0)
      expect(h.gateway.counters.channelWindowViolations).toBe(0)
      const adjusts = session.messagesIn.filter((m) => m.type === M.CHANNEL_WINDOW_ADJUST)
      expect(adjusts.length).toBeGreaterThan(0)
    })
  }

  it('tops the window up only as the service reads: a stalled service gets exactly one window', async () => {
    const { session } = await connectedSession(new Map([[16992, stall]]))
    const channel = await session.openChannel(16992)
    const accepted = channel.write(randomBytes(100_000))
    expect(accepted).toBe(false)
    await new Promise((r) => setTimeout(r, 200))
    const sent = session.transcript.filter((e) => e.dir === 'out' && e.message.type === M.CHANNEL_DATA)
    const total = sent.reduce((n, e) => n + (e.message.type === M.CHANNEL_DATA ? e.message.data.length : 0), 0)
    expect(total).toBe(32768)
    expect(channel.sendCredit).toBe(0)
    expect(session.messagesIn.some((m) => m.type === M.CHANNEL_WINDOW_ADJUST)).toBe(false)
  })

  it('answers the gateway CLOSE once, and reuses the smallest free id after', async () => {
    const { h, session } = await connectedSession(new Map([[16992, echo]]))
    const first = await session.openChannel(16992)
    const second = await session.openChannel(16992)
    expect([first.remoteId, second.remoteId]).toEqual([0, 1])
    first.end()
    await h.gateway.waitFor(() => first.apfClosed)
    const third = await session.openChannel(16992)
    expect(third.remoteId).toBe(0)
    const closes = session.messagesIn.filter((m) => m.type === M.CHANNEL_CLOSE)
    expect(closes).toEqual([{ type: M.CHANNEL_CLOSE, recipientChannel: 4 }])
  })

  it('sends exactly one CLOSE when the service ends the channel, however the gateway answers', async () => {
    const ending: ChannelService = (stream) => {
      stream.end(Buffer.from('bye'))
      stream.destroy()
    }
    const { h, session } = await connectedSession(new Map([[16992, ending]]))
    const channel: DeviceChannel = await session.openChannel(16992)
    const data = await readAll(channel, 3)
    expect(data.toString()).toBe('bye')
    await h.gateway.waitFor(() => channel.apfClosed)
    channel.destroy()
    await new Promise((r) => setTimeout(r, 50))
    const closes = session.messagesIn.filter((m) => m.type === M.CHANNEL_CLOSE)
    expect(closes).toHaveLength(1)
  })

  it('refuses opens with the reason firmware gives', async () => {
    const { h, session } = await connectedSession(new Map([[16992, stall]]), { firmware: { maxChannels: 2 } })
    await session.openChannel(16992)
    await session.openChannel(16992)
    await expect(session.openChannel(16992)).rejects.toMatchObject({ reasonCode: 4 })
    await expect(session.openChannel(16993)).rejects.toMatchObject({ reasonCode: 4 })
    const other = await connectedSessionOnSameGateway(h)
    await expect(other.openChannel(80)).rejects.toMatchObject({ reasonCode: 1 })
    await expect(other.openChannel(16993)).rejects.toMatchObject({ reasonCode: 2 })
    other.send({
      type: M.CHANNEL_OPEN,
      channelType: 'direct-tcpip',
      senderChannel: 99,
      initialWindowSize: 1000,
      reserved: 0xffffffff,
      connectedAddress: '',
      connectedPort: 16992,
      originatorAddress: '1.2.3.4',
      originatorPort: 1,
    })
    await h.gateway.waitFor(() => other.messagesIn.some((m) => m.type === M.CHANNEL_OPEN_FAILURE && m.recipientChannel === 99))
    expect(other.messagesIn.find((m) => m.type === M.CHANNEL_OPEN_FAILURE && m.recipientChannel === 99)).toMatchObject({ reasonCode: 3 })
    const device = h.devices[0]
    expect(device?.counters.channelRefusals['resource-shortage']).toBe(2)
  })
})

async function connectedSessionOnSameGateway(h: Harness): Promise<MiniSession> {
  const before = new Set(h.gateway.sessions)
  const device = h.device(1)
  device.start()
  await untilState(device, 'connected')
  return [...h.gateway.sessions].find((s) => !before.has(s)) as MiniSession
}
