/**
 * The device session state machine, pure: `stepSession(state, input, policy)` returns the next
 * state, the APF messages to send and the effects for the connection to carry out. No sockets,
 * timers or logs here, so every ordering rule is testable byte-free.
 *
 * Order enforced (apf.md §2.1): PROTOCOLVERSION, SERVICE_REQUEST auth@amt.intel.com,
 * USERAUTH_REQUEST (password), SERVICE_REQUEST pfwd@amt.intel.com, then global requests,
 * keepalives and channels. Anything else ends the session with DISCONNECT and a reason code.
 */

import {
  ApfDisconnectReason,
  ChannelOpenFailureReason,
  ChannelType,
  MessageType as M,
  ServiceName,
  type ApfMessage,
  type ChannelOpenMessage,
  type GlobalRequestMessage,
  type UdpSendToRequest,
} from '../../protocol/apf/index.js'
import { ErrorCode } from '../../protocol/errors.js'

export type SessionPhase = 'awaiting-version' | 'awaiting-auth-service' | 'awaiting-auth' | 'authenticating' | 'awaiting-pfwd' | 'ready' | 'closed'

export interface Forward {
  readonly port: number
  /** The address the device gave in tcpip-forward (its FQDN, often empty). */
  readonly address: string
}

export interface SessionState {
  readonly phase: SessionPhase
  readonly uuid: string | null
  readonly triggerReason: number
  readonly username: string | null
  readonly authFailures: number
  readonly forwards: readonly Forward[]
  /** The first non-empty tcpip-forward address: the name the device is reachable by. */
  readonly fqdn: string | null
  readonly keepaliveOptionsSent: boolean
}

export interface SessionPolicy {
  readonly allowedPorts: ReadonlySet<number>
  readonly maxAuthFailures: number
  readonly keepaliveIntervalSeconds: number
  readonly keepaliveTimeoutSeconds: number
  readonly keepaliveOptionsWhen: 'after-forwards' | 'first-forward'
  isUuidAllowed(uuid: string): boolean
  /** Servers on the authorised list (device-originated alerts). */
  isAuthorisedServer(host: string, port: number): boolean
}

export type SessionInput =
  | { readonly kind: 'message'; readonly message: ApfMessage }
  /** The answer to a `check-credentials` effect. */
  | { readonly kind: 'credentials-checked'; readonly accepted: boolean }
  /** No forward arrived for a while: the device is done forwarding. */
  | { readonly kind: 'forwards-settled' }

export type ChannelMessage = Extract<ApfMessage, { type: 91 | 92 | 93 | 94 | 97 }>

export type EndCode =
  | typeof ErrorCode.GW_ERR_OUT_OF_ORDER
  | typeof ErrorCode.GW_ERR_VERSION_UNSUPPORTED
  | typeof ErrorCode.GW_ERR_SERVICE_UNAVAILABLE
  | typeof ErrorCode.GW_ERR_UUID_NOT_ALLOWED
  | typeof ErrorCode.GW_ERR_AUTH_FAILED

export type SessionEffect =
  | { readonly kind: 'version'; readonly uuid: string; readonly triggerReason: number }
  | { readonly kind: 'check-credentials'; readonly uuid: string; readonly username: string; readonly password: string }
  | { readonly kind: 'auth-failed'; readonly username: string; readonly reason: string; readonly failures: number }
  | { readonly kind: 'authenticated'; readonly uuid: string; readonly username: string }
  | { readonly kind: 'forward-added'; readonly port: number; readonly address: string }
  | { readonly kind: 'forward-removed'; readonly port: number }
  | { readonly kind: 'forward-refused'; readonly port: number }
  | { readonly kind: 'channel'; readonly message: ChannelMessage }
  | { readonly kind: 'relay-tcp'; readonly open: ChannelOpenMessage }
  | { readonly kind: 'relay-udp'; readonly request: UdpSendToRequest }
  | { readonly kind: 'blocked'; readonly protocol: 'tcp' | 'udp'; readonly host: string; readonly port: number }
  /** The device sent DISCONNECT: nothing to send back. */
  | { readonly kind: 'device-disconnected'; readonly reasonCode: number }
  /** End the session: send DISCONNECT(reason), then close. */
  | { readonly kind: 'end'; readonly code: EndCode; readonly reason: ApfDisconnectReason; readonly detail: string }

