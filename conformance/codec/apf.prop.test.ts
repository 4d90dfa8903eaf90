import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ApfStreamDecoder,
  DEFAULT_APF_LIMITS,
  decodeApfMessage,
  encodeApfMessage,
  MessageType as M,
  type ApfLimits,
  type ApfMessage,
} from '../../protocol/apf/index.js'
import { ApfDecodeError, ErrorCode } from '../../protocol/errors.js'
import { anyApfMessage, framedApfMessage, splitAt, splitPoints, u32 } from './apf-arbitraries.js'
import { propertyParams, propertyTimeout } from './fc-params.js'

const PROPERTIES = 6
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

function decodeOne(buf: Buffer): ApfMessage | undefined {
  const r = decodeApfMessage(buf)
  if (r.kind === 'message' && r.length === buf.length) return r.message
  if (r.kind === 'need-more' && r.complete !== null && r.complete.length === buf.length) return r.complete.message
  return undefined
}

function feed(decoder: ApfStreamDecoder, chunks: readonly Buffer[], flush: boolean) {
  const messages: ApfMessage[] = []
  let error: ApfDecodeError | null = null
  let maxBuffered = 0
  for (const chunk of chunks) {
    const r = decoder.push(chunk)
    messages.push(...r.messages)
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes)
    if (r.error !== null) {
      error = r.error
      break
    }
  }
  if (flush && error === null) messages.push(...decoder.flush().messages)
  return { messages, error, maxBuffered }
}

