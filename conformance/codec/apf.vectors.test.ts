import { describe, expect, it } from 'vitest'
import { ApfStreamDecoder, decodeApfMessage, encodeApfMessage, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { ApfDecodeError } from '../../protocol/errors.js'
import { APF_ERROR_VECTORS, APF_VECTORS } from './apf-vectors.js'

function pushAll(decoder: ApfStreamDecoder, chunks: Buffer[]): { messages: ApfMessage[]; error: ApfDecodeError | null } {
  const messages: ApfMessage[] = []
  for (const chunk of chunks) {
    const result = decoder.push(chunk)
    messages.push(...result.messages)
    if (result.error) return { messages, error: result.error }
  }
  messages.push(...decoder.flush().messages)
  return { messages, error: null }
}

function isUnframed(m: ApfMessage): boolean {
  return m.type === M.GLOBAL_REQUEST && m.request.kind === 'other'
}

describe('APF vectors', () => {
  for (const v of APF_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      const bytes = Buffer.from(v.hex, 'hex')

      it('decodes to the documented value, consuming every byte', () => {
        const result = decodeApfMessage(bytes)
        const decoded = result.kind === 'need-more' && result.complete !== null ? result.complete : result
        expect(decoded.kind).toBe('message')
        if (decoded.kind !== 'message') return
        expect(decoded.message).toEqual(v.message)
        expect(decoded.length).toBe(bytes.length)
      })

      it('encodes the documented value to exactly these bytes', () => {
        expect(encodeApfMessage(v.message, v.encodeOptions).toString('hex')).toBe(v.hex)
      })

      it('round-trips through encode and decode', () => {
        const result = decodeApfMessage(encodeApfMessage(v.message, v.encodeOptions))
        const decoded = result.kind === 'need-more' ? result.complete : result
        expect(decoded).not.toBeNull()
        expect(decoded?.kind === 'message' ? decoded.message : decoded).toEqual(v.message)
      })

      if (!isUnframed(v.message)) {
        it('decodes the same when fed one byte at a time, twice in a row', () => {
          const stream = Buffer.concat([bytes, bytes])
          const chunks = [...stream].map((b) => Buffer.from([b]))
          const { messages, error } = pushAll(new ApfStreamDecoder(), chunks)
          expect(error).toBeNull()
          expect(messages).toEqual([v.message, v.message])
        })
      }
    })
  }
})

describe('APF error vectors', () => {
  for (const v of APF_ERROR_VECTORS) {
    it(`${v.name} fails with ${v.code}`, () => {
      const decoder = new ApfStreamDecoder(v.limits)
      const { messages, error } = pushAll(decoder, [Buffer.from(v.hex, 'hex')])
      expect(error).toBeInstanceOf(ApfDecodeError)
      expect(error?.code).toBe(v.code)
      expect(error?.disconnectReason).toBe(2)
      expect(messages).toHaveLength(v.messagesBefore ?? 0)
      // Fed byte by byte, the error is the same and comes no later than its last byte.
      const slow = new ApfStreamDecoder(v.limits)
      const slowResult = pushAll(
        slow,
        [...Buffer.from(v.hex, 'hex')].map((b) => Buffer.from([b])),
      )
      expect(slowResult.error?.code).toBe(v.code)
      expect(slow.bufferedBytes).toBe(0)
    })
  }
})
