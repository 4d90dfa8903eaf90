import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net'
import { createSocket } from 'node:dgram'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApfDisconnectReason, encodeApfMessage, MessageType as M, ServiceName, type ApfMessage } from '../../protocol/apf/index.js'
import { TestDevice, handshakeMessages } from '../test-support/apf-device.js'
import { eventually, startTestGateway, TEST_PASSWORD, TEST_USER, type TestGateway } from '../test-support/gateway.js'

const UUID_A = '4c4c4544-004b-4210-8033-b6c04f504633'
const UUID_B = '12345678-1234-4321-8765-0123456789ab'
const PORTS = [16993, 16992, 664, 623, 16995, 16994, 5900]

let gw: TestGateway
const devices: TestDevice[] = []

async function device(transport: 'tls' | 'plain' = 'tls'): Promise<TestDevice> {
  const d = transport === 'tls' ? await TestDevice.connectTls(gw.port('deviceTls'), gw.ca) : await TestDevice.connectPlain(gw.port('devicePlain'))
  devices.push(d)
  return d
}

async function expectDisconnect(d: TestDevice, reason: number): Promise<void> {
  const m = await d.next(M.DISCONNECT, 5000, true)
  expect(m).toEqual({ type: M.DISCONNECT, reasonCode: reason })
  expect(await d.waitClosed()).toBe(true)
}

let restarted = false

async function restart(file: Record<string, unknown>, flags: Record<string, unknown> = {}): Promise<void> {
  await gw.close()
  gw = await startTestGateway({ file, flags })
  restarted = true
}

beforeEach(async () => {
  restarted = false
  gw = await startTestGateway({ file: { devices: { idleTimeoutMs: 60_000 } } })
})

afterEach(async () => {
  for (const d of devices.splice(0)) d.destroy()
  await gw.close()
})

async function ready(uuid = UUID_A, transport: 'tls' | 'plain' = 'tls'): Promise<TestDevice> {
  const d = await device(transport)
  await d.handshake({ uuid, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16993] })
  return d
}

/** A healthy device must still answer after someone else's session was ended. */
async function stillServes(d: TestDevice): Promise<void> {
  d.send({ type: M.KEEPALIVE_REQUEST, cookie: 7 })
  expect(await d.next(M.KEEPALIVE_REPLY, 5000, true)).toEqual({ type: M.KEEPALIVE_REPLY, cookie: 7 })
}

describe('device session over TLS', () => {
  it('completes the firmware handshake and registers the device by UUID and FQDN', async () => {
    const d = await device()
    await d.handshake({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD, ports: PORTS, fqdn: 'amt-a.example.test' })
    const options = await d.next(M.KEEPALIVE_OPTIONS_REQUEST, 5000, true)
    expect(options).toEqual({ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 })
    d.send({ type: M.KEEPALIVE_REQUEST, cookie: 0x42 })
    expect(await d.next(M.KEEPALIVE_REPLY)).toEqual({ type: M.KEEPALIVE_REPLY, cookie: 0x42 })
    const byUuid = gw.gateway.directory.lookup(UUID_A.toUpperCase())
    expect(byUuid?.uuid).toBe(UUID_A)
    expect(gw.gateway.directory.lookup('AMT-A.example.test')).toBe(byUuid)
    expect([...(byUuid?.forwardedPorts ?? [])].sort()).toEqual([...PORTS].sort())
    expect(gw.logs.some((l) => l.event === 'device-connected' && l['deviceId'] === UUID_A)).toBe(true)
  })

  it('lists the forwarded ports as the session has them after a cancel-tcpip-forward', async () => {
    const d = await ready()
    d.send({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'cancel-tcpip-forward', address: '', port: 16993 } })
    expect(await d.next(M.REQUEST_SUCCESS, 5000, true)).toEqual({ type: M.REQUEST_SUCCESS, portBound: null })
    expect([...(gw.gateway.directory.lookup(UUID_A)?.forwardedPorts ?? [])]).toEqual([16992])
    expect(gw.gateway.devices.connections.size).toBe(1)
    d.destroy()
    // The socket's close takes the connection out of the server's set (no per-socket once wrapper).
    await eventually(() => gw.gateway.devices.connections.size === 0, 5000, 'connection forgotten')
  })

  it('destroys the socket of a device that never closes after our DISCONNECT, once the grace has passed', async () => {
    // All devices are looked at only every 15 minutes here: an ending session must be watched closely.
    await restart({ devices: { idleTimeoutMs: 3_600_000 } })
    // allowHalfOpen: this device reads our FIN and keeps its own side open, as stuck firmware can.
    const stuck = netConnect({ host: '127.0.0.1', port: gw.port('devicePlain'), allowHalfOpen: true })
    stuck.on('error', () => undefined)
    let received = Buffer.alloc(0)
    stuck.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
    })
    const gotEnd = new Promise((r) => stuck.once('end', r))
    await new Promise((r) => stuck.once('connect', r))
    await eventually(() => gw.gateway.devices.connections.size === 1, 5000, 'connection accepted')
    stuck.write('GET / HTTP/1.1\r\n\r\n')
    await gotEnd
    expect(received).toEqual(encodeApfMessage({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.PROTOCOL_ERROR }))
    // END_GRACE_MS (2 s) plus a sweep interval: the gateway lets go of the socket itself.
    await eventually(() => gw.gateway.devices.connections.size === 0, 8000, 'socket destroyed after the grace')
    stuck.destroy()
  }, 15_000)

  it('accepts the handshake split at every byte and coalesced into one write', async () => {
    const bytes = Buffer.concat(handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16993] }).map((m) => encodeApfMessage(m)))
    const split = await device('plain')
    for (let i = 0; i < bytes.length; i++) {
      split.sendBytes(bytes.subarray(i, i + 1))
      if (i % 16 === 0) await new Promise((r) => setImmediate(r))
    }
    const coalesced = await device()
    coalesced.sendBytes(Buffer.from(handshakeMessages({ uuid: UUID_B, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16993] }).flatMap((m) => [...encodeApfMessage(m)])))
    for (const d of [split, coalesced]) {
      expect(await d.next(M.SERVICE_ACCEPT)).toEqual({ type: M.SERVICE_ACCEPT, serviceName: ServiceName.AUTH })
      expect((await d.next()).type).toBe(M.USERAUTH_SUCCESS)
      expect(await d.next(M.SERVICE_ACCEPT)).toEqual({ type: M.SERVICE_ACCEPT, serviceName: ServiceName.PFWD })
      expect(await d.next(M.REQUEST_SUCCESS)).toEqual({ type: M.REQUEST_SUCCESS, portBound: 16992 })
      expect(await d.next(M.REQUEST_SUCCESS)).toEqual({ type: M.REQUEST_SUCCESS, portBound: 16993 })
    }
    await eventually(() => gw.gateway.presence.size === 2, 5000, 'two devices registered')
  })
})

