import { execFile } from 'node:child_process'
import net from 'node:net'
import { promisify } from 'node:util'
import { Socks5ProxyAgent, request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectViaSocks, SocksConnectError } from '../../consoles/socks5-client.js'
import { ErrorCode } from '../../protocol/errors.js'
import { decodeReply, encodeSocks5Message } from '../../protocol/socks5/index.js'
import { FakeDirectory, patternBytes, sha256OfPattern, startFakeServices, type FakeServices } from './test-support/fake-devices.js'
import { downloadThroughTunnel, eventsOf, startProxy, uploadThroughTunnel, waitFor, type RunningProxy } from './test-support/harness.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const SLOW_UUID = '11111111-2222-3333-4444-555555555555'
const MiB = 1024 * 1024

let services: FakeServices
let directory: FakeDirectory
const running: RunningProxy[] = []
const sockets: net.Socket[] = []

beforeAll(async () => {
  services = await startFakeServices()
  directory = new FakeDirectory(services, [
    { uuid: UUID, fqdn: 'amt-1.ciralab.test' },
    { uuid: SLOW_UUID, fqdn: 'slow.ciralab.test', window: 499 },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000001', fqdn: 'refuses.ciralab.test', behaviour: 'refuse' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000002', fqdn: 'full.ciralab.test', behaviour: 'channel-limit' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000003', fqdn: 'hangs.ciralab.test', behaviour: 'hang' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000004', fqdn: 'wsman-only.ciralab.test', ports: [16992] },
  ])
})

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(running.splice(0).map((p) => p.listener.close(0)))
})

afterAll(async () => {
  await services.close()
})

async function proxy(overrides: Parameters<typeof startProxy>[2] = {}): Promise<RunningProxy> {
  const p = await startProxy('socks', directory, overrides)
  running.push(p)
  return p
}

async function connect(p: RunningProxy, host: string, port: number, auth: { username?: string; password?: string } = {}): Promise<net.Socket> {
  const socket = await connectViaSocks({ proxyHost: '127.0.0.1', proxyPort: p.port, host, port, ...auth })
  sockets.push(socket)
  return socket
}

async function replyCodeFor(p: RunningProxy, host: string, port: number): Promise<number | null> {
  const error = await connect(p, host, port).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(SocksConnectError)
  expect((error as SocksConnectError).code).toBe(ErrorCode.SOCKS_ERR_REJECTED)
  return (error as SocksConnectError).replyCode
}

/** Raw bytes in, everything the proxy sends until it closes out. */
async function exchange(p: RunningProxy, bytes: Buffer): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port: p.port })
  sockets.push(socket)
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.write(bytes)
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return Buffer.concat(chunks)
}

describe('SOCKS5 CONNECT to devices', () => {
  it('tunnels 10 MiB each way intact through a 499-byte window, named by FQDN and by upper-case UUID', async () => {
    const p = await proxy()
    const expected = sha256OfPattern(10 * MiB)
    const up = await connect(p, 'slow.ciralab.test', 16994)
    expect(await uploadThroughTunnel(up, 10 * MiB)).toBe(expected)
    const down = await connect(p, SLOW_UUID.toUpperCase(), 16995)
    const downPort = down.localPort
    expect(await downloadThroughTunnel(down, 10 * MiB)).toBe(expected)
    up.destroy()
    down.destroy()
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 2, 'two console-closed events')
    const [first, second] = eventsOf(p.events, 'console-closed').sort((a, b) => a.port - b.port)
    expect(first).toMatchObject({ protocol: 'socks', deviceUuid: SLOW_UUID, port: 16994, bytesToDevice: 9 + 10 * MiB, bytesToConsole: 32 })
    expect(second).toMatchObject({ protocol: 'socks', deviceUuid: SLOW_UUID, port: 16995, bytesToDevice: 9, bytesToConsole: 10 * MiB })
    expect(eventsOf(p.events, 'console-opened').map((e) => e.port)).toEqual([16994, 16995])
    expect(directory.opened.at(-1)?.origin).toEqual({ address: '127.0.0.1', port: downPort })
  })

  it('carries a WS-MAN POST from a third-party client (undici Socks5ProxyAgent, remote DNS)', async () => {
    const p = await proxy()
    const agent = new Socks5ProxyAgent(`socks5://127.0.0.1:${p.port}`)
    try {
      const body = patternBytes(0, 3000)
      const res = await request(`http://${UUID}:16992/wsman`, { method: 'POST', body, dispatcher: agent })
      const summary = (await res.body.json()) as { sha256: string; url: string }
      expect(res.statusCode).toBe(200)
      expect(summary.sha256).toBe(sha256OfPattern(3000))
      expect(summary.url).toBe('/wsman')
    } finally {
      await agent.close()
    }
  })

  it('delivers data pipelined with the handshake in one write', async () => {
    const p = await proxy()
    const greeting = encodeSocks5Message({ type: 'greeting', methods: [0] })
    const req = encodeSocks5Message({ type: 'request', command: 1, address: { type: 'domain', host: 'amt-1.ciralab.test' }, port: 16994 })
    const socket = net.connect({ host: '127.0.0.1', port: p.port })
    sockets.push(socket)
    const received: Buffer[] = []
    socket.on('data', (c: Buffer) => received.push(c))
    socket.write(Buffer.concat([greeting, req, Buffer.from('Ehello')]))
    await waitFor(() => Buffer.concat(received).length >= 2 + 10 + 5, 'method, reply and echo')
    expect(Buffer.concat(received).toString('hex')).toBe(`0500${'05000001000000000000'}${Buffer.from('hello').toString('hex')}`)
  })

  it('maps IPv4 and IPv6 literals through the address map, and refuses unmapped ones with 0x04', async () => {
    const addressMap = new Map([
      ['10.1.2.3', 'amt-1.ciralab.test'],
      ['FD00:0::7', UUID],
    ])
    const p = await proxy({ addressMap })
    for (const host of ['10.1.2.3', 'fd00::7']) {
      const socket = await connect(p, host, 16994)
      expect(await uploadThroughTunnel(socket, 1000)).toBe(sha256OfPattern(1000))
    }
    expect(await replyCodeFor(p, '10.1.2.4', 16994)).toBe(0x04)
    expect(eventsOf(p.events, 'unknown-device').at(-1)).toMatchObject({ protocol: 'socks', name: '10.1.2.4' })
  })
})

