/*
 * The redirection digest login (redirection-wsman.md §2.3) as bytes on the wire. The expected
 * responses were computed outside this code base (md5sum over the strings of §2.3 step 4):
 *   HA1 = MD5("admin:Digest:A4070000000000000000000000000000:P@ssw0rd") = 6ab9192fba58a04d5e0c4df89b9a4350
 *   HA2 = MD5("POST:/RedirectionService")                            = 63719ae578d1b7ff84edbc5762bd658b
 *   type 4: MD5(HA1:nonce:00000002:cnonce:auth:HA2)                  = 7b8818b0f2564bca5ac35edcb26edb38
 *   type 3: MD5(HA1:nonce:HA2)                                       = 5292bd8b4af1fa7366ea8cf396db4735
 */

import { describe, expect, it } from 'vitest'
import { digestAnswerBody, digestStartBody, isDigestStart, verifyDigestAnswer } from './auth.js'
import { decodeRedirectionMessage, encodeRedirectionMessage } from './codec.js'
import { AuthType } from './constants.js'
import type { AuthenticateSession } from './messages.js'

const USER = 'admin'
const PASSWORD = 'P@ssw0rd'
const REALM = 'Digest:A4070000000000000000000000000000'
const NONCE = 'bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX'
const CNONCE = '0123456789abcdef0123456789abcdef'
const RESPONSE_4 = '7b8818b0f2564bca5ac35edcb26edb38'
const RESPONSE_3 = '5292bd8b4af1fa7366ea8cf396db4735'
const URI_HEX = '2f5265646972656374696f6e53657276696365' // "/RedirectionService", 19 bytes

/** A u8 length then the ASCII bytes, as hex: how every string of the digest data is laid out. */
const s8 = (text: string): string => Buffer.from([text.length]).toString('hex') + Buffer.from(text, 'latin1').toString('hex')
const le32 = (n: number): string => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b.toString('hex')
}

function decodeAuth(bytes: Buffer): AuthenticateSession {
  const result = decodeRedirectionMessage(bytes, 'session')
  if (result.kind !== 'message' || result.message.type !== 'AUTHENTICATE_SESSION') throw new Error(`expected 0x13, got ${JSON.stringify(result)}`)
  expect(result.length).toBe(bytes.length)
  return result.message
}

describe('digest step 1 (console asks for the challenge)', () => {
  it('type 4: user, empty realm and nonce, the URI, four empty strings; L = ulen + urilen + 8', () => {
    const hex = `13000000 04 20000000 05${Buffer.from(USER).toString('hex')} 00 00 13${URI_HEX} 00 00 00 00`.replace(/ /g, '')
    const body = digestStartBody(USER, AuthType.DIGEST)
    expect(encodeRedirectionMessage({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST, body }).toString('hex')).toBe(hex)
    const decoded = decodeAuth(Buffer.from(hex, 'hex'))
    expect(decoded.body).toEqual(body)
    expect(decoded.body.kind === 'digest' && isDigestStart(decoded.body)).toBe(true)
  })

  it('type 3: three trailing empty strings (no qop); L = ulen + urilen + 7', () => {
    const hex = `13000000 03 1f000000 05${Buffer.from(USER).toString('hex')} 00 00 13${URI_HEX} 00 00 00`.replace(/ /g, '')
    const body = digestStartBody(USER, AuthType.DIGEST_RFC2069)
    expect(body.qop).toBeNull()
    expect(encodeRedirectionMessage({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST_RFC2069, body }).toString('hex')).toBe(hex)
    expect(decodeAuth(Buffer.from(hex, 'hex')).body).toEqual(body)
  })
})