describe('bad input ends only that session', () => {
  const prefix = handshakeMessages({ uuid: UUID_B, username: TEST_USER, password: TEST_PASSWORD })
  const cases: [string, Buffer, number][] = [
    ['an unknown message type', Buffer.from([0x07, 0, 0, 0, 0]), ApfDisconnectReason.PROTOCOL_ERROR],
    ['a string length over the limit', Buffer.from('0500100000', 'hex'), ApfDisconnectReason.PROTOCOL_ERROR],
    ['USERAUTH before PROTOCOLVERSION', encodeApfMessage(prefix[2] as ApfMessage), ApfDisconnectReason.PROTOCOL_ERROR],
    ['a global request before authentication', Buffer.concat([encodeApfMessage(prefix[0] as ApfMessage), encodeApfMessage({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: '', port: 16992 } })]), ApfDisconnectReason.PROTOCOL_ERROR],
    ['an unknown service', Buffer.concat([encodeApfMessage(prefix[0] as ApfMessage), encodeApfMessage({ type: M.SERVICE_REQUEST, serviceName: 'ssh-userauth' })]), ApfDisconnectReason.SERVICE_NOT_AVAILABLE],
    ['APF version 2', encodeApfMessage({ type: M.PROTOCOLVERSION, majorVersion: 2, minorVersion: 0, triggerReason: 1, uuid: UUID_B }), ApfDisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED],
    ['HTTP instead of APF', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), ApfDisconnectReason.PROTOCOL_ERROR],
    ['60 KB of one message before authentication', Buffer.concat([Buffer.from('5e00000001' + '0000ea60', 'hex'), Buffer.alloc(20_000)]), ApfDisconnectReason.PROTOCOL_ERROR],
    ['CHANNEL_DATA for a channel never opened', Buffer.concat([...prefix.map((m) => encodeApfMessage(m)), encodeApfMessage({ type: M.CHANNEL_DATA, recipientChannel: 99, data: Buffer.alloc(3) })]), ApfDisconnectReason.PROTOCOL_ERROR],
  ]
  for (const [name, bytes, reason] of cases) {
    it(`${name}: DISCONNECT(${reason}), counted and logged; the other device carries on`, async () => {
      const good = await ready()
      const bad = await device()
      bad.sendBytes(bytes)
      await expectDisconnect(bad, reason)
      await stillServes(good)
      expect(gw.gateway.presence.size).toBe(1)
      expect(gw.logs.some((l) => l.event === 'session-ended' && l['disconnectReason'] === reason)).toBe(true)
    })
  }
})

