import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeApfMessage, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { Evidence } from '../evidence.js'
import type { DeviceEndpoint } from '../target.js'
import { patternBytes, pumpChannel, sha256 } from './channel.js'
import { classifyStream, fuzzItems, mutate, seededRandom } from './fuzz.js'
import { ProbeDevice } from './probe-device.js'

/** A plain-TCP "gateway" that writes the given messages as soon as the probe connects. */
async function scriptedPeer(messages: ReadonlyArray<ApfMessage | Buffer>): Promise<{ endpoint: DeviceEndpoint; received: Buffer[]; close: () => Promise<void> }> {
  const received: Buffer[] = []
  const sockets: Socket[] = []
  const server: Server = createServer((s) => {
    sockets.push(s)
    s.on('data', (d: Buffer) => received.push(d))
    s.on('error', () => undefined)
    for (const m of messages) s.write(Buffer.isBuffer(m) ? m : encodeApfMessage(m))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    endpoint: { host: '127.0.0.1', port, tls: false, caPem: null, serverName: null },
    received,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup) await c()
  cleanup = []
})

async function probeAgainst(messages: ReadonlyArray<ApfMessage | Buffer>): Promise<{ probe: ProbeDevice; received: Buffer[] }> {
  const peer = await scriptedPeer(messages)
  const probe = await ProbeDevice.connect(peer.endpoint, new Evidence().transcript('probe', 'TCP'), { channels: 'queue' })
  cleanup.push(() => probe.close(), peer.close)
  return { probe, received: peer.received }
}

describe('channel pump', () => {
  it('catches a gateway that sends past the window the device granted', async () => {
    const data = patternBytes(100, 1)
    const { probe } = await probeAgainst([{ type: M.CHANNEL_DATA, recipientChannel: 0, data }])
    const r = await pumpChannel(probe, { local: 0, remote: 5 }, { send: Buffer.alloc(0), sendWindow: 0, receiveWindow: 64, expectBytes: 100, maxChunk: 1, adjust: 'every-message', stallMs: 500, closeWhenDone: false })
    expect(r.windowViolation).toBe('100 bytes in flight against a window of 64 (message 1)')
    expect(r.receivedSha256).toBe(sha256(data))
  })

  it('sends only within the gateway window and reports the stall when no credit comes', async () => {
    const { probe, received } = await probeAgainst([])
    const r = await pumpChannel(probe, { local: 0, remote: 5 }, { send: patternBytes(10, 2), sendWindow: 4, receiveWindow: 64, expectBytes: 0, maxChunk: 16, adjust: 'every-message', stallMs: 300, closeWhenDone: false })
    expect(r.sent).toBe(4)
    expect(r.stalled).toMatch(/^nothing within 300 ms with 4\/10 bytes sent and 0\/0 received \(gateway window for us: 0\)$/)
    await new Promise((resolve) => setTimeout(resolve, 50))
    // One CHANNEL_DATA of exactly the 4 credited bytes went out.
    expect(Buffer.concat(received).subarray(0, 9).toString('hex')).toBe('5e0000000500000004')
  })

  it('answers a CHANNEL_CLOSE with one CLOSE and counts it', async () => {
    const { probe, received } = await probeAgainst([{ type: M.CHANNEL_CLOSE, recipientChannel: 0 }])
    const r = await pumpChannel(probe, { local: 0, remote: 9 }, { send: Buffer.alloc(0), sendWindow: 0, receiveWindow: 64, expectBytes: 0, maxChunk: 1, adjust: 'every-message', stallMs: 500, closeWhenDone: true })
    expect(r.closesFromGateway).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(Buffer.concat(received).toString('hex')).toBe('6100000009')
  })
})

describe('probe device', () => {
  it('delivers a 1-byte REQUEST_SUCCESS once the peer goes quiet, with its exact bytes', async () => {
    const { probe } = await probeAgainst([{ type: M.REQUEST_SUCCESS, portBound: null }])
    const r = await probe.next(2000)
    expect(r?.message).toEqual({ type: M.REQUEST_SUCCESS, portBound: null })
    expect(r?.bytes.toString('hex')).toBe('51')
  })

  it('answers KEEPALIVE_OPTIONS_REQUEST as firmware does and keeps it for the case', async () => {
    const { probe, received } = await probeAgainst([{ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 }])
    await probe.collect(200)
    expect(probe.keepaliveOptions).toEqual([{ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 }])
    expect(Buffer.concat(received).toString('hex')).toBe('d30000001e0000005a')
  })

  it('says when the gateway sent bytes that are not APF, and when it sent nothing', async () => {
    const quiet = await probeAgainst([])
    expect(await quiet.probe.next(50)).toBeNull()
    expect(quiet.probe.describeSilence(50)).toBe('nothing within 50 ms')
    const { probe } = await probeAgainst([Buffer.from('07000000', 'hex')])
    expect(await probe.next(300)).toBeNull()
    expect(probe.describeSilence(300)).toMatch(/^bytes that are not APF \(APF_ERR_UNKNOWN_MESSAGE_TYPE: unknown APF message type 7/)
  })
})

describe('fuzz material', () => {
  it('is the same for the same seed, with exactly one mutation when asked', () => {
    const a = fuzzItems(42, 10, true)
    const b = fuzzItems(42, 10, true)
    expect(a.map((x) => x.bytes.toString('hex'))).toEqual(b.map((x) => x.bytes.toString('hex')))
    expect(a.filter((x) => x.kind === 'mutated')).toHaveLength(1)
    expect(fuzzItems(42, 10, false).every((x) => x.kind === 'random')).toBe(true)
  })

  it('mutates deterministically', () => {
    const bytes = encodeApfMessage({ type: M.KEEPALIVE_REQUEST, cookie: 1 })
    expect(mutate(bytes, seededRandom(7))).toEqual(mutate(bytes, seededRandom(7)))
  })

  it('classifies streams with the codec: valid, bad, incomplete, ambiguous', () => {
    const keepalive = encodeApfMessage({ type: M.KEEPALIVE_REQUEST, cookie: 7 })
    expect(classifyStream(Buffer.concat([keepalive, keepalive])).cls).toBe('valid')
    expect(classifyStream(Buffer.from('07000000', 'hex'))).toEqual({ cls: 'bad', detail: 'APF_ERR_UNKNOWN_MESSAGE_TYPE at byte 0' })
    expect(classifyStream(keepalive.subarray(0, 3)).cls).toBe('incomplete')
    // A 3000-byte string is over our own limit but a gateway may wait for it: not "bad".
    expect(classifyStream(Buffer.from('0500000bb8616263', 'hex')).cls).toBe('incomplete')
    const other = encodeApfMessage({ type: M.GLOBAL_REQUEST, wantReply: false, request: { kind: 'other', requestName: 'x@y', payload: Buffer.from('zz') } })
    expect(classifyStream(other).cls).toBe('ambiguous')
  })
})