describe('digest step 3 (console answers the challenge)', () => {
  it('type 4: the eight strings in order with the RFC 2617 response', () => {
    const body = digestAnswerBody({ user: USER, password: PASSWORD, realm: REALM, nonce: NONCE, qop: 'auth', nc: '00000002', cnonce: CNONCE })
    expect(body.response).toBe(RESPONSE_4)
    const data = [USER, REALM, NONCE, '/RedirectionService', CNONCE, '00000002', RESPONSE_4, 'auth'].map(s8).join('')
    expect(data.length / 2).toBe(5 + 39 + 32 + 19 + 32 + 8 + 32 + 4 + 8)
    const hex = `13000000 04 ${le32(data.length / 2)} ${data}`.replace(/ /g, '')
    expect(encodeRedirectionMessage({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST, body }).toString('hex')).toBe(hex)
    const decoded = decodeAuth(Buffer.from(hex, 'hex'))
    expect(decoded.body).toEqual(body)
    expect(decoded.body.kind === 'digest' && isDigestStart(decoded.body)).toBe(false)
  })

  it('type 3: RFC 2069 response, cnonce and nc sent empty, no qop', () => {
    const body = digestAnswerBody({ user: USER, password: PASSWORD, realm: REALM, nonce: NONCE, qop: null, nc: '00000002', cnonce: CNONCE })
    expect(body).toMatchObject({ response: RESPONSE_3, cnonce: '', nc: '', qop: null })
    const data = [USER, REALM, NONCE, '/RedirectionService', '', '', RESPONSE_3].map(s8).join('')
    const hex = `13000000 03 ${le32(data.length / 2)} ${data}`.replace(/ /g, '')
    expect(encodeRedirectionMessage({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST_RFC2069, body }).toString('hex')).toBe(hex)
    expect(decodeAuth(Buffer.from(hex, 'hex')).body).toEqual(body)
  })

  it('a different URI changes the response (HA2 covers it)', () => {
    const body = digestAnswerBody({ user: USER, password: PASSWORD, realm: REALM, nonce: NONCE, qop: 'auth', nc: '00000002', cnonce: CNONCE, uri: '/other' })
    expect(body.uri).toBe('/other')
    expect(body.response).toBe('7f3ea9318daad3961ee454d3a6c36965')
  })
})

describe('verifyDigestAnswer (the device side)', () => {
  const answer = (response: string, extra: Partial<{ nc: string; cnonce: string; qop: string | null }> = {}): Buffer => {
    const qop = extra.qop === undefined ? 'auth' : extra.qop
    const strings = [USER, REALM, NONCE, '/RedirectionService', extra.cnonce ?? CNONCE, extra.nc ?? '00000002', response]
    if (qop !== null) strings.push(qop)
    const data = strings.map(s8).join('')
    return Buffer.from(`13000000${qop === null ? '03' : '04'}${le32(data.length / 2)}${data}`, 'hex')
  }
  const bodyOf = (bytes: Buffer) => {
    const body = decodeAuth(bytes).body
    if (body.kind !== 'digest') throw new Error('expected a digest body')
    return body
  }

  it('accepts the right password, type 4 and type 3', () => {
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_4)), PASSWORD)).toBe(true)
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_3, { cnonce: '', nc: '', qop: null })), PASSWORD)).toBe(true)
  })

  it('accepts a response in upper-case hex', () => {
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_4.toUpperCase())), PASSWORD)).toBe(true)
  })

  it('refuses a wrong password, a changed nc and a response for another nonce', () => {
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_4)), 'wrong')).toBe(false)
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_4, { nc: '00000001' })), PASSWORD)).toBe(false)
    expect(verifyDigestAnswer(bodyOf(answer(RESPONSE_3)), PASSWORD)).toBe(false)
  })

  it('does not validate nc or cnonce shapes: an MPS-style 20-digit cnonce counts like any other', () => {
    const cnonce = '0123456789abcdef0123'
    const body = digestAnswerBody({ user: USER, password: PASSWORD, realm: REALM, nonce: NONCE, qop: 'auth', nc: '00000001', cnonce })
    expect(verifyDigestAnswer(bodyOf(answer(body.response, { cnonce, nc: '00000001' })), PASSWORD)).toBe(true)
  })

  it('an empty step-1 body is a start, not an answer', () => {
    const start = bodyOf(Buffer.from(`1300000004${le32(32)}${[USER, '', '', '/RedirectionService', '', '', '', ''].map(s8).join('')}`, 'hex'))
    expect(isDigestStart(start)).toBe(true)
    expect(verifyDigestAnswer(start, PASSWORD)).toBe(false)
  })
})