describe('SOCKS5 reply codes', () => {
  it('0x02 for a port outside AllowCONNECT and for a port the device does not forward', async () => {
    const p = await proxy()
    expect(await replyCodeFor(p, 'amt-1.ciralab.test', 22)).toBe(0x02)
    expect(eventsOf(p.events, 'blocked-port')).toMatchObject([{ protocol: 'socks', name: 'amt-1.ciralab.test', port: 22 }])
    expect(await replyCodeFor(p, 'wsman-only.ciralab.test', 16994)).toBe(0x02)
  })

  it('0x04 for an unknown device, quickly', async () => {
    const p = await proxy()
    const started = Date.now()
    expect(await replyCodeFor(p, 'nobody.ciralab.test', 16992)).toBe(0x04)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(eventsOf(p.events, 'unknown-device')).toMatchObject([{ name: 'nobody.ciralab.test' }])
  })

  it('0x05 when the device refuses, 0x01 at the channel limit, 0x04 when it does not answer in time', async () => {
    const p = await proxy({ openTimeoutMs: 200 })
    expect(await replyCodeFor(p, 'refuses.ciralab.test', 16992)).toBe(0x05)
    expect(await replyCodeFor(p, 'full.ciralab.test', 16992)).toBe(0x01)
    expect(await replyCodeFor(p, 'hangs.ciralab.test', 16992)).toBe(0x04)
    expect(eventsOf(p.events, 'channel-refused').map((e) => [e.kind, e.reasonCode])).toEqual([
      ['refused', 2],
      ['channel-limit', null],
      ['timeout', null],
    ])
  })

  it('0x07 for BIND and UDP ASSOCIATE', async () => {
    const p = await proxy()
    for (const command of [2, 3] as const) {
      const bytes = Buffer.concat([
        encodeSocks5Message({ type: 'greeting', methods: [0] }),
        encodeSocks5Message({ type: 'request', command, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 }),
      ])
      const out = await exchange(p, bytes)
      expect(out.subarray(0, 2).toString('hex')).toBe('0500')
      const reply = decodeReply(out, 2)
      expect(reply.kind === 'message' ? reply.message.reply : reply.kind).toBe(0x07)
    }
  })

  it('0x07 and 0x08 for an unknown command or address type, with nothing opened', async () => {
    const p = await proxy()
    const before = directory.opened.length
    expect((await exchange(p, Buffer.from('050100' + '050900017f0000014260', 'hex'))).toString('hex')).toBe('0500' + '05070001000000000000')
    expect((await exchange(p, Buffer.from('050100' + '050100027f0000014260', 'hex'))).toString('hex')).toBe('0500' + '05080001000000000000')
    expect(directory.opened.length).toBe(before)
    expect(eventsOf(p.events, 'malformed-request').map((e) => e.code)).toEqual([ErrorCode.SOCKS_ERR_COMMAND, ErrorCode.SOCKS_ERR_ADDRESS_TYPE])
  })
})

