import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MessageType as M, ServiceName, type ApfMessage } from '../../protocol/apf/index.js'
import { anyApfMessage } from '../../conformance/codec/apf-arbitraries.js'
import { propertyParams, propertyTimeout } from '../../conformance/codec/fc-params.js'
import { INITIAL_SESSION, stepSession, type SessionInput, type SessionPolicy, type SessionState } from './session.js'

const PROPERTIES = 3
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

const policy: SessionPolicy = {
  allowedPorts: new Set([16992, 16993]),
  maxAuthFailures: 3,
  keepaliveIntervalSeconds: 30,
  keepaliveTimeoutSeconds: 90,
  keepaliveOptionsWhen: 'after-forwards',
  isUuidAllowed: () => true,
  isAuthorisedServer: (host) => host === '127.0.0.1',
}

const handshake: ApfMessage[] = [
  { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: '4c4c4544-004b-4210-8033-b6c04f504633' },
  { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH },
  { type: M.USERAUTH_REQUEST, username: 'admin', serviceName: ServiceName.PFWD, methodName: 'password', password: 'x' },
]

const input: fc.Arbitrary<SessionInput> = fc.oneof(
  { weight: 8, arbitrary: anyApfMessage.map((message): SessionInput => ({ kind: 'message', message })) },
  { weight: 1, arbitrary: fc.boolean().map((accepted): SessionInput => ({ kind: 'credentials-checked', accepted })) },
  { weight: 1, arbitrary: fc.constant<SessionInput>({ kind: 'forwards-settled' }) },
)

/** A prefix of the real handshake, so random input also lands in the later phases. */
const start: fc.Arbitrary<SessionState> = fc.nat({ max: handshake.length }).chain((n) =>
  fc.boolean().map((accept) => {
    let state = INITIAL_SESSION
    for (const message of handshake.slice(0, n)) state = stepSession(state, { kind: 'message', message }, policy).state
    if (n === handshake.length) state = stepSession(state, { kind: 'credentials-checked', accepted: accept }, policy).state
    return state
  }),
)

describe('session state machine properties', () => {
  it('never throws; ends exactly when it closes; sends only gateway-to-device messages', () => {
    const gatewaySends = new Set<number>([M.DISCONNECT, M.SERVICE_ACCEPT, M.USERAUTH_FAILURE, M.USERAUTH_SUCCESS, M.REQUEST_SUCCESS, M.REQUEST_FAILURE, M.CHANNEL_OPEN_FAILURE, M.KEEPALIVE_REPLY, M.KEEPALIVE_OPTIONS_REQUEST])
    fc.assert(
      fc.property(start, fc.array(input, { maxLength: 40 }), (initial, inputs) => {
        let state = initial
        for (const i of inputs) {
          const wasClosed = state.phase === 'closed'
          const r = stepSession(state, i, policy)
          const ends = r.effects.filter((e) => e.kind === 'end' || e.kind === 'device-disconnected').length
          if (wasClosed) expect(r).toEqual({ state, send: [], effects: [] })
          else expect(ends).toBe(r.state.phase === 'closed' ? 1 : 0)
          for (const m of r.send) expect(gatewaySends.has(m.type)).toBe(true)
          state = r.state
        }
      }),
      params(300),
    )
  }, timeout)

  it('authenticates only through a credentials-checked acceptance', () => {
    fc.assert(
      fc.property(fc.array(input, { maxLength: 40 }), (inputs) => {
        let state = INITIAL_SESSION
        for (const i of inputs) {
          const before = state.phase
          const r = stepSession(state, i, policy)
          if (r.effects.some((e) => e.kind === 'authenticated')) {
            expect(before).toBe('authenticating')
            expect(i).toEqual({ kind: 'credentials-checked', accepted: true })
          }
          state = r.state
        }
      }),
      params(300),
    )
  }, timeout)

  it('forwards only allowed ports and answers every forward that wants a reply', () => {
    const forward = fc.record({ port: fc.integer({ min: 0, max: 70000 }), wantReply: fc.boolean() })
    let ready = INITIAL_SESSION
    for (const m of [...handshake]) ready = stepSession(ready, { kind: 'message', message: m }, policy).state
    ready = stepSession(ready, { kind: 'credentials-checked', accepted: true }, policy).state
    ready = stepSession(ready, { kind: 'message', message: { type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD } }, policy).state
    fc.assert(
      fc.property(fc.array(forward, { maxLength: 20 }), (forwards) => {
        let state = ready
        for (const f of forwards) {
          const r = stepSession(state, { kind: 'message', message: { type: M.GLOBAL_REQUEST, wantReply: f.wantReply, request: { kind: 'tcpip-forward', address: '', port: f.port } } }, policy)
          const replies = r.send.filter((m) => m.type === M.REQUEST_SUCCESS || m.type === M.REQUEST_FAILURE)
          expect(replies.length).toBe(f.wantReply ? 1 : 0)
          state = r.state
          expect(state.forwards.every((x) => policy.allowedPorts.has(x.port))).toBe(true)
        }
      }),
      params(300),
    )
  }, timeout)
})
