/**
 * The device side of an APF session as a pure step function: (state, event) → (state, messages
 * to send, effects). No socket, timer or logger: the connection (connection.ts) feeds it decoded
 * messages and timer events and carries out what comes back.
 *
 * Firmware order (apf.md §2.1): PROTOCOLVERSION with the policy's trigger reason, then without
 * waiting SERVICE_REQUEST auth@amt.intel.com (MPS never answers PROTOCOLVERSION; Console and
 * GoAPF echo it, which is accepted and ignored), USERAUTH_REQUEST (password), SERVICE_REQUEST
 * pfwd@amt.intel.com, then one tcpip-forward per port, each waiting for its reply.
 */

import {
  ApfDisconnectReason,
  ChannelOpenFailureReason,
  ChannelType,
  GlobalRequestName,
  MessageType as M,
  RESERVED_ALL_ONES,
  ServiceName,
  type ApfMessage,
  type MessageOf,
} from '../../protocol/apf/index.js'

export interface SessionConfig {
  readonly uuid: string
  readonly triggerReason: number
  /** Gateway (MPS) credentials the device was provisioned with. */
  readonly username: string
  readonly password: string
  /** Sent as the tcpip-forward address. */
  readonly fqdn: string
  /** Ports to forward, in firmware order. */
  readonly ports: readonly number[]
  /** Ports with a service behind them; opens to other forwarded ports fail with CONNECT_FAILED. */
  readonly servedPorts: { has(port: number): boolean }
  readonly keepaliveIntervalSeconds: number
  /** False models firmware that answers KEEPALIVE_OPTIONS but keeps its own interval. */
  readonly honourKeepaliveOptions: boolean
  /** Concurrent channels before opens fail with RESOURCE_SHORTAGE. */
  readonly maxChannels: number
  /** The initial window we offer in CHANNEL_OPEN_CONFIRMATION. */
  readonly receiveWindow: number
}

export type SessionPhase = 'initial' | 'awaiting-auth-service' | 'awaiting-auth' | 'awaiting-pfwd-service' | 'forwarding' | 'ready' | 'closed'

export interface SessionState {
  readonly phase: SessionPhase
  /** Index into `ports` of the forward request in flight (or next to send). */
  readonly portIndex: number
  readonly forwardedPorts: readonly number[]
  readonly refusedPorts: readonly number[]
  readonly keepaliveIntervalSeconds: number
  /** From KEEPALIVE_OPTIONS_REQUEST; 0 = no timeout. */
  readonly keepaliveTimeoutSeconds: number
  /** Our channel ids in use, ascending. AMT reuses the smallest free id (mps#741). */
  readonly channelIds: readonly number[]
  readonly nextCookie: number
}

export type CloseReason = 'auth-failed' | 'gateway-disconnect' | 'protocol-error' | 'shutdown'

export type SessionEvent =
  | { readonly kind: 'start' }
  | { readonly kind: 'message'; readonly message: ApfMessage }
  | { readonly kind: 'keepalive-due' }
  /** Both sides have sent CHANNEL_CLOSE: the id may be reused. */
  | { readonly kind: 'channel-released'; readonly localId: number }
  /** The device ends the session (policy lifetime over, shutdown) with DISCONNECT(reason). */
  | { readonly kind: 'shutdown'; readonly reasonCode: number }

export type SessionEffect =
  | { readonly kind: 'ready' }
  | { readonly kind: 'keepalive-options'; readonly intervalSeconds: number; readonly timeoutSeconds: number }
  | { readonly kind: 'keepalive-answered'; readonly cookie: number }
  | { readonly kind: 'port-refused'; readonly port: number }
  | { readonly kind: 'version-echo' }
  | {
      readonly kind: 'channel-open'
      readonly localId: number
      readonly remoteId: number
      readonly port: number
      readonly remoteWindow: number
    }
  | { readonly kind: 'channel-refused'; readonly port: number; readonly reasonCode: number }
  | { readonly kind: 'channel-data'; readonly localId: number; readonly data: Buffer }
  | { readonly kind: 'channel-window'; readonly localId: number; readonly bytesToAdd: number }
  | { readonly kind: 'channel-close'; readonly localId: number }
  | { readonly kind: 'ignored'; readonly what: string }
  | { readonly kind: 'close'; readonly reason: CloseReason; readonly detail: string }

