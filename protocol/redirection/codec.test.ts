/*
 * The redirection codec's table and edges (the vector suite in conformance/codec covers every
 * message): which phases decode which command, log lines, the three decode outcomes over a
 * window of a larger buffer, and encoder refusals with their typed codes.
 */

import { describe, expect, it } from 'vitest'
import { CiralabError, ErrorCode } from '../errors.js'
import { decodeRedirectionMessage, describeRedirectionMessage, encodeRedirectionMessage, phasesOf } from './codec.js'
import { AuthType } from './constants.js'
import { RedirectionDecodeError, RedirectionEncodeError, RedirectionSessionError } from './errors.js'
import type { RedirectionMessage } from './messages.js'
import { RedirectionStreamDecoder } from './stream-decoder.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('phasesOf', () => {
  it('0x12 ends a session from every framed phase', () => {
    expect(phasesOf('END_REDIRECTION_SESSION')).toEqual(['session', 'sol', 'ider', 'kvm'])
  })

  it('0x40/0x41 belong to IDE-R as START_IDER and to KVM as the 8-byte step, never both', () => {
    expect(phasesOf('START_IDER')).toEqual(['ider'])
    expect(phasesOf('START_IDER_REPLY')).toEqual(['ider'])
    expect(phasesOf('KVM_START')).toEqual(['kvm'])
    expect(phasesOf('KVM_START_REPLY')).toEqual(['kvm'])
  })

  it('every other message has exactly one phase', () => {
    expect(phasesOf('AUTHENTICATE_SESSION')).toEqual(['session'])
    expect(phasesOf('SOL_DATA_FROM_HOST')).toEqual(['sol'])
    expect(phasesOf('IDER_DATA_TO_HOST')).toEqual(['ider'])
  })
})

describe('encodeRedirectionMessage', () => {
  it('refuses a message of a type it does not know with a typed error (a caller around the types)', () => {
    const alien = JSON.parse('{"type":"NOT_A_MESSAGE"}') as RedirectionMessage
    expect(() => encodeRedirectionMessage(alien)).toThrow(RedirectionEncodeError)
    expect(() => encodeRedirectionMessage(alien)).toThrow(/not a redirection message this codec encodes/)
  })
})

describe('describeRedirectionMessage', () => {
  it('is the bare type for a message without fields', () => {
    expect(describeRedirectionMessage({ type: 'KVM_START' })).toBe('KVM_START')
    expect(describeRedirectionMessage({ type: 'END_REDIRECTION_SESSION' })).toBe('END_REDIRECTION_SESSION')
  })

  it('shows binary as its length and at most 16 bytes of hex', () => {
    const data = Buffer.from(Array.from({ length: 20 }, (_, i) => i))
    expect(describeRedirectionMessage({ type: 'SOL_DATA_TO_HOST', seq: 1, data })).toBe('SOL_DATA_TO_HOST seq=1 data=20B:000102030405060708090a0b0c0d0e0f…')
    expect(describeRedirectionMessage({ type: 'SOL_DATA_FROM_HOST', seq: 2, data: data.subarray(0, 16) })).toBe(
      'SOL_DATA_FROM_HOST seq=2 data=16B:000102030405060708090a0b0c0d0e0f',
    )
  })

  it('shows nested objects field by field, strings quoted and null as null', () => {
    const m: RedirectionMessage = { type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: 3, body: { kind: 'challenge', realm: 'r', nonce: 'n', qop: null } }
    expect(describeRedirectionMessage(m)).toBe('AUTHENTICATE_SESSION_REPLY status=1 authType=3 body={kind="challenge" realm="r" nonce="n" qop=null}')
    expect(describeRedirectionMessage({ type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 0, body: { kind: 'types', authTypes: [3, 4] } })).toBe(
      'AUTHENTICATE_SESSION_REPLY status=0 authType=0 body={kind="types" authTypes={0=3 1=4}}',
    )
  })
})

describe('decodeRedirectionMessage over a window', () => {
  const heartbeat = '2b000000 05000000'

  it('decodes at an offset and reports the length of the message only', () => {
    const buf = hex(`ffff ${heartbeat} ee`)
    const r = decodeRedirectionMessage(buf, 'sol', 2, 10)
    expect(r).toEqual({ kind: 'message', message: { type: 'SOL_HEARTBEAT', seq: 5 }, length: 8 })
  })

  it('an empty window needs one byte; a cut message needs its whole length from its start', () => {
    const buf = hex(`00 ${heartbeat}`)
    expect(decodeRedirectionMessage(buf, 'sol', 1, 1)).toEqual({ kind: 'need-more', needed: 1 })
    expect(decodeRedirectionMessage(buf, 'sol', 1, 6)).toEqual({ kind: 'need-more', needed: 8 })
    // SOL data: the length field says how much is still missing.
    expect(decodeRedirectionMessage(hex('28000000 01000000 0500 6869'), 'sol')).toEqual({ kind: 'need-more', needed: 15 })
  })

  it('a command of another phase is REDIR_ERR_UNKNOWN_COMMAND naming the command and phase', () => {
    const r = decodeRedirectionMessage(hex(heartbeat), 'ider')
    expect(r.kind).toBe('error')
    if (r.kind !== 'error') return
    expect(r.error).toBeInstanceOf(RedirectionDecodeError)
    expect(r.error).toMatchObject({ code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND, command: 0x2b, phase: 'ider', offset: 0 })
  })

  it('a data length over the limit fails at once, before its bytes arrive', () => {
    const r = decodeRedirectionMessage(hex('2a000000 01000000 0010'), 'sol', 0, 10, { maxDataLength: 0x0fff, maxAuthDataLength: 16 })
    expect(r.kind === 'error' && r.error).toMatchObject({ code: ErrorCode.REDIR_ERR_DATA_TOO_LONG, command: 0x2a, phase: 'sol' })
    const auth = decodeRedirectionMessage(hex('14 00 0000 04 11000000'), 'session', 0, 9, { maxDataLength: 0xffff, maxAuthDataLength: 16 })
    expect(auth.kind === 'error' && auth.error.code).toBe(ErrorCode.REDIR_ERR_DATA_TOO_LONG)
  })

  it('a 0x48 feature request of an unknown type is REDIR_ERR_MALFORMED (its length is unknown)', () => {
    const r = decodeRedirectionMessage(hex('48 0000 00 01000000 07'), 'ider')
    expect(r.kind === 'error' && r.error).toMatchObject({ code: ErrorCode.REDIR_ERR_MALFORMED, command: 0x48, phase: 'ider' })
  })
})

