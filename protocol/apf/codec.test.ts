import { describe, expect, it } from 'vitest'
import { ApfEncodeError, ErrorCode } from '../errors.js'
import { decodeApfMessage, describeApfMessage, encodeApfMessage } from './codec.js'
import { encodeChannelDataHeader } from './codec-channel.js'
import { MessageType as M, isMessageType, nameMessageType } from './constants.js'
import type { ApfMessage } from './messages.js'

describe('encodeApfMessage', () => {
  it('refuses a message of a type it does not know with a typed error (a caller around the types)', () => {
    const alien = JSON.parse('{"type":250,"cookie":1}') as ApfMessage
    expect(() => encodeApfMessage(alien)).toThrow(ApfEncodeError)
    expect(() => encodeApfMessage(alien)).toThrow(/not an APF message this codec encodes: \{"type":250/)
  })

  it('refuses integers that do not fit their field', () => {
    const bad: ApfMessage[] = [
      { type: M.KEEPALIVE_REQUEST, cookie: -1 },
      { type: M.KEEPALIVE_REQUEST, cookie: 2 ** 32 },
      { type: M.CHANNEL_CLOSE, recipientChannel: 1.5 },
      { type: M.REQUEST_SUCCESS, portBound: 0x1000000 },
    ]
    for (const m of bad) {
      expect(() => encodeApfMessage(m)).toThrow(ApfEncodeError)
    }
  })

  it('refuses "other" for a request name that has its own layout', () => {
    expect(() =>
      encodeApfMessage({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'other', requestName: 'tcpip-forward', payload: Buffer.alloc(0) } }),
    ).toThrow(/has a defined layout/)
  })

  it('refuses a malformed UUID', () => {
    expect(() => encodeApfMessage({ type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 1, uuid: 'nope' })).toThrow(ApfEncodeError)
  })

  it('writes a USERAUTH_REQUEST with method password and a null password as an empty one', () => {
    const bytes = encodeApfMessage({ type: M.USERAUTH_REQUEST, username: 'u', serviceName: 's', methodName: 'password', password: null })
    const r = decodeApfMessage(bytes)
    expect(r.kind === 'message' && r.message).toEqual({ type: M.USERAUTH_REQUEST, username: 'u', serviceName: 's', methodName: 'password', password: '' })
  })

  it('writes a CHANNEL_DATA header alone for zero-copy sends', () => {
    expect(encodeChannelDataHeader(4, 3).toString('hex')).toBe('5e0000000400000003')
  })

  it('counts UTF-8 bytes, not characters, in string lengths', () => {
    const bytes = encodeApfMessage({ type: M.SERVICE_REQUEST, serviceName: 'é' })
    expect(bytes.toString('hex')).toBe('0500000002c3a9')
  })
})

describe('decodeApfMessage', () => {
  it('asks for the type byte on an empty buffer', () => {
    expect(decodeApfMessage(Buffer.alloc(0))).toEqual({ kind: 'need-more', needed: 1, complete: null })
  })

  it('decodes at an offset and up to an end', () => {
    const buf = Buffer.from('ff' + 'd000000042' + 'ff', 'hex')
    expect(decodeApfMessage(buf, 1, 6)).toEqual({ kind: 'message', message: { type: M.KEEPALIVE_REQUEST, cookie: 0x42 }, length: 5 })
    expect(decodeApfMessage(buf, 1, 5)).toEqual({ kind: 'need-more', needed: 5, complete: null })
  })

  it('reports the length a string field needs as soon as its length prefix is known', () => {
    const r = decodeApfMessage(Buffer.from('0500000012', 'hex'))
    expect(r).toEqual({ kind: 'need-more', needed: 5 + 18, complete: null })
  })

  it('accepts any non-zero boolean as TRUE, as SSH does', () => {
    const r = decodeApfMessage(Buffer.from('330000000870617373776f7264' + '07' + '05', 'hex'))
    expect(r.kind === 'message' && r.message).toEqual({ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: true })
  })

  it('returns typed errors with the disconnect reason to send', () => {
    const r = decodeApfMessage(Buffer.from('c8', 'hex'))
    expect(r.kind).toBe('error')
    if (r.kind !== 'error') return
    expect(r.error.code).toBe(ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE)
    expect(r.error.disconnectReason).toBe(2)
    expect(r.error.name).toBe('ApfDecodeError')
  })
})

describe('names and descriptions', () => {
  it('names every message type and marks unknown ones', () => {
    expect(nameMessageType(94)).toBe('CHANNEL_DATA')
    expect(nameMessageType(7)).toBe('UNKNOWN(7)')
    expect(isMessageType(192)).toBe(true)
    expect(isMessageType(250)).toBe(false)
  })

  it('describes messages on one line, payloads as length and short hex', () => {
    expect(describeApfMessage({ type: M.USERAUTH_SUCCESS })).toBe('USERAUTH_SUCCESS')
    expect(describeApfMessage({ type: M.CHANNEL_DATA, recipientChannel: 3, data: Buffer.alloc(20, 0xab) })).toBe(
      `CHANNEL_DATA recipientChannel=3 data=<20B ${'ab'.repeat(16)}…>`,
    )
    expect(describeApfMessage({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: 'h', port: 1 } })).toBe(
      'GLOBAL_REQUEST wantReply=true request={kind="tcpip-forward" address="h" port=1}',
    )
  })
})
