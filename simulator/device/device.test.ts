import { afterEach, describe, expect, it } from 'vitest'
import { MessageType as M } from '../../protocol/apf/index.js'
import { Harness, stringHex, u32Hex, untilState, uuidWireHex } from '../test-support/harness.js'

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

async function start(options: ConstructorParameters<typeof Harness>[0] = {}): Promise<Harness> {
  harness = await new Harness(options).start()
  return harness
}

// Byte strings from apf.md §5.3, written out rather than encoded by our codec.
const SERVICE_REQUEST_AUTH = '05000000126175746840616d742e696e74656c2e636f6d'
const SERVICE_REQUEST_PFWD = '05000000127066776440616d742e696e74656c2e636f6d'
const USERAUTH_ADMIN = '320000000561646d696e000000127066776440616d742e696e74656c2e636f6d0000000870617373776f726400000000085040737377307264'

describe('the connect sequence', () => {
  it('sends what firmware sends, byte for byte, over TLS', async () => {
    const h = await start()
    const device = h.device(0)
    device.start()
    await untilState(device, 'connected')
    const session = [...h.gateway.sessions][0]
    expect(session).toBeDefined()
    const { uuid, fqdn } = device.identity
    const forwards = [16993, 16992, 664, 623, 16995, 16994, 5900].map((port) => `50${stringHex('tcpip-forward')}01${stringHex(fqdn)}${u32Hex(port)}`)
    const expected = [
      `c0${u32Hex(1)}${u32Hex(0)}${u32Hex(4)}${uuidWireHex(uuid)}${'00'.repeat(64)}`,
      SERVICE_REQUEST_AUTH,
      USERAUTH_ADMIN,
      SERVICE_REQUEST_PFWD,
      ...forwards,
    ].join('')
    expect(Buffer.concat(session?.received ?? []).toString('hex')).toBe(expected)
    expect(session?.forwardedPorts).toEqual([16993, 16992, 664, 623, 16995, 16994, 5900])
    expect(device.counters.connects).toBe(1)
    expect(device.tunnel?.forwardedPorts).toEqual([16993, 16992, 664, 623, 16995, 16994, 5900])
  })

  it('works with a gateway that echoes PROTOCOLVERSION and answers forwards with the 1-byte REQUEST_SUCCESS', async () => {
    const h = await start({ gateway: { echoProtocolVersion: true, portlessRequestSuccess: true } })
    const device = h.device(1)
    device.start()
    await untilState(device, 'connected')
    expect(device.counters.versionEchoes).toBe(1)
    expect(device.tunnel?.forwardedPorts).toHaveLength(7)
  })

  it('skips ports the gateway refuses and carries on', async () => {
    const h = await start({ plain: true, gateway: { refusePorts: [664, 623] } })
    const device = h.device(2)
    device.start()
    await untilState(device, 'connected')
    expect(device.tunnel?.forwardedPorts).toEqual([16993, 16992, 16995, 16994, 5900])
    expect(device.counters.portsRefused).toBe(2)
  })

  for (const bytes of [14, 15] as const) {
    it(`fails on a ${bytes}-byte USERAUTH_FAILURE and says DISCONNECT 14`, async () => {
      const h = await start({ plain: true, gateway: { userauthFailureBytes: bytes, password: 'other-password' }, profile: { reconnect: { retryDelaySeconds: 30 } } })
      const device = h.device(3)
      device.start()
      await untilState(device, 'waiting')
      expect(device.counters.failures['auth-failed']).toBe(1)
      const session = h.gateway.readySessions(0)[0]
      await h.gateway.waitFor(() => (session?.messagesIn ?? []).some((m) => m.type === M.DISCONNECT))
      expect(session?.messagesIn.at(-1)).toEqual({ type: M.DISCONNECT, reasonCode: 14 })
    })
  }

  it('puts the trigger reason of the policy in PROTOCOLVERSION (user 1, alert 2)', async () => {
    const h = await start({ plain: true, profile: { policies: { periodic: { enabled: false } } } })
    const user = h.device(4)
    const alert = h.device(5)
    user.start()
    alert.start()
    expect(user.state).toBe('idle')
    expect(user.trigger('user')).toBe(true)
    expect(alert.trigger('alert')).toBe(true)
    await Promise.all([untilState(user, 'connected'), untilState(alert, 'connected')])
    const triggers = [...h.gateway.sessions].map((s) => [s.uuid, s.triggerReason])
    expect(triggers).toContainEqual([user.identity.uuid, 1])
    expect(triggers).toContainEqual([alert.identity.uuid, 2])
    expect(user.trigger('user')).toBe(false) // already connected: firmware keeps its tunnel
  })
})

describe('keepalives', () => {
  it('sends keepalives at its interval and takes the interval KEEPALIVE_OPTIONS asks for', async () => {
    const h = await start({
      plain: true,
      gateway: { keepaliveOptions: { style: 'mps', intervalSeconds: 1, timeoutSeconds: 0 } },
      profile: { firmware: { keepaliveSeconds: { '90': 1 } } },
    })
    const device = h.device(6)
    device.start()
    await untilState(device, 'connected')
    const session = [...h.gateway.sessions][0]
    await h.gateway.waitFor(() => session?.keepaliveOptionsReply !== null)
    expect(session?.keepaliveOptionsReply).toEqual({ intervalSeconds: 1, timeoutSeconds: 0 })
    await h.gateway.waitFor(() => device.counters.keepalivesAnswered >= 2, 5_000)
    const cookies = session?.messagesIn.filter((m) => m.type === M.KEEPALIVE_REQUEST).map((m) => (m.type === M.KEEPALIVE_REQUEST ? m.cookie : 0))
    expect(cookies?.slice(0, 2)).toEqual([1, 2])
  })

  it('keeps its own interval when the firmware does not honour KEEPALIVE_OPTIONS (Console style, after the 4th forward)', async () => {
    const h = await start({
      plain: true,
      gateway: { keepaliveOptions: { style: 'console', intervalSeconds: 30, timeoutSeconds: 90 } },
      profile: { firmware: { keepaliveSeconds: { '60': 1 }, honourKeepaliveOptions: 0 } },
    })
    const device = h.device(7)
    device.start()
    await untilState(device, 'connected')
    const session = [...h.gateway.sessions][0]
    await h.gateway.waitFor(() => session?.keepaliveOptionsReply !== null)
    expect(session?.keepaliveOptionsReply).toEqual({ intervalSeconds: 60, timeoutSeconds: 90 })
    expect(device.tunnel?.keepaliveIntervalSeconds).toBe(60)
  })

  it('drops a tunnel whose gateway stays silent past the keepalive timeout', async () => {
    const h = await start({
      plain: true,
      gateway: { answerKeepalives: false, keepaliveOptions: { style: 'mps', intervalSeconds: 1, timeoutSeconds: 1 } },
      profile: { reconnect: { retryDelaySeconds: 30 } },
    })
    const device = h.device(8)
    device.start()
    await untilState(device, 'connected')
    await untilState(device, 'waiting', 8_000)
    expect(device.counters.disconnectReasons['keepalive-timeout']).toBe(1)
  })
})
