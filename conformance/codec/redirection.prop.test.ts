import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import {
  DEFAULT_REDIRECTION_LIMITS,
  decodeRedirectionMessage,
  encodeRedirectionMessage,
  RedirectionDecodeError,
  RedirectionStreamDecoder,
  SolStreamGenerator,
  SolStreamVerifier,
  type MessagePhase,
  type RedirectionLimits,
  type RedirectionMessage,
  type RedirectionPhase,
} from '../../protocol/redirection/index.js'
import { decodeRfbClientMessage, encodeRfbClientMessage } from '../../protocol/redirection/rfb.js'
import { MESSAGE_PHASES, phasedRedirectionMessage, redirectionMessageIn, rfbClientMessage, splitAt, splitPoints } from './redirection-arbitraries.js'
import { propertyParams, propertyTimeout } from './fc-params.js'

const PROPERTIES = 8
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

interface Drained {
  messages: RedirectionMessage[]
  raw: Buffer[]
  error: RedirectionDecodeError | null
}

/** Feed chunks, pulling after each; `onMessage` may switch the phase between messages, as a session does. */
function feed(decoder: RedirectionStreamDecoder, chunks: readonly Buffer[], onMessage: (m: RedirectionMessage) => RedirectionPhase | undefined = () => undefined): Drained {
  const out: Drained = { messages: [], raw: [], error: null }
  for (const chunk of chunks) {
    decoder.push(chunk)
    for (let step = decoder.next(); step.kind !== 'need-more'; step = decoder.next()) {
      if (step.kind === 'error') {
        out.error = step.error
        return out
      }
      if (step.kind === 'raw') {
        out.raw.push(step.data)
        continue
      }
      out.messages.push(step.message)
      const next = onMessage(step.message)
      if (next !== undefined) decoder.phase = next
    }
  }
  return out
}

/** The longest message the limits allow: what a decoder may need to hold at once. */
function maxMessageLength(limits: RedirectionLimits): number {
  return Math.max(34 + limits.maxDataLength, 9 + limits.maxAuthDataLength, 30 + 255)
}