describe('encodeRedirectionMessage refusals (REDIR_ERR_INVALID_FIELD)', () => {
  const refused = (m: RedirectionMessage): RedirectionEncodeError => {
    try {
      encodeRedirectionMessage(m)
    } catch (error) {
      if (error instanceof RedirectionEncodeError) return error
      throw error
    }
    throw new Error(`encoded ${m.type} without complaint`)
  }

  it('refuses feature request types other than 1, 2 and 3, and a value that does not fit the type', () => {
    expect(refused({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 0, attributes: 0, featureType: 4, value: 1 }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(refused({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 0, attributes: 0, featureType: 1, value: 1 }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(refused({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 0, attributes: 0, featureType: 3, value: null }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
  })

  it('refuses console bodies that do not fit their authType', () => {
    const opaque = { kind: 'opaque', data: hex('01') } as const
    expect(refused({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST, body: opaque }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(refused({ type: 'AUTHENTICATE_SESSION', authType: AuthType.KERBEROS, body: { kind: 'opaque', data: Buffer.alloc(0) } }).code).toBe(
      ErrorCode.REDIR_ERR_INVALID_FIELD,
    )
    expect(refused({ type: 'AUTHENTICATE_SESSION', authType: AuthType.DIGEST, body: { kind: 'password', user: 'u', password: 'p' } }).code).toBe(
      ErrorCode.REDIR_ERR_INVALID_FIELD,
    )
  })

  it('refuses device bodies that do not fit their authType', () => {
    const challenge = { kind: 'challenge', realm: 'r', nonce: 'n', qop: null } as const
    expect(refused({ type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: AuthType.DIGEST, body: challenge }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(refused({ type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: AuthType.USER_PASSWORD, body: challenge }).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(refused({ type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: AuthType.QUERY, body: { kind: 'opaque', data: hex('04') } }).code).toBe(
      ErrorCode.REDIR_ERR_INVALID_FIELD,
    )
    expect(refused({ type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: AuthType.QUERY, body: { kind: 'types', authTypes: [4, 256] } }).code).toBe(
      ErrorCode.REDIR_ERR_INVALID_FIELD,
    )
  })

  it('refuses a body kind it does not know (a JavaScript caller)', () => {
    const m = JSON.parse('{"type":"AUTHENTICATE_SESSION","authType":2,"body":{"kind":"kerberos-ticket"}}') as RedirectionMessage
    expect(refused(m).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    const reply = JSON.parse('{"type":"AUTHENTICATE_SESSION_REPLY","status":0,"authType":2,"body":{"kind":"ticket"}}') as RedirectionMessage
    expect(refused(reply).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
  })

  it('writes an opaque Kerberos body as its bytes', () => {
    const m: RedirectionMessage = { type: 'AUTHENTICATE_SESSION', authType: AuthType.KERBEROS, body: { kind: 'opaque', data: hex('a1b2') } }
    expect(encodeRedirectionMessage(m).toString('hex')).toBe('1300000002' + '02000000' + 'a1b2')
  })
})

describe('error classes', () => {
  it('a decode error keeps its code and moves its offset into the stream', () => {
    const e = new RedirectionDecodeError(ErrorCode.REDIR_ERR_MALFORMED, 'bad', { offset: 3, command: 0x48, phase: 'ider' })
    expect(e.shifted(0)).toBe(e)
    expect(e.shifted(100)).toMatchObject({ code: ErrorCode.REDIR_ERR_MALFORMED, offset: 103, command: 0x48, phase: 'ider', name: 'RedirectionDecodeError' })
    expect(new RedirectionDecodeError(ErrorCode.REDIR_ERR_MALFORMED, 'bad')).toMatchObject({ offset: 0, command: null, phase: null })
  })

  it('a session error carries the device status byte and the cause', () => {
    const cause = new Error('socket closed')
    const refusedStart = new RedirectionSessionError(ErrorCode.REDIR_ERR_START_REFUSED, '0x11 status 2 (BUSY)', { status: 2, cause })
    expect(refusedStart).toBeInstanceOf(CiralabError)
    expect(refusedStart).toMatchObject({ name: 'RedirectionSessionError', code: ErrorCode.REDIR_ERR_START_REFUSED, status: 2, cause })
    const late = new RedirectionSessionError(ErrorCode.REDIR_ERR_TIMEOUT, 'late')
    expect(late.status).toBeNull()
    expect('cause' in late).toBe(false)
  })

  it('a stream decoder reports its failure and how far it got', () => {
    const decoder = new RedirectionStreamDecoder({ phase: 'sol' })
    expect(decoder.failed).toBeNull()
    decoder.push(hex('2b000000 01000000 ff'))
    expect(decoder.next().kind).toBe('message')
    expect(decoder.bytesConsumed).toBe(8)
    expect(decoder.next().kind).toBe('error')
    expect(decoder.failed).toMatchObject({ code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND, offset: 8, command: 0xff })
  })
})
