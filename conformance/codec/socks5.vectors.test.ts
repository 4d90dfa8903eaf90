import { describe, expect, it } from 'vitest'
import { decodeSocks5Message, encodeSocks5Message, Socks5DecodeError } from '../../protocol/socks5/index.js'
import { SOCKS5_ERROR_VECTORS, SOCKS5_VECTORS } from './socks5-vectors.js'

describe('SOCKS5 vectors', () => {
  for (const v of SOCKS5_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      const bytes = Buffer.from(v.hex, 'hex')

      it('decodes to the documented value, consuming every byte', () => {
        const result = decodeSocks5Message(v.message.type, bytes)
        expect(result).toEqual({ kind: 'message', message: v.message, length: bytes.length })
      })

      if (!v.decodeOnly) {
        it('encodes the documented value to exactly these bytes', () => {
          expect(encodeSocks5Message(v.message).toString('hex')).toBe(v.hex)
        })
      }

      it('round-trips through encode and decode', () => {
        const encoded = encodeSocks5Message(v.message)
        expect(decodeSocks5Message(v.message.type, encoded)).toEqual({ kind: 'message', message: v.message, length: encoded.length })
      })

      it('is "need more" for every strict prefix, and decodes the same inside a larger buffer', () => {
        for (let n = 0; n < bytes.length; n++) {
          const result = decodeSocks5Message(v.message.type, bytes.subarray(0, n))
          expect(result.kind).toBe('need-more')
          if (result.kind === 'need-more') expect(result.needed).toBeGreaterThan(n)
        }
        const framed = Buffer.concat([Buffer.from('ffee', 'hex'), bytes, bytes])
        expect(decodeSocks5Message(v.message.type, framed, 2)).toEqual({ kind: 'message', message: v.message, length: bytes.length })
      })
    })
  }
})

describe('SOCKS5 error vectors', () => {
  for (const v of SOCKS5_ERROR_VECTORS) {
    it(`${v.name}: ${v.code}, answered with ${v.replyCode ?? 'nothing'}`, () => {
      const bytes = Buffer.from(v.hex, 'hex')
      const result = decodeSocks5Message(v.expect, bytes)
      expect(result.kind).toBe('error')
      if (result.kind !== 'error') return
      expect(result.error).toBeInstanceOf(Socks5DecodeError)
      expect(result.error.code).toBe(v.code)
      expect(result.error.replyCode).toBe(v.replyCode)
      // The error is reported once its byte has arrived, whatever follows.
      const at = result.error.offset
      const early = decodeSocks5Message(v.expect, bytes.subarray(0, at + 1))
      expect(early.kind === 'error' ? early.error.code : early.kind).toBe(v.code)
    })
  }
})
