/**
 * Session manager messages 0x10–0x14 and the data layouts of the authentication exchange
 * (redirection-wsman.md §2.2, §2.3). Each decoder starts after the command byte.
 */

import { AuthType, RedirCommand as C, type RedirectionLimits } from './constants.js'
import { AuthDataReader, type LeReader } from './byte-reader.js'
import { checkMaxLength, LeWriter, string8Bytes } from './byte-writer.js'
import { RedirectionEncodeError } from './errors.js'
import type {
  AuthenticateSession,
  AuthenticateSessionReply,
  AuthReplyBody,
  AuthRequestBody,
  StartRedirectionSession,
  StartRedirectionSessionReply,
} from './messages.js'

/*
 * 0x10 StartRedirectionSession, console → device, 8 bytes [MC-redir, UIT, MCe]
 *   u8   0x10
 *   u8   flag (0x01 KVM, 0x00 SOL/IDE-R)
 *   u8×2 zero
 *   u8×4 tag 'SOL ' | 'IDER' | 'KVMR'
 */
export function decodeStartRedirectionSession(r: LeReader): StartRedirectionSession {
  const flag = r.u8()
  r.skip(2)
  return { type: 'START_REDIRECTION_SESSION', flag, tag: r.tag() }
}

export function encodeStartRedirectionSession(m: StartRedirectionSession): Buffer {
  return new LeWriter(8).u8(C.START_REDIRECTION_SESSION, 'command').u8(m.flag, 'flag').zeros(2).tag(m.tag, 'tag').done()
}

/*
 * 0x11 StartRedirectionSessionReply, device → console, 13 + N bytes [SWBOX; MC-redir]
 *   u8     0x11
 *   u8     status (0 success, 1 type unknown, 2 busy, 3 unsupported, 0xFF error)
 *   u8×2   zero
 *   u8     protocol major, u8 protocol minor, u8 firmware major, u8 firmware minor
 *   u32 LE OEM IANA number
 *   u8     OEM length N, then N bytes
 */
export function decodeStartRedirectionSessionReply(r: LeReader): StartRedirectionSessionReply {
  const status = r.u8()
  r.skip(2)
  const protocolMajor = r.u8()
  const protocolMinor = r.u8()
  const firmwareMajor = r.u8()
  const firmwareMinor = r.u8()
  const oemIana = r.u32()
  const oem = r.bytes(r.u8())
  return { type: 'START_REDIRECTION_SESSION_REPLY', status, protocolMajor, protocolMinor, firmwareMajor, firmwareMinor, oemIana, oem }
}

export function encodeStartRedirectionSessionReply(m: StartRedirectionSessionReply): Buffer {
  checkMaxLength(m.oem, 0xff, 'oem')
  return new LeWriter(13 + m.oem.length)
    .u8(C.START_REDIRECTION_SESSION_REPLY, 'command')
    .u8(m.status, 'status')
    .zeros(2)
    .u8(m.protocolMajor, 'protocolMajor')
    .u8(m.protocolMinor, 'protocolMinor')
    .u8(m.firmwareMajor, 'firmwareMajor')
    .u8(m.firmwareMinor, 'firmwareMinor')
    .u32(m.oemIana, 'oemIana')
    .u8(m.oem.length, 'oem length')
    .bytes(m.oem)
    .done()
}

/* 0x12 EndRedirectionSession, console → device, 4 bytes: `12 00 00 00` [AMTTERM, MPS] */
export function decodeEndRedirectionSession(r: LeReader): { readonly type: 'END_REDIRECTION_SESSION' } {
  r.skip(3)
  return { type: 'END_REDIRECTION_SESSION' }
}

export function encodeEndRedirectionSession(): Buffer {
  return Buffer.from([C.END_REDIRECTION_SESSION, 0, 0, 0])
}

/*
 * 0x13 AuthenticateSession, console → device, 9 + L bytes [MPS; CON; AMTTERM auth.c]
 *   u8     0x13
 *   u8×3   zero
 *   u8     authType (0 query, 1 user/password, 2 Kerberos, 3 digest RFC 2069, 4 digest RFC 2617)
 *   u32 LE L
 *   u8×L   data (layout by authType, see decodeAuthRequestBody)
 */
