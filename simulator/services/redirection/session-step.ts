/**
 * The device side of a redirection session up to a successful login, as a pure step function
 * (redirection-wsman.md §2.2, §2.3, §3): 0x10 start → 0x11 reply (refused when user consent is
 * required and not given), then the authentication exchange (query, user/password, digest
 * types 3 and 4). The connection applies what a step returns: messages to send and effects.
 */

import {
  AuthStatus,
  AuthType,
  INTEL_IANA,
  isDigestStart,
  SessionTag,
  StartStatus,
  verifyDigestAnswer,
  type AuthenticateSession,
  type AuthenticateSessionReply,
  type DigestBody,
  type RedirectionMessage,
} from '../../../protocol/redirection/index.js'
import type { AmtAccount } from '../../identity.js'
import type { RedirectionKind } from '../host.js'

export type DeviceSessionState =
  | { readonly name: 'awaiting-start' }
  | { readonly name: 'awaiting-auth'; readonly kind: RedirectionKind }
  | { readonly name: 'challenged'; readonly kind: RedirectionKind; readonly authType: number; readonly nonce: string }
  | { readonly name: 'authenticated'; readonly kind: RedirectionKind }
  | { readonly name: 'closed' }

export type SessionEffect =
  | { readonly kind: 'close' }
  | { readonly kind: 'consent-refused'; readonly session: RedirectionKind }
  | { readonly kind: 'auth-failed' }
  | { readonly kind: 'authenticated'; readonly session: RedirectionKind }

export interface SessionStep {
  readonly state: DeviceSessionState
  readonly send: readonly RedirectionMessage[]
  readonly effects: readonly SessionEffect[]
}

export interface SessionEnv {
  readonly account: AmtAccount
  /** The device's Digest realm (AMT_GeneralSettings.DigestRealm). */
  readonly realm: string
  /** authTypes advertised in the query reply, and the only ones accepted. */
  readonly authTypes: readonly number[]
  readonly firmwareMajor: number
  readonly firmwareMinor: number
  mayStart(kind: RedirectionKind): boolean
  /** A session of this kind is already open on the device. */
  isBusy(kind: RedirectionKind): boolean
  /** A fresh nonce (amtterm accepts at most 32 characters). */
  newNonce(): string
}

const TAG_KINDS: ReadonlyMap<string, RedirectionKind> = new Map<string, RedirectionKind>([
  [SessionTag.SOL, 'sol'],
  [SessionTag.IDER, 'ider'],
  [SessionTag.KVMR, 'kvm'],
])

const CLOSED: DeviceSessionState = { name: 'closed' }

function closeWith(send: RedirectionMessage[], ...effects: SessionEffect[]): SessionStep {
  return { state: CLOSED, send, effects: [...effects, { kind: 'close' }] }
}

function startReply(env: SessionEnv, status: number): RedirectionMessage {
  // [inferred] the realistic reply of the notes: protocol 1.0, firmware version, Intel's IANA, no OEM data.
  return {
    type: 'START_REDIRECTION_SESSION_REPLY',
    status,
    protocolMajor: 1,
    protocolMinor: 0,
    firmwareMajor: env.firmwareMajor,
    firmwareMinor: env.firmwareMinor,
    oemIana: INTEL_IANA,
    oem: Buffer.alloc(0),
  }
}

function authReply(status: number, authType: number, body: AuthenticateSessionReply['body'] = { kind: 'none' }): AuthenticateSessionReply {
  return { type: 'AUTHENTICATE_SESSION_REPLY', status, authType, body }
}

export function stepDeviceSession(state: DeviceSessionState, m: RedirectionMessage, env: SessionEnv): SessionStep {
  if (m.type === 'END_REDIRECTION_SESSION') return closeWith([])
  switch (state.name) {
    case 'awaiting-start':
      return m.type === 'START_REDIRECTION_SESSION' ? onStart(m.tag, env) : closeWith([])
    case 'awaiting-auth':
    case 'challenged':
      return m.type === 'AUTHENTICATE_SESSION' ? onAuthenticate(state, m, env) : closeWith([])
    default:
      return closeWith([])
  }
}