export interface Step {
  readonly state: SessionState
  readonly send: readonly ApfMessage[]
  readonly effects: readonly SessionEffect[]
}

/** Shared by every session that has none (a fleet holds thousands of sessions). */
const NONE: readonly number[] = Object.freeze([])

export function initialSessionState(config: SessionConfig): SessionState {
  return {
    phase: 'initial',
    portIndex: 0,
    forwardedPorts: NONE,
    refusedPorts: NONE,
    keepaliveIntervalSeconds: config.keepaliveIntervalSeconds,
    keepaliveTimeoutSeconds: 0,
    channelIds: NONE,
    nextCookie: 1,
  }
}

export function stepSession(config: SessionConfig, state: SessionState, event: SessionEvent): Step {
  if (state.phase === 'closed') return { state, send: [], effects: [] }
  switch (event.kind) {
    case 'start':
      return onStart(config, state)
    case 'message':
      return onMessage(config, state, event.message)
    case 'keepalive-due':
      return onKeepaliveDue(state)
    case 'channel-released': {
      const channelIds = state.channelIds.length === 1 && state.channelIds[0] === event.localId ? NONE : state.channelIds.filter((id) => id !== event.localId)
      return { state: { ...state, channelIds }, send: [], effects: [] }
    }
    case 'shutdown':
      return {
        state: { ...state, phase: 'closed' },
        send: [{ type: M.DISCONNECT, reasonCode: event.reasonCode }],
        effects: [{ kind: 'close', reason: 'shutdown', detail: `DISCONNECT ${event.reasonCode}` }],
      }
  }
}

function onStart(config: SessionConfig, state: SessionState): Step {
  if (state.phase !== 'initial') return { state, send: [], effects: [] }
  return {
    state: { ...state, phase: 'awaiting-auth-service' },
    send: [
      { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: config.triggerReason, uuid: config.uuid },
      { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH },
    ],
    effects: [],
  }
}

function onKeepaliveDue(state: SessionState): Step {
  if (state.phase !== 'ready') return { state, send: [], effects: [] }
  return {
    state: { ...state, nextCookie: (state.nextCookie + 1) >>> 0 },
    send: [{ type: M.KEEPALIVE_REQUEST, cookie: state.nextCookie }],
    effects: [],
  }
}

type Handler<K extends ApfMessage['type']> = (config: SessionConfig, state: SessionState, message: MessageOf<K>) => Step
type HandlerTable = { readonly [K in ApfMessage['type']]?: Handler<K> }

