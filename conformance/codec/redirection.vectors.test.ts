import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import {
  decodeRedirectionMessage,
  encodeRedirectionMessage,
  RedirectionDecodeError,
  RedirectionEncodeError,
  RedirectionStreamDecoder,
  type RedirectionMessage,
} from '../../protocol/redirection/index.js'
import { REDIRECTION_ERROR_VECTORS, REDIRECTION_VECTORS, RFB_VECTORS } from './redirection-vectors.js'

describe('redirection vectors', () => {
  for (const v of REDIRECTION_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      const bytes = Buffer.from(v.hex, 'hex')

      it('decodes to the documented value, consuming every byte', () => {
        const result = decodeRedirectionMessage(bytes, v.phase)
        expect(result.kind).toBe('message')
        if (result.kind !== 'message') return
        expect(result.message).toEqual(v.message)
        expect(result.length).toBe(bytes.length)
      })

      it('encodes the documented value to exactly these bytes', () => {
        expect(encodeRedirectionMessage(v.message).toString('hex')).toBe(v.hex)
      })

      it('round-trips through encode and decode', () => {
        const result = decodeRedirectionMessage(encodeRedirectionMessage(v.message), v.phase)
        expect(result.kind === 'message' ? result.message : result).toEqual(v.message)
      })

      it('decodes the same when fed one byte at a time, twice in a row', () => {
        const decoder = new RedirectionStreamDecoder({ phase: v.phase })
        const out: RedirectionMessage[] = []
        for (const b of Buffer.concat([bytes, bytes])) {
          decoder.push(Buffer.from([b]))
          for (let step = decoder.next(); step.kind !== 'need-more'; step = decoder.next()) {
            if (step.kind !== 'message') throw new Error(`unexpected ${step.kind}`)
            out.push(step.message)
          }
        }
        expect(out).toEqual([v.message, v.message])
        expect(decoder.bufferedBytes).toBe(0)
      })
    })
  }
})

describe('redirection error vectors', () => {
  for (const v of REDIRECTION_ERROR_VECTORS) {
    it(`${v.name} → ${v.code}`, () => {
      const result = decodeRedirectionMessage(Buffer.from(v.hex, 'hex'), v.phase, 0, v.hex.length / 2, { maxDataLength: 0xffff, maxAuthDataLength: 2048, ...v.limits })
      expect(result.kind).toBe('error')
      if (result.kind !== 'error') return
      expect(result.error).toBeInstanceOf(RedirectionDecodeError)
      expect(result.error.code).toBe(v.code)
      expect(result.error.phase).toBe(v.phase)
    })
  }

  it('a stream decoder stays failed after an error, with the first error as cause', () => {
    const decoder = new RedirectionStreamDecoder({ phase: 'sol' })
    decoder.push(Buffer.from('2b00000001000000' + '99', 'hex'))
    expect(decoder.next().kind).toBe('message')
    const failed = decoder.next()
    expect(failed.kind === 'error' && failed.error.code).toBe(ErrorCode.REDIR_ERR_UNKNOWN_COMMAND)
    expect(failed.kind === 'error' && failed.error.offset).toBe(8)
    decoder.push(Buffer.from('2b00000001000000', 'hex'))
    const again = decoder.next()
    expect(again.kind === 'error' && again.error.code).toBe(ErrorCode.REDIR_ERR_DECODER_FAILED)
  })
})

describe('phase switching in one chunk', () => {
  it('hands over the RFB bytes that follow a KVM 0x41 in the same segment', () => {
    const decoder = new RedirectionStreamDecoder({ phase: 'kvm' })
    decoder.push(Buffer.concat([Buffer.from('4100000000000000', 'hex'), Buffer.from('RFB 004.000\n')]))
    const reply = decoder.next()
    expect(reply.kind === 'message' && reply.message.type).toBe('KVM_START_REPLY')
    decoder.phase = 'rfb'
    const raw = decoder.next()
    expect(raw.kind === 'raw' && raw.data.toString()).toBe('RFB 004.000\n')
    expect(decoder.next().kind).toBe('need-more')
    expect(decoder.bytesConsumed).toBe(20)
  })

  it('decodes the SOL message that follows a 0x14 success in the SOL phase', () => {
    const decoder = new RedirectionStreamDecoder()
    decoder.push(Buffer.from('140000000400000000' + '2100000000000000' + '00'.repeat(15), 'hex'))
    expect(decoder.next()).toMatchObject({ kind: 'message', message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 0 } })
    decoder.phase = 'sol'
    expect(decoder.next()).toMatchObject({ kind: 'message', message: { type: 'START_SOL_REPLY', status: 0 } })
  })
})

describe('encoder field checks', () => {
  const bad: [string, RedirectionMessage][] = [
    ['a digest body with type 1', { type: 'AUTHENTICATE_SESSION', authType: 1, body: { kind: 'digest', user: 'a', realm: '', nonce: '', uri: '', cnonce: '', nc: '', response: '', qop: null } }],
    ['type 4 without qop', { type: 'AUTHENTICATE_SESSION', authType: 4, body: { kind: 'digest', user: 'a', realm: '', nonce: '', uri: '', cnonce: '', nc: '', response: '', qop: null } }],
    ['a 256-byte user', { type: 'AUTHENTICATE_SESSION', authType: 1, body: { kind: 'password', user: 'u'.repeat(256), password: '' } }],
    ['an empty type list', { type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 0, body: { kind: 'types', authTypes: [] } }],
    ['a 3-character tag', { type: 'START_REDIRECTION_SESSION', flag: 0, tag: 'SOL' }],
    ['a status of 256', { type: 'START_REDIRECTION_SESSION_REPLY', status: 256, protocolMajor: 1, protocolMinor: 0, firmwareMajor: 1, firmwareMinor: 0, oemIana: 0, oem: Buffer.alloc(0) }],
    ['a 64 KiB SOL payload', { type: 'SOL_DATA_FROM_HOST', seq: 0, data: Buffer.alloc(0x10000) }],
    ['an 11-byte CDB', { type: 'IDER_COMMAND_WRITTEN', seq: 0, attributes: 0, cableSelect: 0, feature: 0, sectorCount: 0, sectorNumber: 0, byteCount: 0, driveSelect: 0, command: 0, cdb: Buffer.alloc(11) }],
    ['feature type 1 with a value', { type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 0, attributes: 0, featureType: 1, value: 3 }],
    ['a negative seq', { type: 'SOL_HEARTBEAT', seq: -1 }],
  ]
  for (const [name, m] of bad) {
    it(`refuses ${name} with REDIR_ERR_INVALID_FIELD`, () => {
      expect(() => encodeRedirectionMessage(m)).toThrow(RedirectionEncodeError)
    })
  }
})

describe('RFB vectors', () => {
  for (const v of RFB_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      const bytes = Buffer.from(v.hex, 'hex')
      it('decodes, encodes and round-trips', () => {
        const decoded = v.decode(bytes)
        expect(decoded).toEqual({ kind: 'message', message: v.value, length: bytes.length })
        expect(v.encode().toString('hex')).toBe(v.hex)
        const again = v.decode(v.encode())
        expect(again.kind === 'message' ? again.message : again).toEqual(v.value)
      })
      it('every strict prefix needs more', () => {
        for (let n = 0; n < bytes.length; n++) expect(v.decode(bytes.subarray(0, n)).kind).toBe('need-more')
      })
    })
  }
})