describe('APF codec properties', () => {
  it('1. decode(encode(m)) equals m for every message', { timeout }, () => {
    fc.assert(
      fc.property(anyApfMessage, (m) => {
        expect(decodeOne(encodeApfMessage(m))).toEqual(m)
      }),
      params(3000),
    )
  })

  it('2. the same messages come out whatever the chunking', { timeout }, () => {
    const stream = fc
      .array(framedApfMessage, { minLength: 1, maxLength: 12 })
      .chain((messages) => {
        const bytes = Buffer.concat(messages.map((m) => encodeApfMessage(m)))
        return fc.tuple(fc.constant(messages), fc.constant(bytes), fc.oneof(splitPoints(bytes.length), fc.constant(null)))
      })
    fc.assert(
      fc.property(stream, ([messages, bytes, points]) => {
        const chunks = points === null ? [...bytes].map((b) => Buffer.from([b])) : splitAt(bytes, points)
        const decoder = new ApfStreamDecoder()
        const { messages: out, error } = feed(decoder, chunks, true)
        expect(error).toBeNull()
        expect(out).toEqual(messages)
        expect(decoder.bufferedBytes).toBe(0)
        expect(decoder.bytesConsumed).toBe(bytes.length)
      }),
      params(1500),
    )
  })

  it('3. every strict prefix of a valid stream is "need more", never an error', { timeout }, () => {
    fc.assert(
      fc.property(fc.array(framedApfMessage, { minLength: 1, maxLength: 4 }), (messages) => {
        const encoded = messages.map((m) => encodeApfMessage(m))
        const bytes = Buffer.concat(encoded)
        // One message: every strict prefix decodes to need-more.
        const first = encoded[0] as Buffer
        for (let n = 0; n < first.length; n++) {
          expect(decodeApfMessage(first.subarray(0, n)).kind).toBe('need-more')
        }
        // A stream: a prefix yields only messages that end inside it, and no error.
        for (let n = 0; n < bytes.length; n++) {
          const { messages: out, error } = feed(new ApfStreamDecoder(), [bytes.subarray(0, n)], false)
          expect(error).toBeNull()
          expect(out).toEqual(messages.slice(0, out.length))
          expect(out.length).toBeLessThan(messages.length)
        }
      }),
      params(400),
    )
  })

  it('4. arbitrary bytes give messages or an ApfDecodeError, within the buffer limit', { timeout }, () => {
    const limits = fc.record({
      maxStringLength: fc.integer({ min: 0, max: 256 }),
      maxChannelDataLength: fc.integer({ min: 0, max: 2048 }),
      maxBufferedBytes: fc.integer({ min: 16, max: 4096 }),
      maxUdpDataLength: fc.integer({ min: 0, max: 512 }),
    })
    const mutated = fc
      .tuple(fc.array(framedApfMessage, { minLength: 1, maxLength: 6 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
      .map(([messages, flips]) => {
        const bytes = Buffer.concat(messages.map((m) => encodeApfMessage(m)))
        for (const [at, value] of flips) bytes[at % bytes.length] = value
        return bytes
      })
    const input = fc.oneof(fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)), mutated)
    fc.assert(
      fc.property(limits, input, fc.integer({ min: 1, max: 300 }), (lim: ApfLimits, bytes, chunkSize) => {
        const chunks: Buffer[] = []
        for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
        const decoder = new ApfStreamDecoder(lim)
        const { error, maxBuffered } = feed(decoder, chunks, true)
        if (error !== null) expect(error).toBeInstanceOf(ApfDecodeError)
        expect(maxBuffered).toBeLessThanOrEqual(lim.maxBufferedBytes)
        // A failed decoder stays failed.
        if (error !== null) expect(decoder.push(Buffer.from([M.KEEPALIVE_REQUEST, 0, 0, 0, 1])).error?.code).toBe(ErrorCode.APF_ERR_DECODER_FAILED)
      }),
      params(2000),
    )
  })

  it('5. length fields over the limits fail from the header alone, before any allocation', { timeout }, () => {
    const overLimit = fc.integer({ min: DEFAULT_APF_LIMITS.maxChannelDataLength + 1, max: 0xffffffff })
    const overString = fc.integer({ min: DEFAULT_APF_LIMITS.maxStringLength + 1, max: 0xffffffff })
    const header = fc.oneof(
      fc.tuple(u32, overLimit).map(([channel, length]) => ({ bytes: be(M.CHANNEL_DATA, channel, length), code: ErrorCode.APF_ERR_DATA_TOO_LONG })),
      fc
        .tuple(fc.constantFrom(M.SERVICE_REQUEST, M.SERVICE_ACCEPT, M.USERAUTH_REQUEST, M.USERAUTH_FAILURE, M.GLOBAL_REQUEST, M.CHANNEL_OPEN), overString)
        .map(([type, length]) => ({ bytes: be(type, length), code: ErrorCode.APF_ERR_STRING_TOO_LONG })),
    )
    fc.assert(
      fc.property(header, ({ bytes, code }) => {
        const decoder = new ApfStreamDecoder()
        const { error } = feed(decoder, [bytes], false)
        expect(error?.code).toBe(code)
        expect(decoder.bufferedBytes).toBe(0)
      }),
      params(1000),
    )
  })

  it('6. messages followed by an optional-tail message decode the same after flush', { timeout }, () => {
    // USERAUTH_FAILURE and REQUEST_SUCCESS may end a read early; flush() delivers them and a
    // late optional tail (MPS trailer, bound port) is dropped rather than misread.
    const tail = fc.oneof(
      fc.record({ m: fc.record({ type: fc.constant(M.USERAUTH_FAILURE), methods: fc.string(), partialSuccess: fc.boolean() }), mps: fc.boolean() }),
      fc.record({ m: fc.record({ type: fc.constant(M.REQUEST_SUCCESS), portBound: fc.integer({ min: 0, max: 65535 }) }), mps: fc.constant(false) }),
    )
    fc.assert(
      fc.property(tail, framedApfMessage, ({ m, mps }, next) => {
        const bytes = encodeApfMessage(m as ApfMessage, { twoByteTrailer: mps })
        const cut = m.type === M.USERAUTH_FAILURE ? bytes.length - (mps ? 1 : 0) : 1
        const decoder = new ApfStreamDecoder()
        expect(decoder.push(bytes.subarray(0, cut)).messages).toEqual([])
        const flushed = decoder.flush().messages
        expect(flushed).toHaveLength(1)
        expect(flushed[0]?.type).toBe(m.type)
        const rest = decoder.push(Buffer.concat([bytes.subarray(cut), encodeApfMessage(next)]))
        expect(rest.error).toBeNull()
        expect([...rest.messages, ...decoder.flush().messages]).toEqual([next])
      }),
      params(1000),
    )
  })
})

function be(type: number, ...fields: number[]): Buffer {
  const out = Buffer.alloc(1 + 4 * fields.length)
  out[0] = type
  fields.forEach((v, i) => out.writeUInt32BE(v, 1 + 4 * i))
  return out
}