export function decodeAuthenticateSession(r: LeReader, limits: RedirectionLimits): AuthenticateSession {
  r.skip(3)
  const authType = r.u8()
  const data = r.bytes(r.checkLength(r.u32(), limits.maxAuthDataLength, 'authentication data', C.AUTHENTICATE_SESSION))
  if (r.short) return { type: 'AUTHENTICATE_SESSION', authType, body: { kind: 'none' } }
  return { type: 'AUTHENTICATE_SESSION', authType, body: decodeAuthRequestBody(authType, data) }
}

export function encodeAuthenticateSession(m: AuthenticateSession): Buffer {
  const data = encodeAuthRequestBody(m.authType, m.body)
  return new LeWriter(9 + data.length)
    .u8(C.AUTHENTICATE_SESSION, 'command')
    .zeros(3)
    .u8(m.authType, 'authType')
    .u32(data.length, 'L')
    .bytes(data)
    .done()
}

/*
 * 0x14 AuthenticateSessionReply, device → console, 9 + L bytes [MPS; CON; SWBOX]
 *   u8     0x14
 *   u8     status (0 success, 1 failure or challenge, 2 not supported)
 *   u8×2   zero
 *   u8     authType
 *   u32 LE L
 *   u8×L   data (layout by authType, see decodeAuthReplyBody)
 */
export function decodeAuthenticateSessionReply(r: LeReader, limits: RedirectionLimits): AuthenticateSessionReply {
  const status = r.u8()
  r.skip(2)
  const authType = r.u8()
  const data = r.bytes(r.checkLength(r.u32(), limits.maxAuthDataLength, 'authentication data', C.AUTHENTICATE_SESSION_REPLY))
  if (r.short) return { type: 'AUTHENTICATE_SESSION_REPLY', status, authType, body: { kind: 'none' } }
  return { type: 'AUTHENTICATE_SESSION_REPLY', status, authType, body: decodeAuthReplyBody(authType, data) }
}

export function encodeAuthenticateSessionReply(m: AuthenticateSessionReply): Buffer {
  const data = encodeAuthReplyBody(m.authType, m.body)
  return new LeWriter(9 + data.length)
    .u8(C.AUTHENTICATE_SESSION_REPLY, 'command')
    .u8(m.status, 'status')
    .zeros(2)
    .u8(m.authType, 'authType')
    .u32(data.length, 'L')
    .bytes(data)
    .done()
}

const isDigest = (authType: number): boolean => authType === AuthType.DIGEST || authType === AuthType.DIGEST_RFC2069

/*
 * Console data by authType (L = 0 is always `none`):
 *   1:    u8 ulen, user, u8 plen, password                                  [SWBOX; HAMT]
 *   3, 4: u8-prefixed user, realm, nonce, uri, cnonce, nc, response, qop     [MC-redir; AMTTERM]
 *         (type 3 has no qop). The first step sends realm, nonce, cnonce, nc, response and
 *         qop empty, so L = ulen + urilen + 8 (type 3: + 7).
 */
function decodeAuthRequestBody(authType: number, data: Buffer): AuthRequestBody {
  if (data.length === 0) return { kind: 'none' }
  const d = new AuthDataReader(data, C.AUTHENTICATE_SESSION)
  if (authType === AuthType.USER_PASSWORD) {
    const body: AuthRequestBody = { kind: 'password', user: d.string('user'), password: d.string('password') }
    d.end('user/password data')
    return body
  }
  if (!isDigest(authType)) return { kind: 'opaque', data }
  const user = d.string('user')
  const realm = d.string('realm')
  const nonce = d.string('nonce')
  const uri = d.string('uri')
  const cnonce = d.string('cnonce')
  const nc = d.string('nc')
  const response = d.string('response')
  const qop = authType === AuthType.DIGEST ? d.string('qop') : null
  d.end('digest data')
  return { kind: 'digest', user, realm, nonce, uri, cnonce, nc, response, qop }
}

