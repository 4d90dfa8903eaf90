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

beforeEach(async () => {
  gw = await startTestGateway({ file: { devices: { idleTimeoutMs: 60_000 } } })
})

afterEach(async () => {
  for (const d of devices.splice(0)) d.destroy()
  await gw.close()
})

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
