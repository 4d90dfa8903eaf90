import { createHash, randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { ApfDisconnectReason, MessageType as M } from '../../protocol/apf/index.js'
import { ChannelOpenError } from '../console/directory.js'
import { TestDevice } from '../test-support/apf-device.js'
import { runChannelPeer } from '../test-support/channel-peer.js'
import { eventually, startTestGateway, TEST_PASSWORD, TEST_USER, type TestGateway } from '../test-support/gateway.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
// The 10 MiB runs are the proxies' (e2e.test.ts); here 2 MiB each way shows the arithmetic.
const SIZE = 2 * 1024 * 1024
const ORIGIN = { address: '127.0.0.1', port: 40000 }

let gw: TestGateway | undefined
const devices: TestDevice[] = []

afterEach(async () => {
  for (const d of devices.splice(0)) d.destroy()
  await gw?.close()
  gw = undefined
})

async function connected(flags: Record<string, unknown> = {}): Promise<{ gw: TestGateway; device: TestDevice }> {
  gw = await startTestGateway({ flags })
  const device = await TestDevice.connectTls(gw.port('deviceTls'), gw.ca)
  devices.push(device)
  await device.handshake({ uuid: UUID, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16994], fqdn: 'amt.example.test' })
  return { gw, device }
}

function openFromConsole(g: TestGateway, port = 16992): Promise<Duplex> {
  const target = g.gateway.directory.lookup('amt.example.test')
  if (target === undefined) throw new Error('device not found')
  return target.openChannel(port, ORIGIN)
}

function readAll(stream: Duplex, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  let got = 0
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      got += chunk.length
      if (got >= bytes) resolve(hash.digest('hex'))
    })
    stream.on('error', reject)
  })
}

async function writeAll(stream: Duplex, data: Buffer, piece = 65536): Promise<void> {
  for (let off = 0; off < data.length; off += piece) {
    if (!stream.write(data.subarray(off, off + piece))) await new Promise((r) => stream.once('drain', r))
  }
}