/** One handler per message type a gateway may send; anything else is a protocol error. */
const HANDLERS: HandlerTable = {
  [M.DISCONNECT]: (_c, s, m) => closeWith(s, [], 'gateway-disconnect', `DISCONNECT ${m.reasonCode}`),
  [M.SERVICE_ACCEPT]: onServiceAccept,
  [M.USERAUTH_SUCCESS]: (c, s) => {
    if (s.phase !== 'awaiting-auth') return protocolError(s, 'USERAUTH_SUCCESS out of turn')
    return { state: { ...s, phase: 'awaiting-pfwd-service' }, send: [{ type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD }], effects: [] }
  },
  [M.USERAUTH_FAILURE]: (_c, s) => {
    if (s.phase !== 'awaiting-auth') return protocolError(s, 'USERAUTH_FAILURE out of turn')
    // [inferred] Like an SSH client with no other method to try: DISCONNECT 14, then close.
    const bye: ApfMessage = { type: M.DISCONNECT, reasonCode: ApfDisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE }
    return closeWith(s, [bye], 'auth-failed', 'USERAUTH_FAILURE')
  },
  [M.REQUEST_SUCCESS]: (c, s) => onForwardReply(c, s, true),
  [M.REQUEST_FAILURE]: (c, s) => onForwardReply(c, s, false),
  [M.PROTOCOLVERSION]: (_c, s) => ({ state: s, send: [], effects: [{ kind: 'version-echo' }] }),
  [M.KEEPALIVE_REQUEST]: (_c, s, m) => ({ state: s, send: [{ type: M.KEEPALIVE_REPLY, cookie: m.cookie }], effects: [] }),
  [M.KEEPALIVE_REPLY]: (_c, s, m) => ({ state: s, send: [], effects: [{ kind: 'keepalive-answered', cookie: m.cookie }] }),
  [M.KEEPALIVE_OPTIONS_REQUEST]: onKeepaliveOptions,
  [M.GLOBAL_REQUEST]: (_c, s, m) => ({
    state: s,
    send: m.wantReply ? [{ type: M.REQUEST_FAILURE }] : [],
    effects: [{ kind: 'ignored', what: 'GLOBAL_REQUEST from the gateway' }],
  }),
  [M.CHANNEL_OPEN]: onChannelOpen,
  [M.CHANNEL_DATA]: (_c, s, m) => onChannelMessage(s, m.recipientChannel, { kind: 'channel-data', localId: m.recipientChannel, data: m.data }),
  [M.CHANNEL_WINDOW_ADJUST]: (_c, s, m) =>
    onChannelMessage(s, m.recipientChannel, { kind: 'channel-window', localId: m.recipientChannel, bytesToAdd: m.bytesToAdd }),
  [M.CHANNEL_CLOSE]: (_c, s, m) => onChannelMessage(s, m.recipientChannel, { kind: 'channel-close', localId: m.recipientChannel }),
  [M.CHANNEL_OPEN_CONFIRMATION]: (_c, s) => ({ state: s, send: [], effects: [{ kind: 'ignored', what: 'CHANNEL_OPEN_CONFIRMATION (device opens no channels)' }] }),
  [M.CHANNEL_OPEN_FAILURE]: (_c, s) => ({ state: s, send: [], effects: [{ kind: 'ignored', what: 'CHANNEL_OPEN_FAILURE (device opens no channels)' }] }),
}

function onMessage(config: SessionConfig, state: SessionState, message: ApfMessage): Step {
  const handler = HANDLERS[message.type] as Handler<ApfMessage['type']> | undefined
  if (handler === undefined) return protocolError(state, `unexpected message type ${message.type} from the gateway`)
  return handler(config, state, message as never)
}

function onServiceAccept(config: SessionConfig, state: SessionState, m: MessageOf<typeof M.SERVICE_ACCEPT>): Step {
  if (state.phase === 'awaiting-auth-service' && m.serviceName === ServiceName.AUTH) {
    const auth: ApfMessage = {
      type: M.USERAUTH_REQUEST,
      username: config.username,
      serviceName: ServiceName.PFWD,
      methodName: 'password',
      password: config.password,
    }
    return { state: { ...state, phase: 'awaiting-auth' }, send: [auth], effects: [] }
  }
  if (state.phase === 'awaiting-pfwd-service' && m.serviceName === ServiceName.PFWD) {
    return forwardNext(config, { ...state, phase: 'forwarding', portIndex: 0 })
  }
  return protocolError(state, `SERVICE_ACCEPT "${m.serviceName}" in phase ${state.phase}`)
}

/** Ask for the port at `portIndex`, or become ready when none is left. */
function forwardNext(config: SessionConfig, state: SessionState): Step {
  const port = config.ports[state.portIndex]
  if (port === undefined) {
    // Every port forwarded (the usual case): keep the configured list rather than a copy.
    const forwardedPorts = state.refusedPorts.length === 0 ? config.ports : state.forwardedPorts
    return { state: { ...state, phase: 'ready', forwardedPorts }, send: [], effects: [{ kind: 'ready' }] }
  }
  const request: ApfMessage = {
    type: M.GLOBAL_REQUEST,
    wantReply: true,
    request: { kind: GlobalRequestName.TCPIP_FORWARD, address: config.fqdn, port },
  }
  return { state, send: [request], effects: [] }
}