export interface StepResult {
  readonly state: SessionState
  readonly send: readonly ApfMessage[]
  readonly effects: readonly SessionEffect[]
}

export const INITIAL_SESSION: SessionState = Object.freeze({
  phase: 'awaiting-version',
  uuid: null,
  triggerReason: 0,
  username: null,
  authFailures: 0,
  forwards: Object.freeze([]),
  fqdn: null,
  keepaliveOptionsSent: false,
})

const NOTHING: readonly never[] = Object.freeze([])

function result(state: SessionState, send: readonly ApfMessage[] = NOTHING, effects: readonly SessionEffect[] = NOTHING): StepResult {
  return { state, send, effects }
}

function end(state: SessionState, code: EndCode, reason: ApfDisconnectReason, detail: string, send: readonly ApfMessage[] = NOTHING, before: readonly SessionEffect[] = NOTHING): StepResult {
  return result({ ...state, phase: 'closed' }, send, [...before, { kind: 'end', code, reason, detail }])
}

function outOfOrder(state: SessionState, message: ApfMessage): StepResult {
  return end(state, ErrorCode.GW_ERR_OUT_OF_ORDER, ApfDisconnectReason.PROTOCOL_ERROR, `message type ${message.type} not allowed in ${state.phase}`)
}

export function stepSession(state: SessionState, input: SessionInput, policy: SessionPolicy): StepResult {
  if (state.phase === 'closed') return result(state)
  if (input.kind === 'credentials-checked') return onCredentialsChecked(state, input.accepted, policy)
  if (input.kind === 'forwards-settled') return onForwardsSettled(state, policy)
  const message = input.message
  if (message.type === M.DISCONNECT) return result({ ...state, phase: 'closed' }, NOTHING, [{ kind: 'device-disconnected', reasonCode: message.reasonCode }])
  switch (state.phase) {
    case 'awaiting-version':
      return onVersion(state, message, policy)
    case 'awaiting-auth-service':
      return onService(state, message, ServiceName.AUTH, 'awaiting-auth')
    case 'awaiting-auth':
      return onUserauth(state, message, policy)
    case 'authenticating':
      return outOfOrder(state, message)
    case 'awaiting-pfwd':
      return onService(state, message, ServiceName.PFWD, 'ready')
    case 'ready':
      return onReady(state, message, policy)
  }
}

function onVersion(state: SessionState, message: ApfMessage, policy: SessionPolicy): StepResult {
  if (message.type !== M.PROTOCOLVERSION) return outOfOrder(state, message)
  if (message.majorVersion !== 1) {
    return end(state, ErrorCode.GW_ERR_VERSION_UNSUPPORTED, ApfDisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED, `APF version ${message.majorVersion}.${message.minorVersion} is not 1.x`)
  }
  const next: SessionState = { ...state, phase: 'awaiting-auth-service', uuid: message.uuid, triggerReason: message.triggerReason }
  const version: SessionEffect = { kind: 'version', uuid: message.uuid, triggerReason: message.triggerReason }
  if (!policy.isUuidAllowed(message.uuid)) {
    const failed: SessionEffect = { kind: 'auth-failed', username: '', reason: 'uuid-not-allowed', failures: 1 }
    return end(next, ErrorCode.GW_ERR_UUID_NOT_ALLOWED, ApfDisconnectReason.HOST_NOT_ALLOWED_TO_CONNECT, `device ${message.uuid} is not on the allow-list`, NOTHING, [version, failed])
  }
  return result(next, NOTHING, [version])
}