describe('authentication', () => {
  it('answers USERAUTH_FAILURE, counts it, and ends after the third', async () => {
    const d = await device()
    d.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: 'wrong' }).slice(0, 2))
    await d.next(M.SERVICE_ACCEPT)
    for (let i = 1; i <= 3; i++) {
      d.send({ type: M.USERAUTH_REQUEST, username: TEST_USER, serviceName: ServiceName.PFWD, methodName: 'password', password: `wrong${i}` })
      expect(await d.next(M.USERAUTH_FAILURE)).toEqual({ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false })
    }
    await expectDisconnect(d, ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE)
    expect(gw.gateway.stats.apfAuthFailures).toBe(3)
    expect(gw.logs.filter((l) => l.event === 'apf-auth-failed')).toHaveLength(3)
  })

  it('checks scrypt hashes and UUID ties, and refuses a UUID not on the allow-list', async () => {
    const { hashPassword } = await import('./credentials.js')
    const hash = await hashPassword('s3cret-pw')
    await restart({ devices: { credentials: [{ username: 'fleet', passwordHash: hash, uuids: [UUID_A] }], allowedUuids: [UUID_A, UUID_B] } })
    const a = await device()
    await a.handshake({ uuid: UUID_A, username: 'fleet', password: 's3cret-pw' })
    const b = await device()
    await expect(b.handshake({ uuid: UUID_B, username: 'fleet', password: 's3cret-pw' })).rejects.toThrow(/authentication refused/)
    const c = await device()
    c.send(...handshakeMessages({ uuid: '00000000-1111-2222-3333-444444444444', username: 'fleet', password: 's3cret-pw' }).slice(0, 1))
    await expectDisconnect(c, ApfDisconnectReason.HOST_NOT_ALLOWED_TO_CONNECT)
  })

  it('survives a credential check that throws: general-error, counted, only that device refused', async () => {
    // N=3 is not a power of two: node:crypto's scrypt rejects it at check time.
    await restart({ devices: { credentials: [{ username: 'broken', passwordHash: 'scrypt$3$8$1$c2FsdA==$aGFzaA==' }, { username: TEST_USER, password: TEST_PASSWORD }] } })
    const bad = await device()
    await expect(bad.handshake({ uuid: UUID_A, username: 'broken', password: 'x' })).rejects.toThrow(/authentication refused/)
    const good = await ready(UUID_B)
    await stillServes(good)
    expect(gw.gateway.stats.generalErrors).toBe(1)
    expect(gw.logs.some((l) => l.event === 'general-error')).toBe(true)
  })

  it('refuses a source address at accept once it is over the failure limit', async () => {
    await restart({ devices: { failureLimit: 2, maxAuthFailures: 1 } })
    const fail = async (transport: 'tls' | 'plain') => {
      const d = await device(transport)
      d.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: 'nope' }).slice(0, 3))
      await expectDisconnect(d, ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE)
    }
    await fail('tls')
    await fail('tls')
    await expect(device('tls')).rejects.toThrow()
    expect(gw.gateway.stats.rateLimitedConnections).toBe(1)
    // The plain listener (behind a TLS terminator: one address for all) never locks out.
    await fail('plain')
    await fail('plain')
    await stillServes(await ready(UUID_B, 'plain'))
  })
})

describe('deadlines', () => {
  it('ends a session that does not authenticate in time (CONNECTION_TIMED_OUT)', async () => {
    await restart({ devices: { authTimeoutMs: 300, idleTimeoutMs: 60_000 } })
    const d = await device()
    d.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD }).slice(0, 2))
    await d.next(M.SERVICE_ACCEPT)
    await expectDisconnect(d, ApfDisconnectReason.CONNECTION_TIMED_OUT)
    expect(gw.logs.some((l) => l.event === 'session-ended' && l['reason'] === 'auth-timeout')).toBe(true)
  })

  it('sends keepalive options once forwards settle, between the sweeps that look at every device', async () => {
    // Sweeps every 250 ms, but all devices only every 15 minutes (a quarter of the idle timeout):
    // a device still forwarding must be among the few checked every time.
    await restart({ devices: { authTimeoutMs: 1000, idleTimeoutMs: 3_600_000 } })
    expect(gw.gateway.devices.fullSweepEvery).toBe(3600)
    const d = await device('plain')
    await d.handshake({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD, ports: [] })
    // Authenticated with nothing pending: after a few sweeps the device is no longer watched.
    await new Promise((r) => setTimeout(r, 800))
    d.send({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: '', port: 16992 } })
    expect(await d.next(M.REQUEST_SUCCESS, 5000, true)).toEqual({ type: M.REQUEST_SUCCESS, portBound: 16992 })
    expect(await d.next(M.KEEPALIVE_OPTIONS_REQUEST, 4000, true)).toEqual({ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 })
  })

  it('ends an idle session, and a keepalive keeps it alive', async () => {
    await restart({ devices: { idleTimeoutMs: 1000 } })
    const idle = await ready(UUID_A)
    const busy = await ready(UUID_B, 'plain')
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 200))
      busy.send({ type: M.KEEPALIVE_REQUEST, cookie: i })
    }
    await expectDisconnect(idle, ApfDisconnectReason.CONNECTION_TIMED_OUT)
    expect(busy.isClosed).toBe(false)
    expect(gw.gateway.directory.lookup(UUID_B)).toBeDefined()
    const disconnected = gw.logs.find((l) => l.event === 'device-disconnected' && l['deviceId'] === UUID_A)
    expect(disconnected).toMatchObject({ expected: false, reason: 'idle-timeout' })
  })
})