function onForwardReply(config: SessionConfig, state: SessionState, success: boolean): Step {
  if (state.phase !== 'forwarding') {
    return protocolError(state, `${success ? 'REQUEST_SUCCESS' : 'REQUEST_FAILURE'} with no forward request pending`)
  }
  const port = config.ports[state.portIndex] as number
  const next: SessionState = success
    ? { ...state, portIndex: state.portIndex + 1, forwardedPorts: [...state.forwardedPorts, port] }
    : { ...state, portIndex: state.portIndex + 1, refusedPorts: [...state.refusedPorts, port] }
  const step = forwardNext(config, next)
  return success ? step : { ...step, effects: [{ kind: 'port-refused', port }, ...step.effects] }
}

function onKeepaliveOptions(config: SessionConfig, state: SessionState, m: MessageOf<typeof M.KEEPALIVE_OPTIONS_REQUEST>): Step {
  const intervalSeconds = config.honourKeepaliveOptions && m.intervalSeconds > 0 ? m.intervalSeconds : state.keepaliveIntervalSeconds
  const timeoutSeconds = m.timeoutSeconds
  return {
    state: { ...state, keepaliveIntervalSeconds: intervalSeconds, keepaliveTimeoutSeconds: timeoutSeconds },
    send: [{ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds, timeoutSeconds }],
    effects: [{ kind: 'keepalive-options', intervalSeconds, timeoutSeconds }],
  }
}

function onChannelOpen(config: SessionConfig, state: SessionState, m: MessageOf<typeof M.CHANNEL_OPEN>): Step {
  const reasonCode = refusalReason(config, state, m)
  if (reasonCode !== null) {
    return {
      state,
      send: [{ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: m.senderChannel, reasonCode }],
      effects: [{ kind: 'channel-refused', port: m.connectedPort, reasonCode }],
    }
  }
  const localId = smallestFreeId(state.channelIds)
  const channelIds = [...state.channelIds, localId].sort((a, b) => a - b)
  return {
    state: { ...state, channelIds },
    send: [
      {
        type: M.CHANNEL_OPEN_CONFIRMATION,
        recipientChannel: m.senderChannel,
        senderChannel: localId,
        initialWindowSize: config.receiveWindow,
        reserved: RESERVED_ALL_ONES,
      },
    ],
    effects: [{ kind: 'channel-open', localId, remoteId: m.senderChannel, port: m.connectedPort, remoteWindow: m.initialWindowSize }],
  }
}

/**
 * Why an open is refused, or null to accept. Order: a type we do not serve (3), a port we did
 * not forward (1: the gateway has no business there), too many channels (4, as AMT under load,
 * mps#664), a forwarded port with no service behind it (2, what a closed port looks like).
 */
function refusalReason(config: SessionConfig, state: SessionState, m: MessageOf<typeof M.CHANNEL_OPEN>): number | null {
  if (m.channelType !== ChannelType.FORWARDED_TCPIP) return ChannelOpenFailureReason.UNKNOWN_CHANNEL_TYPE
  if (!state.forwardedPorts.includes(m.connectedPort)) return ChannelOpenFailureReason.ADMINISTRATIVELY_PROHIBITED
  if (state.channelIds.length >= config.maxChannels) return ChannelOpenFailureReason.RESOURCE_SHORTAGE
  if (!config.servedPorts.has(m.connectedPort)) return ChannelOpenFailureReason.CONNECT_FAILED
  return null
}

function smallestFreeId(ids: readonly number[]): number {
  let id = 0
  for (const used of ids) {
    if (used !== id) break
    id++
  }
  return id
}

function onChannelMessage(state: SessionState, localId: number, effect: SessionEffect): Step {
  if (!state.channelIds.includes(localId)) return { state, send: [], effects: [{ kind: 'ignored', what: `message for unknown channel ${localId}` }] }
  return { state, send: [], effects: [effect] }
}

function closeWith(state: SessionState, send: ApfMessage[], reason: CloseReason, detail: string): Step {
  return { state: { ...state, phase: 'closed' }, send, effects: [{ kind: 'close', reason, detail }] }
}

function protocolError(state: SessionState, detail: string): Step {
  return closeWith(state, [{ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.PROTOCOL_ERROR }], 'protocol-error', detail)
}