describe('redirection codec properties', () => {
  it('1. decode(encode(m)) equals m in its phase, using every byte', { timeout }, () => {
    fc.assert(
      fc.property(phasedRedirectionMessage, ([phase, m]) => {
        const bytes = encodeRedirectionMessage(m)
        const result = decodeRedirectionMessage(bytes, phase)
        expect(result).toEqual({ kind: 'message', message: m, length: bytes.length })
      }),
      params(3000),
    )
  })

  it('2. the same messages come out whatever the chunking', { timeout }, () => {
    const stream = fc.constantFrom(...MESSAGE_PHASES).chain((phase) =>
      fc.array(redirectionMessageIn[phase], { minLength: 1, maxLength: 10 }).chain((messages) => {
        const bytes = Buffer.concat(messages.map(encodeRedirectionMessage))
        return fc.tuple(fc.constant(phase), fc.constant(messages), fc.constant(bytes), fc.oneof(splitPoints(bytes.length), fc.constant(null)))
      }),
    )
    fc.assert(
      fc.property(stream, ([phase, messages, bytes, points]) => {
        const chunks = points === null ? [...bytes].map((b) => Buffer.from([b])) : splitAt(bytes, points)
        const decoder = new RedirectionStreamDecoder({ phase })
        const { messages: out, error } = feed(decoder, chunks)
        expect(error).toBeNull()
        expect(out).toEqual(messages)
        expect(decoder.bufferedBytes).toBe(0)
        expect(decoder.bytesConsumed).toBe(bytes.length)
      }),
      params(1500),
    )
  })

  it('3. every strict prefix is "need more", never an error', { timeout }, () => {
    const stream = fc.constantFrom(...MESSAGE_PHASES).chain((phase) => fc.tuple(fc.constant(phase), fc.array(redirectionMessageIn[phase], { minLength: 1, maxLength: 4 })))
    fc.assert(
      fc.property(stream, ([phase, messages]) => {
        const encoded = messages.map(encodeRedirectionMessage)
        const first = encoded[0] as Buffer
        for (let n = 0; n < first.length; n++) expect(decodeRedirectionMessage(first.subarray(0, n), phase).kind).toBe('need-more')
        const bytes = Buffer.concat(encoded)
        for (let n = 0; n < bytes.length; n++) {
          const { messages: out, error } = feed(new RedirectionStreamDecoder({ phase }), [bytes.subarray(0, n)])
          expect(error).toBeNull()
          expect(out).toEqual(messages.slice(0, out.length))
          expect(out.length).toBeLessThan(messages.length)
        }
      }),
      params(400),
    )
  })

  it('4. arbitrary bytes give messages or a RedirectionDecodeError, never needing more than the limits allow', { timeout }, () => {
    const limits = fc.record({ maxDataLength: fc.integer({ min: 0, max: 0xffff }), maxAuthDataLength: fc.integer({ min: 0, max: 4096 }) })
    const mutated = fc
      .tuple(phasedRedirectionMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
      .map(([[, m], flips]) => {
        const bytes = Buffer.from(encodeRedirectionMessage(m))
        for (const [at, value] of flips) bytes[at % bytes.length] = value
        return bytes
      })
    const input = fc.oneof(fc.uint8Array({ maxLength: 1024 }).map((a) => Buffer.from(a)), mutated)
    fc.assert(
      fc.property(fc.constantFrom(...MESSAGE_PHASES), limits, input, fc.integer({ min: 1, max: 200 }), (phase: MessagePhase, lim, bytes, chunkSize) => {
        // Each message decoded from the start of what remains either completes, needs a bounded
        // number of bytes, or fails with a typed error.
        let at = 0
        while (at < bytes.length) {
          const r = decodeRedirectionMessage(bytes, phase, at, bytes.length, lim)
          if (r.kind === 'message') {
            at += r.length
            continue
          }
          if (r.kind === 'error') expect(r.error).toBeInstanceOf(RedirectionDecodeError)
          else expect(r.needed).toBeLessThanOrEqual(maxMessageLength(lim))
          break
        }
        const chunks: Buffer[] = []
        for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
        const decoder = new RedirectionStreamDecoder({ phase, limits: lim })
        const { error } = feed(decoder, chunks)
        if (error !== null) {
          expect(error).toBeInstanceOf(RedirectionDecodeError)
          decoder.push(Buffer.from('12000000', 'hex'))
          const again = decoder.next()
          expect(again.kind === 'error' && again.error.code).toBe(ErrorCode.REDIR_ERR_DECODER_FAILED)
        }
      }),
      params(2000),
    )
  })

  it('5. length fields over the limits fail from the header alone', { timeout }, () => {
    const overAuth = fc.integer({ min: DEFAULT_REDIRECTION_LIMITS.maxAuthDataLength + 1, max: 0xffffffff })
    const smallData = fc.integer({ min: 0, max: 1000 })
    const header = fc.oneof(
      fc.tuple(fc.constantFrom(0x13, 0x14), overAuth).map(([command, length]) => {
        const b = Buffer.alloc(9)
        b[0] = command
        b.writeUInt32LE(length, 5)
        return { phase: 'session' as const, bytes: b, limit: {} }
      }),
      fc.tuple(fc.constantFrom(0x28, 0x2a), smallData).map(([command, limit]) => {
        const b = Buffer.alloc(10)
        b[0] = command
        b.writeUInt16LE(limit + 1, 8)
        return { phase: 'sol' as const, bytes: b, limit: { maxDataLength: limit } }
      }),
      fc.tuple(fc.constantFrom(0x53, 0x54), smallData).map(([command, limit]) => {
        const b = Buffer.alloc(11)
        b[0] = command
        b.writeUInt16LE(limit + 1, 9)
        return { phase: 'ider' as const, bytes: b, limit: { maxDataLength: limit } }
      }),
    )
    fc.assert(
      fc.property(header, ({ phase, bytes, limit }) => {
        const decoder = new RedirectionStreamDecoder({ phase, limits: limit })
        const { error } = feed(decoder, [bytes])
        expect(error?.code).toBe(ErrorCode.REDIR_ERR_DATA_TOO_LONG)
        expect(decoder.bufferedBytes).toBe(0)
      }),
      params(1000),
    )
  })

  it('6. a KVM reply followed by RFB bytes splits at the phase change whatever the chunking', { timeout }, () => {
    const transcript = fc.tuple(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), fc.boolean()).chain(([rfb, withEnd]) => {
      const head = Buffer.concat([encodeRedirectionMessage({ type: 'KVM_START_REPLY' })])
      const bytes = Buffer.concat([withEnd ? Buffer.from('12000000', 'hex') : Buffer.alloc(0), head, rfb])
      return fc.tuple(fc.constant(bytes), fc.constant(rfb), fc.constant(withEnd), splitPoints(bytes.length))
    })
    fc.assert(
      fc.property(transcript, ([bytes, rfb, withEnd, points]) => {
        const decoder = new RedirectionStreamDecoder({ phase: 'kvm' })
        const out = feed(decoder, splitAt(bytes, points), (m) => (m.type === 'KVM_START_REPLY' ? 'rfb' : undefined))
        expect(out.error).toBeNull()
        expect(out.messages.map((m) => m.type)).toEqual(withEnd ? ['END_REDIRECTION_SESSION', 'KVM_START_REPLY'] : ['KVM_START_REPLY'])
        expect(Buffer.concat(out.raw)).toEqual(rfb)
      }),
      params(1000),
    )
  })

  it('7. RFB client messages round-trip, and random bytes give a message or a typed error', { timeout }, () => {
    fc.assert(
      fc.property(rfbClientMessage, fc.uint8Array({ maxLength: 64 }), (m, noise) => {
        const bytes = encodeRfbClientMessage(m)
        expect(decodeRfbClientMessage(bytes)).toEqual({ kind: 'message', message: m, length: bytes.length })
        for (let n = 0; n < bytes.length; n++) expect(decodeRfbClientMessage(bytes.subarray(0, n)).kind).toBe('need-more')
        const r = decodeRfbClientMessage(Buffer.from(noise))
        if (r.kind === 'error') expect(r.error).toBeInstanceOf(RedirectionDecodeError)
      }),
      params(2000),
    )
  })

  it('8. the SOL stream verifies whatever the chunking, and a flipped byte is caught', { timeout }, () => {
    const run = fc.tuple(fc.integer({ min: 64, max: 4000 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }), fc.option(fc.nat()), fc.integer({ min: 1, max: 255 }))
    fc.assert(
      fc.property(run, ([total, sizes, flipAt, xor]) => {
        const generator = new SolStreamGenerator()
        const chunks: Buffer[] = []
        let produced = 0
        for (let i = 0; produced < total; i++) {
          const n = Math.min(sizes[i % sizes.length] as number, total - produced)
          chunks.push(generator.read(n))
          produced += n
        }
        const stream = Buffer.concat(chunks)
        if (flipAt !== null) {
          const at = flipAt % stream.length
          stream[at] = (stream[at] as number) ^ xor
        }
        const verifier = new SolStreamVerifier()
        let at = 0
        for (let i = 1; at < stream.length; i++) {
          const n = sizes[i % sizes.length] as number
          verifier.push(stream.subarray(at, at + n))
          at += n
        }
        const complete = Math.floor(total / 64)
        if (flipAt === null) {
          expect(verifier.errors).toBe(0)
          expect(verifier.stats.records).toBe(complete)
        } else if (flipAt % stream.length < complete * 64) {
          expect(verifier.errors).toBeGreaterThan(0)
        }
        expect(verifier.stats.bytes).toBe(total)
      }),
      params(1000),
    )
  })
})