function onStart(tag: string, env: SessionEnv): SessionStep {
  const kind = TAG_KINDS.get(tag)
  if (kind === undefined) return closeWith([startReply(env, StartStatus.TYPE_UNKNOWN)])
  // [inferred] AMT serves one session of each kind at a time (SOL and IDE-R together are fine).
  if (env.isBusy(kind)) return closeWith([startReply(env, StartStatus.BUSY)])
  if (!env.mayStart(kind)) {
    // [inferred] The notes leave open which status AMT uses when consent is missing (§7.3);
    // consoles only check status == 0. BUSY says "not now", which is what missing consent is.
    return closeWith([startReply(env, StartStatus.BUSY)], { kind: 'consent-refused', session: kind })
  }
  return { state: { name: 'awaiting-auth', kind }, send: [startReply(env, StartStatus.SUCCESS)], effects: [] }
}

function onAuthenticate(state: Extract<DeviceSessionState, { name: 'awaiting-auth' | 'challenged' }>, m: AuthenticateSession, env: SessionEnv): SessionStep {
  const stay: DeviceSessionState = state
  if (m.authType === AuthType.QUERY) {
    return { state: stay, send: [authReply(AuthStatus.SUCCESS, AuthType.QUERY, { kind: 'types', authTypes: env.authTypes })], effects: [] }
  }
  if (!env.authTypes.includes(m.authType)) {
    // Not offered: say so and let the console try another type.
    return { state: stay, send: [authReply(AuthStatus.NOT_SUPPORTED, m.authType)], effects: [] }
  }
  const body = m.body
  if (m.authType === AuthType.USER_PASSWORD && body.kind === 'password') {
    const ok = body.user === env.account.user && body.password === env.account.password
    return ok ? success(state.kind, m.authType) : failure(m.authType)
  }
  if ((m.authType === AuthType.DIGEST || m.authType === AuthType.DIGEST_RFC2069) && body.kind === 'digest') {
    if (state.name === 'challenged' && state.authType === m.authType && !isDigestStart(body)) {
      return checkDigestAnswer(state, body, m.authType, env)
    }
    const nonce = env.newNonce()
    const qop = m.authType === AuthType.DIGEST ? 'auth' : null
    return {
      state: { name: 'challenged', kind: state.kind, authType: m.authType, nonce },
      send: [authReply(AuthStatus.FAILURE, m.authType, { kind: 'challenge', realm: env.realm, nonce, qop })],
      effects: [],
    }
  }
  return failure(m.authType)
}

function checkDigestAnswer(state: Extract<DeviceSessionState, { name: 'challenged' }>, body: DigestBody, authType: number, env: SessionEnv): SessionStep {
  // amtterm requires qop "auth" for type 4 and none for type 3; the device holds consoles to the same.
  const qopOk = authType === AuthType.DIGEST ? body.qop === 'auth' : body.qop === null
  const ok =
    qopOk &&
    body.user === env.account.user &&
    body.realm === env.realm &&
    body.nonce === state.nonce &&
    verifyDigestAnswer(body, env.account.password)
  return ok ? success(state.kind, authType) : failure(authType)
}

function success(kind: RedirectionKind, authType: number): SessionStep {
  return { state: { name: 'authenticated', kind }, send: [authReply(AuthStatus.SUCCESS, authType)], effects: [{ kind: 'authenticated', session: kind }] }
}

/** [inferred] `14 01 00 00 <type> 00000000` and close: consoles treat any non-zero status as fatal. */
function failure(authType: number): SessionStep {
  return closeWith([authReply(AuthStatus.FAILURE, authType)], { kind: 'auth-failed' })
}

/**
 * [inferred] What the device offers in the query reply: [03 04] for a modern device; 01
 * (user/password, which hamtsolo uses) too on the oldest firmware we simulate (AMT 11).
 */
export function advertisedAuthTypes(amtMajor: number): readonly number[] {
  return amtMajor < 12 ? [AuthType.USER_PASSWORD, AuthType.DIGEST_RFC2069, AuthType.DIGEST] : [AuthType.DIGEST_RFC2069, AuthType.DIGEST]
}
