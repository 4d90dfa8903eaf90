import { describe, expect, it } from 'vitest'
import { ApfDisconnectReason, MessageType as M, ServiceName, type ApfMessage } from '../../protocol/apf/index.js'
import { ErrorCode } from '../../protocol/errors.js'
import { INITIAL_SESSION, isChannelMessageWhenReady, stepSession, type SessionInput, type SessionPolicy, type SessionState, type StepResult } from './session.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'

const policy: SessionPolicy = {
  allowedPorts: new Set([16992, 16993]),
  maxAuthFailures: 3,
  keepaliveIntervalSeconds: 30,
  keepaliveTimeoutSeconds: 90,
  keepaliveOptionsWhen: 'after-forwards',
  isUuidAllowed: (uuid) => uuid !== '00000000-0000-0000-0000-000000000001',
  isAuthorisedServer: (host, port) => host === '127.0.0.1' && port === 162,
}

const version: ApfMessage = { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 2, uuid: UUID }
const authService: ApfMessage = { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH }
const userauth = (password: string, methodName = 'password'): ApfMessage => ({ type: M.USERAUTH_REQUEST, username: 'admin', serviceName: ServiceName.PFWD, methodName, password: methodName === 'password' ? password : null })
const pfwd: ApfMessage = { type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD }
const forward = (port: number, address = ''): ApfMessage => ({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address, port } })

function run(inputs: (ApfMessage | SessionInput)[], from: SessionState = INITIAL_SESSION): { state: SessionState; steps: StepResult[] } {
  let state = from
  const steps: StepResult[] = []
  for (const input of inputs) {
    const i: SessionInput = 'kind' in input ? input : { kind: 'message', message: input }
    const r = stepSession(state, i, policy)
    steps.push(r)
    state = r.state
  }
  return { state, steps }
}

const accepted: SessionInput = { kind: 'credentials-checked', accepted: true }
const rejected: SessionInput = { kind: 'credentials-checked', accepted: false }

function ready(): SessionState {
  return run([version, authService, userauth('x'), accepted, pfwd]).state
}

function endOf(r: StepResult) {
  return r.effects.find((e) => e.kind === 'end')
}