describe('SOCKS5 username/password (RFC 1929)', () => {
  const auth = { username: 'console', password: 's3cret!' }

  it('tunnels with the right credentials', async () => {
    const p = await proxy({ auth })
    const socket = await connect(p, 'amt-1.ciralab.test', 16994, auth)
    expect(await uploadThroughTunnel(socket, 5000)).toBe(sha256OfPattern(5000))
  })

  it('answers wrong credentials with status 1 and closes', async () => {
    const p = await proxy({ auth })
    const error = await connect(p, 'amt-1.ciralab.test', 16994, { username: 'console', password: 'wrong' }).catch((e: unknown) => e)
    expect((error as SocksConnectError).code).toBe(ErrorCode.SOCKS_ERR_AUTH_FAILED)
    const raw = await exchange(p, Buffer.from('050102' + '0107636f6e736f6c650577726f6e67', 'hex'))
    expect(raw.toString('hex')).toBe('0502' + '0101')
    expect(eventsOf(p.events, 'socks-auth-failed').map((e) => e.reason)).toEqual(['invalid', 'invalid'])
  })

  it('answers a client that offers no username/password with 0xFF', async () => {
    const p = await proxy({ auth })
    expect((await exchange(p, Buffer.from('050100', 'hex'))).toString('hex')).toBe('05ff')
    const error = await connect(p, 'amt-1.ciralab.test', 16994).catch((e: unknown) => e)
    expect((error as SocksConnectError).code).toBe(ErrorCode.SOCKS_ERR_NO_ACCEPTABLE_METHOD)
    expect(eventsOf(p.events, 'socks-auth-failed').map((e) => e.reason)).toEqual(['no-method', 'no-method'])
  })
})

describe('SOCKS5 robustness', () => {
  it('closes a non-SOCKS5 client without answering, and costs other connections nothing', async () => {
    const p = await proxy()
    const busy = await connect(p, 'amt-1.ciralab.test', 16994)
    for (const garbage of ['GET / HTTP/1.1\r\n\r\n', '\x04\x01\x42\x60\x7f\x00\x00\x01\x00', '\x16\x03\x01\x02\x00']) {
      expect((await exchange(p, Buffer.from(garbage, 'latin1'))).length).toBe(0)
    }
    expect(await uploadThroughTunnel(busy, 4096)).toBe(sha256OfPattern(4096))
    expect(eventsOf(p.events, 'malformed-request').map((e) => e.code)).toEqual(Array(3).fill(ErrorCode.SOCKS_ERR_VERSION))
  })

  it('drops a client that stalls in the handshake at the deadline', async () => {
    const p = await proxy({ handshakeTimeoutMs: 150 })
    const out = await exchange(p, Buffer.from('0501', 'hex'))
    expect(out.length).toBe(0)
    expect(eventsOf(p.events, 'malformed-request')).toMatchObject([{ code: 'handshake-timeout' }])
  })

  it('holds a bounded number of bytes for a console that does not read', async () => {
    const p = await proxy()
    const gatewaySide: net.Socket[] = []
    p.listener.server.on('connection', (s: net.Socket) => gatewaySide.push(s))
    const socket = await connect(p, 'slow.ciralab.test', 16994)
    socket.pause()
    const before = services.stats.downloadWritten
    socket.write(Buffer.concat([Buffer.from('D', 'latin1'), Buffer.from('0000000040000000', 'hex')])) // 1 GiB
    // Wait until the device has been unable to write anything for 20 polls in a row.
    let last = -1
    let still = 0
    await waitFor(() => {
      const now = services.stats.downloadWritten
      still = now === last && now > before ? still + 1 : 0
      last = now
      return still >= 20
    }, 'the download to stall')
    const channel = directory.opened.at(-1)?.channel
    const consoleSide = gatewaySide[0]
    // What the gateway process holds for this relay: the channel's buffers and the console
    // socket's write queue (the rest sits in kernel socket buffers, bounded by the kernel).
    const held = (channel?.readableLength ?? 0) + (channel?.writableLength ?? 0) + (consoleSide?.writableLength ?? 0)
    expect(held).toBeLessThanOrEqual(128 * 1024)
    // The device was stopped by backpressure, far short of the 1 GiB it wanted to send.
    expect(services.stats.downloadWritten - before).toBeLessThan(64 * MiB)
  })
})

describe('SOCKS5 with curl', () => {
  it('curl --socks5-hostname posts to a device by name', async () => {
    const p = await proxy()
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '--max-time',
      '20',
      '--socks5-hostname',
      `127.0.0.1:${p.port}`,
      '--data-binary',
      'hello from curl',
      `http://amt-1.ciralab.test:16992/wsman`,
    ])
    expect(JSON.parse(stdout)).toMatchObject({ bodyBytes: 15, url: '/wsman' })
  })
})

describe('SOCKS5 listener close', () => {
  it('lets a tunnel finish within drainMs, then destroys it; new connections are refused', async () => {
    const p = await startProxy('socks', directory)
    const socket = await connect(p, 'amt-1.ciralab.test', 16994)
    expect(p.listener.activeConnections).toBe(1)
    const started = Date.now()
    const closed = p.listener.close(300)
    await expect(connect(p, 'amt-1.ciralab.test', 16994)).rejects.toBeInstanceOf(SocksConnectError)
    // Still usable while draining.
    expect(await uploadThroughTunnel(socket, 1000)).toBe(sha256OfPattern(1000))
    await closed
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(p.listener.activeConnections).toBe(0)
    expect(socket.destroyed || socket.readableEnded).toBe(true)
    expect(p.listener.server.listening).toBe(false)
  })
})