function encodeAuthRequestBody(authType: number, body: AuthRequestBody): Buffer {
  switch (body.kind) {
    case 'none':
      return Buffer.alloc(0)
    case 'opaque':
      if (authType === AuthType.USER_PASSWORD || isDigest(authType) || body.data.length === 0) {
        throw new RedirectionEncodeError(`opaque data needs a non-empty body and an authType other than 1, 3 or 4 (got ${authType})`)
      }
      return body.data
    case 'password':
      if (authType !== AuthType.USER_PASSWORD) throw new RedirectionEncodeError(`a password body needs authType 1, got ${authType}`)
      return joinStrings([string8Bytes(body.user, 'user'), string8Bytes(body.password, 'password')])
    case 'digest': {
      if (!isDigest(authType) || (authType === AuthType.DIGEST) !== (body.qop !== null)) {
        throw new RedirectionEncodeError(`a digest body needs authType 4 with qop or 3 without, got authType ${authType}, qop ${String(body.qop)}`)
      }
      const fields = [body.user, body.realm, body.nonce, body.uri, body.cnonce, body.nc, body.response]
      const names = ['user', 'realm', 'nonce', 'uri', 'cnonce', 'nc', 'response']
      const parts = fields.map((value, i) => string8Bytes(value, names[i] as string))
      if (body.qop !== null) parts.push(string8Bytes(body.qop, 'qop'))
      return joinStrings(parts)
    }
    default:
      return assertNever(body)
  }
}

/*
 * Device data by authType (L = 0 is always `none`, the result of a login):
 *   0:    one byte per supported authType, e.g. [03 04]                    [AMTTERM; SWBOX]
 *   3, 4: u8-prefixed realm, nonce, qop ("auth"); type 3 has no qop        [MC-redir; MPS]
 */
function decodeAuthReplyBody(authType: number, data: Buffer): AuthReplyBody {
  if (data.length === 0) return { kind: 'none' }
  if (authType === AuthType.QUERY) return { kind: 'types', authTypes: [...data] }
  if (!isDigest(authType)) return { kind: 'opaque', data }
  const d = new AuthDataReader(data, C.AUTHENTICATE_SESSION_REPLY)
  const realm = d.string('realm')
  const nonce = d.string('nonce')
  const qop = authType === AuthType.DIGEST ? d.string('qop') : null
  d.end('digest challenge')
  return { kind: 'challenge', realm, nonce, qop }
}

function encodeAuthReplyBody(authType: number, body: AuthReplyBody): Buffer {
  switch (body.kind) {
    case 'none':
      return Buffer.alloc(0)
    case 'types':
      if (authType !== AuthType.QUERY || body.authTypes.length === 0) {
        throw new RedirectionEncodeError(`a list of auth types needs authType 0 and at least one entry`)
      }
      body.authTypes.forEach((t) => {
        if (!Number.isInteger(t) || t < 0 || t > 0xff) throw new RedirectionEncodeError(`auth type ${t} is not a byte`)
      })
      return Buffer.from(body.authTypes)
    case 'challenge': {
      if (!isDigest(authType) || (authType === AuthType.DIGEST) !== (body.qop !== null)) {
        throw new RedirectionEncodeError(`a challenge needs authType 4 with qop or 3 without, got authType ${authType}`)
      }
      const parts = [string8Bytes(body.realm, 'realm'), string8Bytes(body.nonce, 'nonce')]
      if (body.qop !== null) parts.push(string8Bytes(body.qop, 'qop'))
      return joinStrings(parts)
    }
    case 'opaque':
      if (authType === AuthType.QUERY || isDigest(authType) || body.data.length === 0) {
        throw new RedirectionEncodeError(`opaque data needs a non-empty body and an authType other than 0, 3 or 4 (got ${authType})`)
      }
      return body.data
    default:
      return assertNever(body)
  }
}

function joinStrings(parts: readonly Buffer[]): Buffer {
  const w = new LeWriter(parts.reduce((n, p) => n + 1 + p.length, 0))
  for (const p of parts) w.string8(p)
  return w.done()
}

function assertNever(value: never): never {
  throw new RedirectionEncodeError(`unhandled authentication body ${JSON.stringify(value)}`)
}