describe('presence', () => {
  it('lets the new session win when a UUID reconnects; the old close does not remove it', async () => {
    const first = await ready(UUID_A)
    const second = await ready(UUID_A, 'plain')
    await expectDisconnect(first, ApfDisconnectReason.BY_APPLICATION)
    await new Promise((r) => setTimeout(r, 100))
    const current = gw.gateway.presence.lookup(UUID_A)
    expect(current?.transport).toBe('plain')
    await stillServes(second)
    expect(gw.gateway.stats.devicesReplaced).toBe(1)
  })

  it('keeps the device connected when the certificate is reloaded', async () => {
    const d = await ready()
    const { loopbackPki } = await import('../../pki/fixtures.js')
    const pki = loopbackPki()
    expect(gw.gateway.reloadTls({ cert: pki.server.certificatePem, key: pki.server.privateKeyPem, ca: null, legacy: false })).toBe(true)
    await stillServes(d)
    const again = await ready(UUID_B)
    await stillServes(again)
  })
})

describe('device-originated traffic', () => {
  it('relays direct-tcpip and udp-send-to to authorised servers only, counting the rest as blocked', async () => {
    const tcp = createNetServer((s) => s.pipe(s))
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
    const udp = createSocket('udp4')
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r))
    const datagram = new Promise<Buffer>((r) => udp.once('message', r))
    const tcpPort = (tcp.address() as AddressInfo).port
    const udpPort = udp.address().port
    try {
      await restart({ devices: { idleTimeoutMs: 60_000, authorisedServers: [`127.0.0.1:${tcpPort}`, `127.0.0.1:${udpPort}`] } })
      const d = await ready()
      const open = (port: number): ApfMessage => ({ type: M.CHANNEL_OPEN, channelType: 'direct-tcpip', senderChannel: 40, initialWindowSize: 4096, reserved: 0xffffffff, connectedAddress: '127.0.0.1', connectedPort: port, originatorAddress: '127.0.0.1', originatorPort: 5000 })
      d.send(open(tcpPort))
      const confirm = await d.next(M.CHANNEL_OPEN_CONFIRMATION, 5000, true)
      expect(confirm).toMatchObject({ recipientChannel: 40, initialWindowSize: 81920 })
      if (confirm.type !== M.CHANNEL_OPEN_CONFIRMATION) throw new Error('unreachable')
      d.send({ type: M.CHANNEL_DATA, recipientChannel: confirm.senderChannel, data: Buffer.from('alert!') })
      expect(await d.next(M.CHANNEL_DATA, 5000, true)).toEqual({ type: M.CHANNEL_DATA, recipientChannel: 40, data: Buffer.from('alert!') })
      d.send(open(tcpPort + 1 === udpPort ? tcpPort + 2 : tcpPort + 1))
      expect(await d.next(M.CHANNEL_OPEN_FAILURE, 5000, true)).toMatchObject({ recipientChannel: 40, reasonCode: 1 })
      d.send({ type: M.GLOBAL_REQUEST, wantReply: false, request: { kind: 'udp-send-to', address: '127.0.0.1', port: udpPort, originatorAddress: '127.0.0.1', originatorPort: 5000, data: Buffer.from('trap') } })
      expect((await datagram).toString()).toBe('trap')
      d.send({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'udp-send-to', address: '127.0.0.1', port: 9, originatorAddress: '127.0.0.1', originatorPort: 5000, data: Buffer.from('x') } })
      expect(await d.next(M.REQUEST_FAILURE, 5000, true)).toEqual({ type: M.REQUEST_FAILURE })
      expect(gw.gateway.stats.blockedTcp).toBe(1)
      expect(gw.gateway.stats.blockedUdp).toBe(1)
      expect(gw.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['blocked-tcp', 'blocked-udp']))
    } finally {
      tcp.close()
      udp.close()
    }
  })
})