function onService(state: SessionState, message: ApfMessage, expected: string, nextPhase: SessionPhase): StepResult {
  if (message.type !== M.SERVICE_REQUEST) return outOfOrder(state, message)
  if (message.serviceName === expected) {
    return result({ ...state, phase: nextPhase }, [{ type: M.SERVICE_ACCEPT, serviceName: expected }])
  }
  if (message.serviceName === ServiceName.AUTH || message.serviceName === ServiceName.PFWD) {
    return end(state, ErrorCode.GW_ERR_OUT_OF_ORDER, ApfDisconnectReason.PROTOCOL_ERROR, `service ${message.serviceName} requested in ${state.phase}`)
  }
  return end(state, ErrorCode.GW_ERR_SERVICE_UNAVAILABLE, ApfDisconnectReason.SERVICE_NOT_AVAILABLE, `unknown service ${JSON.stringify(message.serviceName.slice(0, 64))}`)
}

const PASSWORD_FAILURE: ApfMessage = Object.freeze({ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false })

function onUserauth(state: SessionState, message: ApfMessage, policy: SessionPolicy): StepResult {
  if (message.type !== M.USERAUTH_REQUEST) return outOfOrder(state, message)
  // Method "none" is SSH's way to ask which methods exist: answer, do not count it.
  if (message.methodName === 'none') return result(state, [PASSWORD_FAILURE])
  if (message.methodName !== 'password' || message.password === null) {
    return authFailed({ ...state, username: message.username }, policy, `method ${JSON.stringify(message.methodName.slice(0, 32))} is not password`)
  }
  if (message.serviceName !== ServiceName.PFWD) {
    return authFailed({ ...state, username: message.username }, policy, `service ${JSON.stringify(message.serviceName.slice(0, 64))} is not ${ServiceName.PFWD}`)
  }
  const next: SessionState = { ...state, phase: 'authenticating', username: message.username }
  return result(next, NOTHING, [{ kind: 'check-credentials', uuid: state.uuid ?? '', username: message.username, password: message.password }])
}

function authFailed(state: SessionState, policy: SessionPolicy, reason: string): StepResult {
  const failures = state.authFailures + 1
  const failed: SessionEffect = { kind: 'auth-failed', username: state.username ?? '', reason, failures }
  const next: SessionState = { ...state, phase: 'awaiting-auth', authFailures: failures }
  if (failures >= policy.maxAuthFailures) {
    const detail = `${failures} authentication failures`
    return end(next, ErrorCode.GW_ERR_AUTH_FAILED, ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE, detail, [PASSWORD_FAILURE], [failed])
  }
  return result(next, [PASSWORD_FAILURE], [failed])
}

function onCredentialsChecked(state: SessionState, accepted: boolean, policy: SessionPolicy): StepResult {
  if (state.phase !== 'authenticating') return result(state)
  if (!accepted) return authFailed(state, policy, 'bad-credentials')
  const next: SessionState = { ...state, phase: 'awaiting-pfwd' }
  return result(next, [{ type: M.USERAUTH_SUCCESS }], [{ kind: 'authenticated', uuid: state.uuid ?? '', username: state.username ?? '' }])
}

/**
 * A channel message in the ready phase changes no session state and only goes to the channel
 * table. The connection asks this first, per message, so the hot path (CHANNEL_DATA, ~10,000 a
 * second on a busy gateway) allocates no step result; `onReady` routes by the same rule.
 */
export function isChannelMessageWhenReady(state: SessionState, message: ApfMessage): message is ChannelMessage {
  if (state.phase !== 'ready') return false
  const type = message.type
  return type === M.CHANNEL_DATA || type === M.CHANNEL_WINDOW_ADJUST || type === M.CHANNEL_OPEN_CONFIRMATION || type === M.CHANNEL_OPEN_FAILURE || type === M.CHANNEL_CLOSE
}

function onReady(state: SessionState, message: ApfMessage, policy: SessionPolicy): StepResult {
  if (isChannelMessageWhenReady(state, message)) return result(state, NOTHING, [{ kind: 'channel', message }])
  switch (message.type) {
    case M.GLOBAL_REQUEST:
      return onGlobalRequest(state, message, policy)
    case M.KEEPALIVE_REQUEST:
      return result(state, [{ type: M.KEEPALIVE_REPLY, cookie: message.cookie }])
    case M.KEEPALIVE_OPTIONS_REPLY:
      return result(state)
    case M.CHANNEL_OPEN:
      return onChannelOpen(state, message, policy)
    default:
      return outOfOrder(state, message)
  }
}

