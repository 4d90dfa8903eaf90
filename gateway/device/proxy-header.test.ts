import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { ApfDisconnectReason, encodeApfMessage, MessageType as M } from '../../protocol/apf/index.js'
import { encodeProxyHeaderV1, encodeProxyHeaderV2, type ProxiedAddresses } from '../../protocol/proxy-protocol/index.js'
import { handshakeMessages, TestDevice } from '../test-support/apf-device.js'
import { eventually, startTestGateway, TEST_PASSWORD, TEST_USER, type TestGateway } from '../test-support/gateway.js'

const UUID_A = '4c4c4544-004b-4210-8033-b6c04f504633'
const UUID_B = '12345678-1234-4321-8765-0123456789ab'
const from = (address: string, port: number): ProxiedAddresses => ({ family: 'tcp4', sourceAddress: address, sourcePort: port, destinationAddress: '192.0.2.1', destinationPort: 443 })

let gw: TestGateway
const devices: TestDevice[] = []

afterEach(async () => {
  for (const d of devices.splice(0)) d.socket.destroy()
  await gw.close()
})

/** A gateway whose plain listener sits behind a terminator that sends PROXY headers. */
async function start(devicesFile: Record<string, unknown> = {}): Promise<void> {
  gw = await startTestGateway({ file: { devices: { proxyProtocol: true, idleTimeoutMs: 60_000, ...devicesFile } } })
}

async function plain(): Promise<TestDevice> {
  const d = await TestDevice.connectPlain(gw.port('devicePlain'))
  devices.push(d)
  return d
}

async function listedRemote(uuid: string): Promise<string | undefined> {
  const res = await request(`http://${gw.bound.api ?? ''}/api/v1/devices/${uuid}`)
  const body = (await res.body.json()) as { remoteAddress?: string }
  return body.remoteAddress
}

describe('plain device listener behind a terminator sending PROXY headers', () => {
  it('takes the device address from a v1 header sent in the same segment as the APF handshake', async () => {
    await start()
    const d = await plain()
    const hello = handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD }).slice(0, 2)
    d.sendBytes(Buffer.concat([encodeProxyHeaderV1(from('198.51.100.7', 50123)), ...hello.map((m) => encodeApfMessage(m))]))
    await d.next(M.SERVICE_ACCEPT)
    d.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD }).slice(2))
    expect(await d.next(M.USERAUTH_SUCCESS)).toEqual({ type: M.USERAUTH_SUCCESS })
    await d.next(M.SERVICE_ACCEPT)
    await eventually(() => gw.logs.some((l) => l.event === 'device-connected'), 5000, 'device-connected')
    expect(gw.logs.find((l) => l.event === 'device-connected')).toMatchObject({ deviceId: UUID_A, remote: '198.51.100.7:50123', transport: 'plain' })
    expect(await listedRemote(UUID_A)).toBe('198.51.100.7:50123')
  })

  it('reads a v2 header arriving a byte at a time', async () => {
    await start()
    const d = await plain()
    const header = encodeProxyHeaderV2({ family: 'tcp6', sourceAddress: '2001:db8::7', sourcePort: 61000, destinationAddress: '2001:db8::1', destinationPort: 443 })
    for (const byte of header) {
      d.sendBytes(Buffer.from([byte]))
      await new Promise((r) => setImmediate(r))
    }
    await d.handshake({ uuid: UUID_B, username: TEST_USER, password: TEST_PASSWORD, ports: [16992] })
    expect(await listedRemote(UUID_B)).toBe('2001:db8::7:61000')
  })

  it('limits auth failures per device address, not per terminator', async () => {
    await start({ failureLimit: 2, maxAuthFailures: 1 })
    const fail = async (address: string) => {
      const d = await plain()
      d.sendBytes(encodeProxyHeaderV1(from(address, 40000)))
      d.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: 'nope' }).slice(0, 3))
      expect(await d.next(M.DISCONNECT, 5000, true)).toEqual({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE })
    }
    await fail('198.51.100.7')
    await fail('198.51.100.7')
    // The third connection from that device is refused once its header is read; another device is not.
    const refused = await plain()
    refused.sendBytes(encodeProxyHeaderV1(from('198.51.100.7', 40001)))
    expect(await refused.waitClosed()).toBe(true)
    expect(gw.gateway.stats.rateLimitedConnections).toBe(1)
    const other = await plain()
    other.sendBytes(encodeProxyHeaderV1(from('198.51.100.8', 40002)))
    await other.handshake({ uuid: UUID_B, username: TEST_USER, password: TEST_PASSWORD })
  })

  it('closes a connection that starts with APF instead of a header, or sends none in time, and counts it', async () => {
    await start({ authTimeoutMs: 300 })
    const bare = await plain()
    bare.send(...handshakeMessages({ uuid: UUID_A, username: TEST_USER, password: TEST_PASSWORD }).slice(0, 1))
    expect(await bare.waitClosed()).toBe(true)
    const silent = await plain()
    expect(await silent.waitClosed(3000)).toBe(true)
    const errors = gw.logs.filter((l) => l.event === 'connection-error' && l['code'] === 'PROXY_HEADER')
    expect(errors.map((l) => l['err'])).toEqual([expect.stringMatching(/^PROXY_ERR_MALFORMED: the connection does not start with a PROXY protocol header/), 'no PROXY header within 300 ms'])
    expect(gw.gateway.stats.connectionErrors).toBe(2)
    expect(gw.gateway.stats.deviceConnectionsAccepted).toBe(0)
  })
})
