import { describe, expect, it } from 'vitest'
import { MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { initialSessionState, stepSession, type SessionConfig, type SessionState, type Step } from './session-machine.js'

const config: SessionConfig = {
  uuid: '4c4c4544-004b-4210-8033-b6c04f504633',
  triggerReason: 4,
  username: 'admin',
  password: 'P@ssw0rd',
  fqdn: 'dev-000001.fleet.test',
  ports: [16992, 16994],
  servedPorts: new Set([16992, 16994]),
  keepaliveIntervalSeconds: 30,
  honourKeepaliveOptions: true,
  maxChannels: 2,
  receiveWindow: 32768,
}

function run(events: (ApfMessage | 'start' | 'keepalive')[], cfg = config): { state: SessionState; steps: Step[] } {
  let state = initialSessionState(cfg)
  const steps: Step[] = []
  for (const e of events) {
    const event = e === 'start' ? { kind: 'start' as const } : e === 'keepalive' ? { kind: 'keepalive-due' as const } : { kind: 'message' as const, message: e }
    const step = stepSession(cfg, state, event)
    steps.push(step)
    state = step.state
  }
  return { state, steps }
}

const accept = (serviceName: string): ApfMessage => ({ type: M.SERVICE_ACCEPT, serviceName })
const HANDSHAKE: ApfMessage[] = [
  accept('auth@amt.intel.com'),
  { type: M.USERAUTH_SUCCESS },
  accept('pfwd@amt.intel.com'),
  { type: M.REQUEST_SUCCESS, portBound: 16992 },
  { type: M.REQUEST_SUCCESS, portBound: 16994 },
]
const open = (senderChannel: number, port: number, channelType = 'forwarded-tcpip'): ApfMessage => ({
  type: M.CHANNEL_OPEN,
  channelType,
  senderChannel,
  initialWindowSize: 1000,
  reserved: 0xffffffff,
  connectedAddress: '',
  connectedPort: port,
  originatorAddress: '1.2.3.4',
  originatorPort: 1024,
})

describe('the device APF session', () => {
  it('walks the firmware sequence: version and auth service at once, then each step on its reply', () => {
    const { state, steps } = run(['start', ...HANDSHAKE])
    expect(steps.map((s) => s.send.map((m) => m.type))).toEqual([
      [M.PROTOCOLVERSION, M.SERVICE_REQUEST],
      [M.USERAUTH_REQUEST],
      [M.SERVICE_REQUEST],
      [M.GLOBAL_REQUEST],
      [M.GLOBAL_REQUEST],
      [],
    ])
    expect(steps.at(-1)?.effects).toEqual([{ kind: 'ready' }])
    expect(state).toMatchObject({ phase: 'ready', forwardedPorts: [16992, 16994] })
  })

  it('ignores an echoed PROTOCOLVERSION, counts it', () => {
    const echo: ApfMessage = { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: config.uuid }
    const { state, steps } = run(['start', echo, ...HANDSHAKE])
    expect(steps[1]?.effects).toEqual([{ kind: 'version-echo' }])
    expect(state.phase).toBe('ready')
  })

  it('treats a reply out of turn as a protocol error: DISCONNECT 2', () => {
    const { state, steps } = run(['start', { type: M.USERAUTH_SUCCESS }])
    expect(steps[1]?.send).toEqual([{ type: M.DISCONNECT, reasonCode: 2 }])
    expect(steps[1]?.effects[0]).toMatchObject({ kind: 'close', reason: 'protocol-error' })
    expect(state.phase).toBe('closed')
    expect(stepSession(config, state, { kind: 'keepalive-due' }).send).toEqual([])
  })

  it('adopts the keepalive interval asked for, and sends numbered keepalives once ready', () => {
    const options: ApfMessage = { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 45, timeoutSeconds: 90 }
    const { state, steps } = run(['start', ...HANDSHAKE, options, 'keepalive', 'keepalive'])
    expect(steps[6]?.send).toEqual([{ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: 45, timeoutSeconds: 90 }])
    expect(state.keepaliveIntervalSeconds).toBe(45)
    expect(steps[7]?.send).toEqual([{ type: M.KEEPALIVE_REQUEST, cookie: 1 }])
    expect(steps[8]?.send).toEqual([{ type: M.KEEPALIVE_REQUEST, cookie: 2 }])
    const stubborn = run(['start', ...HANDSHAKE, options], { ...config, honourKeepaliveOptions: false })
    expect(stubborn.steps.at(-1)?.send).toEqual([{ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: 30, timeoutSeconds: 90 }])
  })

  it('confirms opens with the smallest free id and refuses with the firmware reasons', () => {
    const { state, steps } = run(['start', ...HANDSHAKE, open(4, 16992), open(5, 16994), open(6, 16992), open(7, 80), open(8, 16992, 'direct-tcpip')])
    expect(steps[6]?.send).toEqual([{ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: 4, senderChannel: 0, initialWindowSize: 32768, reserved: 0xffffffff }])
    expect(steps[7]?.send[0]).toMatchObject({ senderChannel: 1 })
    expect(steps[8]?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 6, reasonCode: 4 }])
    expect(steps[9]?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 7, reasonCode: 1 }])
    expect(steps[10]?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 8, reasonCode: 3 }])
    const released = stepSession(config, state, { kind: 'channel-released', localId: 0 }).state
    const again = stepSession(config, released, { kind: 'message', message: open(9, 16994) })
    expect(again.send[0]).toMatchObject({ senderChannel: 0 })
  })

  it('refuses a forwarded port with no service behind it as CONNECT_FAILED', () => {
    const { steps } = run(['start', ...HANDSHAKE, open(4, 16994)], { ...config, servedPorts: new Set([16992]) })
    expect(steps.at(-1)?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 4, reasonCode: 2 }])
  })

  it('routes channel messages only for channels it has, and answers gateway requests it does not serve', () => {
    const { steps } = run([
      'start',
      ...HANDSHAKE,
      open(4, 16992),
      { type: M.CHANNEL_DATA, recipientChannel: 0, data: Buffer.from('x') },
      { type: M.CHANNEL_DATA, recipientChannel: 3, data: Buffer.from('x') },
      { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'other', requestName: 'x', payload: Buffer.alloc(0) } },
      { type: M.KEEPALIVE_REQUEST, cookie: 9 },
    ])
    expect(steps[7]?.effects).toEqual([{ kind: 'channel-data', localId: 0, data: Buffer.from('x') }])
    expect(steps[8]?.effects[0]).toMatchObject({ kind: 'ignored' })
    expect(steps[9]?.send).toEqual([{ type: M.REQUEST_FAILURE }])
    expect(steps[10]?.send).toEqual([{ type: M.KEEPALIVE_REPLY, cookie: 9 }])
  })

  it('ends with DISCONNECT when the device shuts the tunnel', () => {
    const { state } = run(['start', ...HANDSHAKE])
    const step = stepSession(config, state, { kind: 'shutdown', reasonCode: 11 })
    expect(step.send).toEqual([{ type: M.DISCONNECT, reasonCode: 11 }])
    expect(step.effects).toEqual([{ kind: 'close', reason: 'shutdown', detail: 'DISCONNECT 11' }])
  })
})