describe('channels and flow control', () => {
  it('opens forwarded-tcpip with our id and window and the forwarded address', async () => {
    const { gw, device } = await connected()
    const opening = openFromConsole(gw, 16994)
    const open = await device.next(M.CHANNEL_OPEN, 5000, true)
    expect(open).toMatchObject({ channelType: 'forwarded-tcpip', initialWindowSize: 81920, reserved: 0xffffffff, connectedAddress: 'amt.example.test', connectedPort: 16994, originatorAddress: '127.0.0.1', originatorPort: 40000 })
    if (open.type !== M.CHANNEL_OPEN) throw new Error('unreachable')
    device.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: open.senderChannel, senderChannel: 7, initialWindowSize: 32768, reserved: 0xffffffff })
    const channel = await opening
    channel.write('GET / HTTP/1.1\r\n\r\n')
    expect(await device.next(M.CHANNEL_DATA, 5000, true)).toEqual({ type: M.CHANNEL_DATA, recipientChannel: 7, data: Buffer.from('GET / HTTP/1.1\r\n\r\n') })
    channel.destroy()
    expect(await device.next(M.CHANNEL_CLOSE, 5000, true)).toEqual({ type: M.CHANNEL_CLOSE, recipientChannel: 7 })
  })

  it('moves 2 MiB each way intact through a 499-byte device window', async () => {
    const { gw, device } = await connected()
    const opening = openFromConsole(gw)
    const { gatewayChannel, gatewayWindow } = await device.acceptChannel(3, 499)
    const channel = await opening
    const toDevice = randomBytes(SIZE)
    const toConsole = randomBytes(SIZE)
    const consoleRead = readAll(channel, toConsole.length)
    const peer = runChannelPeer({ device, gatewayChannel, gatewayWindow, deviceWindow: 499, payload: toConsole, expectBytes: toDevice.length, chunkSize: 16384 })
    await writeAll(channel, toDevice)
    const [peerResult, consoleHash] = await Promise.all([peer, consoleRead])
    expect(gatewayChannel).toBe(1)
    expect(peerResult.windowViolations).toBe(0)
    expect(peerResult.largestData).toBeLessThanOrEqual(499)
    expect(peerResult.receivedSha256).toBe(createHash('sha256').update(toDevice).digest('hex'))
    expect(consoleHash).toBe(createHash('sha256').update(toConsole).digest('hex'))
  }, 60_000)

  it('holds console writes to the device window: backpressure, not a queue', async () => {
    const { gw, device } = await connected()
    const opening = openFromConsole(gw)
    await device.acceptChannel(3, 499)
    const channel = await opening
    let accepted = 0
    for (let i = 0; i < 64 && channel.write(Buffer.alloc(4096)); i++) accepted++
    const arrived = () => device.pending.reduce((n, m) => n + (m.type === M.CHANNEL_DATA ? m.data.length : 0), 0)
    await eventually(() => arrived() >= 499, 5000, 'the first window of data')
    await new Promise((r) => setTimeout(r, 100))
    expect(arrived()).toBe(499)
    expect(accepted).toBeLessThan(8)
    expect(channel.writableLength).toBeLessThanOrEqual(4 * 4096 + 4096)
  })

  it('waits for the device socket to drain when the device stops reading, then delivers every byte', async () => {
    const { gw, device } = await connected()
    const opening = openFromConsole(gw)
    // A window far past what the sockets can buffer, so the device socket's own limit is what stops the channel.
    await device.acceptChannel(3, 64 * 1024 * 1024)
    const channel = await opening
    const payload = randomBytes(12 * 1024 * 1024)
    device.socket.pause()
    let written = false
    const writing = writeAll(channel, payload).then(() => {
      written = true
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(written).toBe(false)
    device.socket.resume()
    await writing
    const arrived = () => device.pending.reduce((n, m) => n + (m.type === M.CHANNEL_DATA ? m.data.length : 0), 0)
    await eventually(() => arrived() === payload.length, 20_000, 'every byte at the device')
    const hash = createHash('sha256')
    for (const m of device.pending) if (m.type === M.CHANNEL_DATA) hash.update(m.data)
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'))
  }, 30_000)

  it('withholds credit while the console does not read, and returns it when it does', async () => {
    const { gw, device } = await connected({ 'window-size': '4096' })
    const opening = openFromConsole(gw)
    await device.acceptChannel(3, 65536)
    const channel = await opening
    channel.pause()
    device.send({ type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.alloc(4096, 1) })
    await new Promise((r) => setTimeout(r, 200))
    expect(device.pending.some((m) => m.type === M.CHANNEL_WINDOW_ADJUST)).toBe(false)
    channel.resume()
    expect(await device.next(M.CHANNEL_WINDOW_ADJUST, 5000, true)).toEqual({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: 3, bytesToAdd: 4096 })
  })

  it('ends the session when the device sends past our window', async () => {
    const { gw, device } = await connected({ 'window-size': '1024' })
    const opening = openFromConsole(gw)
    await device.acceptChannel(3, 65536)
    const channel = await opening
    channel.pause()
    const ended = new Promise((r) => channel.once('close', r))
    device.send({ type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.alloc(600) }, { type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.alloc(600) })
    expect(await device.next(M.DISCONNECT, 5000, true)).toEqual({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.PROTOCOL_ERROR })
    await ended
    await eventually(() => gw.gateway.presence.size === 0)
    expect(gw.logs.some((l) => l.event === 'session-ended' && l['reason'] === 'window-exceeded')).toBe(true)
  })

  it('rejects a single CHANNEL_DATA longer than our window at its header, before buffering it', async () => {
    const { gw, device } = await connected({ 'window-size': '1024' })
    const opening = openFromConsole(gw)
    await device.acceptChannel(3, 65536)
    await opening
    // Only the 9-byte header of a 1 MiB message: the gateway must not wait for the rest.
    device.sendBytes(Buffer.from('5e00000001' + '00100000', 'hex'))
    expect(await device.next(M.DISCONNECT, 5000, true)).toEqual({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.PROTOCOL_ERROR })
    expect(gw.logs.find((l) => l.event === 'session-ended')).toMatchObject({ reason: 'decode-error' })
  })

  it('sends exactly one CHANNEL_CLOSE whoever closes first', async () => {
    const { gw, device } = await connected()
    // Console closes first; the device answers with its own CLOSE.
    const first = openFromConsole(gw)
    await device.acceptChannel(10, 4096)
    const a = await first
    a.end()
    expect(await device.next(M.CHANNEL_CLOSE, 5000, true)).toEqual({ type: M.CHANNEL_CLOSE, recipientChannel: 10 })
    device.send({ type: M.CHANNEL_CLOSE, recipientChannel: 1 })
    a.destroy()
    // Device closes first; the gateway answers once, even when the console then destroys.
    const second = openFromConsole(gw)
    await device.acceptChannel(11, 4096)
    const b = await second
    const ended = new Promise((r) => b.once('end', r))
    b.resume()
    device.send({ type: M.CHANNEL_CLOSE, recipientChannel: 2 })
    await ended
    b.destroy()
    expect(await device.next(M.CHANNEL_CLOSE, 5000, true)).toEqual({ type: M.CHANNEL_CLOSE, recipientChannel: 11 })
    device.send({ type: M.KEEPALIVE_REQUEST, cookie: 9 })
    await device.next(M.KEEPALIVE_REPLY, 5000, true)
    expect(device.pending.filter((m) => m.type === M.CHANNEL_CLOSE)).toEqual([])
    await eventually(() => gw.gateway.presence.lookup(UUID)?.openChannels === 0, 5000, 'channels released')
  })

  it('refuses past the per-device channel limit and for ports not forwarded', async () => {
    const { gw, device } = await connected({ 'max-channels': '2' })
    const opens = [openFromConsole(gw), openFromConsole(gw)]
    await device.acceptChannel(20, 4096)
    await device.acceptChannel(21, 4096)
    await Promise.all(opens)
    await expect(openFromConsole(gw)).rejects.toMatchObject({ kind: 'channel-limit' })
    await expect(openFromConsole(gw, 16993)).rejects.toMatchObject({ kind: 'port-not-forwarded' })
  })

  it('reports a device refusal with its reason code', async () => {
    const { gw, device } = await connected()
    const opening = openFromConsole(gw)
    const open = await device.next(M.CHANNEL_OPEN, 5000, true)
    if (open.type !== M.CHANNEL_OPEN) throw new Error('unreachable')
    device.send({ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: open.senderChannel, reasonCode: 2 })
    const error = await opening.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChannelOpenError)
    expect(error).toMatchObject({ kind: 'refused', reasonCode: 2 })
    expect(gw.gateway.presence.lookup(UUID)?.openChannels).toBe(0)
  })
})
