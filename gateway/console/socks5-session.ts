/**
 * The server side of a SOCKS5 handshake as a pure step function: given the phase and the bytes
 * received so far, what to answer and what comes next. No sockets, timers or logs here; the
 * connection in socks5-server.ts owns those.
 *
 *   greeting ──(method chosen)──> credentials ──(RFC 1929 ok)──> request ──> connect
 *       │                              │                            │
 *       └─ 0xFF / not SOCKS5 ──────────┴─ STATUS 1 ─────────────────┴─ REP 0x07, 0x08... ─> reject
 *
 * Method choice: with credentials configured only USERNAME/PASSWORD (0x02) is acceptable;
 * without, only NO AUTHENTICATION (0x00). Only CONNECT is served; BIND and UDP ASSOCIATE get
 * 0x07 (a gateway to AMT ports has no use for either).
 */

import {
  AuthMethod,
  Command,
  decodeGreeting,
  decodeRequest,
  decodeUserPassRequest,
  encodeMethodSelection,
  encodeReply,
  encodeUserPassResponse,
  ReplyCode,
  UserPassStatus,
  type RequestMessage,
  type Socks5DecodeError,
} from '../../protocol/socks5/index.js'
import type { CredentialCheck } from './credentials.js'

export type SocksHandshakePhase = 'greeting' | 'credentials' | 'request'

/** Why a handshake ended without a tunnel. */
export type SocksRejectReason = 'malformed' | 'no-method' | 'auth-failed' | 'command-not-supported'

export type SocksHandshakeStep =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'continue'; readonly phase: SocksHandshakePhase; readonly consumed: number; readonly send: Buffer }
  | {
      readonly kind: 'reject'
      readonly reason: SocksRejectReason
      /** SOCKS_ERR_* for malformed input, else the reason. */
      readonly code: string
      /** What to write before closing, or null to close at once. */
      readonly send: Buffer | null
    }
  | { readonly kind: 'connect'; readonly consumed: number; readonly request: RequestMessage }

const NEED_MORE: SocksHandshakeStep = Object.freeze({ kind: 'need-more' })

/** A reply with BND.ADDR 0.0.0.0:0: we bind nothing a console could use. */
export function encodeSocksReply(reply: number): Buffer {
  return encodeReply({ type: 'reply', reply, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 })
}

/** One step of the handshake over `buf` (the unconsumed bytes). `checkCredentials` null: no auth. */
export function stepSocksHandshake(phase: SocksHandshakePhase, buf: Buffer, checkCredentials: CredentialCheck | null): SocksHandshakeStep {
  switch (phase) {
    case 'greeting':
      return stepGreeting(buf, checkCredentials !== null)
    case 'credentials':
      return stepCredentials(buf, checkCredentials)
    case 'request':
      return stepRequest(buf)
  }
}

function stepGreeting(buf: Buffer, authRequired: boolean): SocksHandshakeStep {
  const r = decodeGreeting(buf)
  if (r.kind === 'need-more') return NEED_MORE
  if (r.kind === 'error') return malformed(r.error, (code) => encodeMethodSelection({ type: 'method-selection', method: code }))
  const wanted = authRequired ? AuthMethod.USERNAME_PASSWORD : AuthMethod.NO_AUTHENTICATION
  if (!r.message.methods.includes(wanted)) {
    return {
      kind: 'reject',
      reason: 'no-method',
      code: 'no-method',
      send: encodeMethodSelection({ type: 'method-selection', method: AuthMethod.NO_ACCEPTABLE_METHODS }),
    }
  }
  return {
    kind: 'continue',
    phase: authRequired ? 'credentials' : 'request',
    consumed: r.length,
    send: encodeMethodSelection({ type: 'method-selection', method: wanted }),
  }
}

function stepCredentials(buf: Buffer, checkCredentials: CredentialCheck | null): SocksHandshakeStep {
  const r = decodeUserPassRequest(buf)
  if (r.kind === 'need-more') return NEED_MORE
  if (r.kind === 'error') return malformed(r.error, (code) => encodeUserPassResponse({ type: 'userpass-response', status: code }))
  const ok = checkCredentials !== null && checkCredentials(r.message.username, r.message.password)
  if (!ok) {
    return { kind: 'reject', reason: 'auth-failed', code: 'auth-failed', send: encodeUserPassResponse({ type: 'userpass-response', status: UserPassStatus.FAILURE }) }
  }
  return { kind: 'continue', phase: 'request', consumed: r.length, send: encodeUserPassResponse({ type: 'userpass-response', status: UserPassStatus.SUCCESS }) }
}

function stepRequest(buf: Buffer): SocksHandshakeStep {
  const r = decodeRequest(buf)
  if (r.kind === 'need-more') return NEED_MORE
  if (r.kind === 'error') return malformed(r.error, encodeSocksReply)
  if (r.message.command !== Command.CONNECT) {
    return { kind: 'reject', reason: 'command-not-supported', code: 'command-not-supported', send: encodeSocksReply(ReplyCode.COMMAND_NOT_SUPPORTED) }
  }
  return { kind: 'connect', consumed: r.length, request: r.message }
}

function malformed(error: Socks5DecodeError, encode: (code: number) => Buffer): SocksHandshakeStep {
  return { kind: 'reject', reason: 'malformed', code: error.code, send: error.replyCode === null ? null : encode(error.replyCode) }
}