describe('session state machine', () => {
  it('walks the firmware order and answers each step', () => {
    const { state, steps } = run([version, authService, userauth('x'), accepted, pfwd, forward(16992, 'amt.test'), forward(16993, 'amt.test')])
    expect(state.phase).toBe('ready')
    expect(state.uuid).toBe(UUID)
    expect(state.triggerReason).toBe(2)
    expect(state.fqdn).toBe('amt.test')
    expect(steps[1]?.send).toEqual([{ type: M.SERVICE_ACCEPT, serviceName: ServiceName.AUTH }])
    expect(steps[2]?.effects).toEqual([{ kind: 'check-credentials', uuid: UUID, username: 'admin', password: 'x' }])
    expect(steps[3]?.send).toEqual([{ type: M.USERAUTH_SUCCESS }])
    expect(steps[4]?.send).toEqual([{ type: M.SERVICE_ACCEPT, serviceName: ServiceName.PFWD }])
    expect(steps[5]?.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: 16992 }])
    // Every allowed port forwarded: keepalive options go right after the last reply.
    expect(steps[6]?.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: 16993 }, { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 }])
  })

  it('sends keepalive options once the forwards settle when not every port was forwarded', () => {
    const { steps, state } = run([forward(16992), { kind: 'forwards-settled' }, { kind: 'forwards-settled' }], ready())
    expect(steps[1]?.send).toEqual([{ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 }])
    expect(steps[2]?.send).toEqual([])
    expect(state.keepaliveOptionsSent).toBe(true)
  })

  it('sends keepalive options on the first forward when configured so', () => {
    const first: SessionPolicy = { ...policy, keepaliveOptionsWhen: 'first-forward' }
    let state = ready()
    const r1 = stepSession(state, { kind: 'message', message: forward(16992) }, first)
    state = r1.state
    const r2 = stepSession(state, { kind: 'message', message: forward(16993) }, first)
    expect(r1.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: 16992 }, { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: 30, timeoutSeconds: 90 }])
    expect(r2.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: 16993 }])
  })

  it('refuses ports outside the allowed set and cancels forwards', () => {
    const { steps, state } = run([forward(22), forward(16992), { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'cancel-tcpip-forward', address: '', port: 16992 } }], ready())
    expect(steps[0]?.send).toEqual([{ type: M.REQUEST_FAILURE }])
    expect(steps[0]?.effects).toEqual([{ kind: 'forward-refused', port: 22 }])
    expect(steps[2]?.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: null }])
    expect(state.forwards).toEqual([])
  })

  it('routes channel messages to the channel table only once ready, by the same rule the connection uses', () => {
    const data: ApfMessage = { type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.from('ab') }
    const close: ApfMessage = { type: M.CHANNEL_CLOSE, recipientChannel: 1 }
    const keepalive: ApfMessage = { type: M.KEEPALIVE_REQUEST, cookie: 1 }
    expect(isChannelMessageWhenReady(ready(), data)).toBe(true)
    expect(isChannelMessageWhenReady(ready(), close)).toBe(true)
    expect(isChannelMessageWhenReady(ready(), keepalive)).toBe(false)
    const beforePfwd = run([version, authService, userauth('x'), accepted]).state
    expect(isChannelMessageWhenReady(beforePfwd, data)).toBe(false)
    expect(run([data], ready()).steps[0]).toEqual({ state: ready(), send: [], effects: [{ kind: 'channel', message: data }] })
    expect(endOf(run([data], beforePfwd).steps[0] as StepResult)?.code).toBe(ErrorCode.GW_ERR_OUT_OF_ORDER)
  })

  it('answers keepalives with the same cookie', () => {
    expect(run([{ type: M.KEEPALIVE_REQUEST, cookie: 0xdeadbeef }], ready()).steps[0]?.send).toEqual([{ type: M.KEEPALIVE_REPLY, cookie: 0xdeadbeef }])
  })

  it('counts failures and ends after the third with NO_MORE_AUTH_METHODS_AVAILABLE', () => {
    const { steps, state } = run([version, authService, userauth('a'), rejected, userauth('b'), rejected, userauth('c'), rejected])
    const failure = { type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false }
    expect(steps[3]?.send).toEqual([failure])
    expect(steps[3]?.effects).toEqual([{ kind: 'auth-failed', username: 'admin', reason: 'bad-credentials', failures: 1 }])
    expect(steps[7]?.send).toEqual([failure])
    expect(endOf(steps[7] as StepResult)).toMatchObject({ code: ErrorCode.GW_ERR_AUTH_FAILED, reason: ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE })
    expect(state.phase).toBe('closed')
  })

  it('answers method none without counting it', () => {
    const { steps, state } = run([version, authService, userauth('', 'none')])
    expect(steps[2]?.send).toEqual([{ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false }])
    expect(state.authFailures).toBe(0)
    expect(state.phase).toBe('awaiting-auth')
  })

  const outOfOrder: [string, ApfMessage[]][] = [
    ['anything before PROTOCOLVERSION', [authService]],
    ['a second PROTOCOLVERSION', [version, version]],
    ['USERAUTH before the auth service', [version, userauth('x')]],
    ['pfwd before authentication', [version, pfwd]],
    ['a global request before pfwd', [version, authService, forward(16992)]],
    ['a keepalive before pfwd', [version, authService, { type: M.KEEPALIVE_REQUEST, cookie: 1 }]],
    ['a gateway-only message from the device', [version, { type: M.USERAUTH_SUCCESS }]],
    ['channel data before ready', [version, authService, { type: M.CHANNEL_DATA, recipientChannel: 1, data: Buffer.alloc(1) }]],
  ]
  for (const [name, messages] of outOfOrder) {
    it(`ends with PROTOCOL_ERROR on ${name}`, () => {
      const { steps, state } = run(messages)
      expect(endOf(steps[steps.length - 1] as StepResult)).toMatchObject({ code: ErrorCode.GW_ERR_OUT_OF_ORDER, reason: ApfDisconnectReason.PROTOCOL_ERROR })
      expect(state.phase).toBe('closed')
    })
  }

  it('ends with the reason code that fits: version, service, allow-list', () => {
    const v2 = run([{ ...version, majorVersion: 2 } as ApfMessage]).steps[0] as StepResult
    expect(endOf(v2)).toMatchObject({ code: ErrorCode.GW_ERR_VERSION_UNSUPPORTED, reason: ApfDisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED })
    const service = run([version, { type: M.SERVICE_REQUEST, serviceName: 'ssh-connection' }]).steps[1] as StepResult
    expect(endOf(service)).toMatchObject({ code: ErrorCode.GW_ERR_SERVICE_UNAVAILABLE, reason: ApfDisconnectReason.SERVICE_NOT_AVAILABLE })
    const denied = run([{ ...version, uuid: '00000000-0000-0000-0000-000000000001' } as ApfMessage]).steps[0] as StepResult
    expect(endOf(denied)).toMatchObject({ code: ErrorCode.GW_ERR_UUID_NOT_ALLOWED, reason: ApfDisconnectReason.HOST_NOT_ALLOWED_TO_CONNECT })
  })

  it('ignores input once closed, and a device DISCONNECT closes without a reply', () => {
    const r = run([version, { type: M.DISCONNECT, reasonCode: 11 }, authService])
    expect(r.steps[1]?.effects).toEqual([{ kind: 'device-disconnected', reasonCode: 11 }])
    expect(r.steps[1]?.send).toEqual([])
    expect(r.steps[2]).toEqual({ state: r.state, send: [], effects: [] })
  })

  it('relays device traffic only to authorised servers', () => {
    const open = (host: string, port: number): ApfMessage => ({ type: M.CHANNEL_OPEN, channelType: 'direct-tcpip', senderChannel: 5, initialWindowSize: 4096, reserved: 0xffffffff, connectedAddress: host, connectedPort: port, originatorAddress: '10.0.0.2', originatorPort: 1000 })
    const udp = (port: number): ApfMessage => ({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'udp-send-to', address: '127.0.0.1', port, originatorAddress: '10.0.0.2', originatorPort: 1000, data: Buffer.from('trap') } })
    const { steps } = run([open('127.0.0.1', 162), open('192.0.2.1', 25), udp(162), udp(514), { ...open('127.0.0.1', 162), channelType: 'x11' } as ApfMessage], ready())
    expect(steps[0]?.effects[0]).toMatchObject({ kind: 'relay-tcp' })
    expect(steps[1]?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 5, reasonCode: 1 }])
    expect(steps[1]?.effects).toEqual([{ kind: 'blocked', protocol: 'tcp', host: '192.0.2.1', port: 25 }])
    expect(steps[2]?.effects[0]).toMatchObject({ kind: 'relay-udp' })
    expect(steps[2]?.send).toEqual([{ type: M.REQUEST_SUCCESS, portBound: null }])
    expect(steps[3]?.effects).toEqual([{ kind: 'blocked', protocol: 'udp', host: '127.0.0.1', port: 514 }])
    expect(steps[3]?.send).toEqual([{ type: M.REQUEST_FAILURE }])
    expect(steps[4]?.send).toEqual([{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: 5, reasonCode: 3 }])
  })
})