function keepaliveOptions(policy: SessionPolicy): ApfMessage {
  return { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: policy.keepaliveIntervalSeconds, timeoutSeconds: policy.keepaliveTimeoutSeconds }
}

function onGlobalRequest(state: SessionState, message: GlobalRequestMessage, policy: SessionPolicy): StepResult {
  const request = message.request
  const reply = (success: ApfMessage): ApfMessage[] => (message.wantReply ? [success] : [])
  switch (request.kind) {
    case 'tcpip-forward': {
      if (!policy.allowedPorts.has(request.port)) {
        return result(state, reply({ type: M.REQUEST_FAILURE }), [{ kind: 'forward-refused', port: request.port }])
      }
      const known = state.forwards.some((f) => f.port === request.port)
      // Firmware names the same FQDN in every forward: keep one copy of it per device, not one per port.
      const address = state.forwards.find((f) => f.address === request.address)?.address ?? request.address
      const forwards = known ? state.forwards : [...state.forwards, { port: request.port, address }]
      let next: SessionState = { ...state, forwards, fqdn: state.fqdn ?? (address === '' ? null : address) }
      const send = reply({ type: M.REQUEST_SUCCESS, portBound: request.port })
      const everyPort = forwards.length >= policy.allowedPorts.size
      if (!next.keepaliveOptionsSent && (policy.keepaliveOptionsWhen === 'first-forward' || everyPort)) {
        next = { ...next, keepaliveOptionsSent: true }
        send.push(keepaliveOptions(policy))
      }
      return result(next, send, known ? NOTHING : [{ kind: 'forward-added', port: request.port, address: request.address }])
    }
    case 'cancel-tcpip-forward': {
      if (!state.forwards.some((f) => f.port === request.port)) return result(state, reply({ type: M.REQUEST_FAILURE }))
      const forwards = state.forwards.filter((f) => f.port !== request.port)
      return result({ ...state, forwards }, reply({ type: M.REQUEST_SUCCESS, portBound: null }), [{ kind: 'forward-removed', port: request.port }])
    }
    case 'udp-send-to': {
      if (!policy.isAuthorisedServer(request.address, request.port)) {
        return result(state, reply({ type: M.REQUEST_FAILURE }), [{ kind: 'blocked', protocol: 'udp', host: request.address, port: request.port }])
      }
      return result(state, reply({ type: M.REQUEST_SUCCESS, portBound: null }), [{ kind: 'relay-udp', request }])
    }
    case 'other':
      return result(state, reply({ type: M.REQUEST_FAILURE }))
  }
}

function onForwardsSettled(state: SessionState, policy: SessionPolicy): StepResult {
  if (state.phase !== 'ready' || state.keepaliveOptionsSent || state.forwards.length === 0) return result(state)
  return result({ ...state, keepaliveOptionsSent: true }, [keepaliveOptions(policy)])
}

function onChannelOpen(state: SessionState, message: ChannelOpenMessage, policy: SessionPolicy): StepResult {
  const refuse = (reasonCode: number): ApfMessage => ({ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: message.senderChannel, reasonCode })
  if (message.channelType !== ChannelType.DIRECT_TCPIP) return result(state, [refuse(ChannelOpenFailureReason.UNKNOWN_CHANNEL_TYPE)])
  if (!policy.isAuthorisedServer(message.connectedAddress, message.connectedPort)) {
    return result(state, [refuse(ChannelOpenFailureReason.ADMINISTRATIVELY_PROHIBITED)], [
      { kind: 'blocked', protocol: 'tcp', host: message.connectedAddress, port: message.connectedPort },
    ])
  }
  return result(state, NOTHING, [{ kind: 'relay-tcp', open: message }])
}
