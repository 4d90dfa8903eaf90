import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeSocks5Message,
  encodeSocks5Message,
  Socks5DecodeError,
  type Socks5DecodeResult,
  type Socks5Message,
  type Socks5MessageType,
} from '../../protocol/socks5/index.js'
import { anySocks5Message, clientHandshake, socks5MessageOf, socks5MessageType } from './socks5-arbitraries.js'
import { propertyParams, propertyTimeout } from './fc-params.js'

const PROPERTIES = 6
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)
const CLIENT_SIDE: ReadonlySet<Socks5MessageType> = new Set(['method-selection', 'userpass-response', 'reply'])

/**
 * Feed `chunks` to an accumulator that decodes the messages of `types` in order, as a
 * connection does: returns what came out and the most bytes it ever held.
 */
function decodeChunked(types: readonly Socks5MessageType[], chunks: readonly Buffer[]) {
  const messages: Socks5Message[] = []
  let held = Buffer.alloc(0)
  let maxHeld = 0
  for (const chunk of chunks) {
    held = Buffer.concat([held, chunk])
    maxHeld = Math.max(maxHeld, held.length)
    for (;;) {
      const type = types[messages.length]
      if (type === undefined) break
      const r = decodeSocks5Message(type, held)
      if (r.kind === 'error') throw r.error
      if (r.kind === 'need-more') {
        expect(r.needed).toBeGreaterThan(held.length)
        break
      }
      messages.push(r.message)
      held = held.subarray(r.length)
    }
  }
  return { messages, rest: held, maxHeld }
}

function splitAt(bytes: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(from, cut))
    from = cut
  }
  return chunks
}

describe('SOCKS5 codec properties', () => {
  it('1. decode(encode(m)) equals m, consuming exactly its bytes', { timeout }, () => {
    fc.assert(
      fc.property(anySocks5Message, (m) => {
        const bytes = encodeSocks5Message(m)
        expect(decodeSocks5Message(m.type, bytes)).toEqual({ kind: 'message', message: m, length: bytes.length })
      }),
      params(3000),
    )
  })

  it('2. a pipelined client handshake decodes the same whatever the chunking', { timeout }, () => {
    const handshake = clientHandshake.chain((messages) => {
      const bytes = Buffer.concat(messages.map((m) => encodeSocks5Message(m)))
      return fc.tuple(fc.constant(messages), fc.constant(bytes), fc.oneof(fc.array(fc.nat(), { maxLength: 20 }), fc.constant(null)))
    })
    fc.assert(
      fc.property(handshake, ([messages, bytes, points]) => {
        const chunks = points === null ? [...bytes].map((b) => Buffer.from([b])) : splitAt(bytes, points)
        const { messages: out, rest } = decodeChunked(
          messages.map((m) => m.type),
          chunks,
        )
        expect(out).toEqual(messages)
        expect(rest.length).toBe(0)
      }),
      params(1500),
    )
  })

  it('3. every strict prefix is "need more" with a length it can use, never an error', { timeout }, () => {
    fc.assert(
      fc.property(anySocks5Message, (m) => {
        const bytes = encodeSocks5Message(m)
        for (let n = 0; n < bytes.length; n++) {
          const r = decodeSocks5Message(m.type, bytes.subarray(0, n))
          expect(r.kind).toBe('need-more')
          if (r.kind === 'need-more') {
            expect(r.needed).toBeGreaterThan(n)
            expect(r.needed).toBeLessThanOrEqual(bytes.length)
          }
        }
      }),
      params(1000),
    )
  })

  it('4. random bytes give a message that re-encodes to the bytes it used, need-more, or a typed error', { timeout }, () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      fc
        .tuple(anySocks5Message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
        .map(([m, flips]) => {
          const bytes = encodeSocks5Message(m)
          for (const [at, value] of flips) bytes[at % bytes.length] = value
          return bytes
        }),
    )
    fc.assert(
      fc.property(socks5MessageType, input, (type, bytes) => {
        const r: Socks5DecodeResult = decodeSocks5Message(type, bytes)
        if (r.kind === 'message') {
          expect(r.length).toBeLessThanOrEqual(bytes.length)
          const used = Buffer.from(bytes.subarray(0, r.length))
          if (type === 'request' || type === 'reply') used[2] = 0 // RSV is not checked
          expect(encodeSocks5Message(r.message).equals(used)).toBe(true)
        } else if (r.kind === 'need-more') {
          expect(r.needed).toBeGreaterThan(bytes.length)
        } else {
          expect(r.error).toBeInstanceOf(Socks5DecodeError)
          expect(r.error.code).toMatch(/^SOCKS_ERR_/)
          expect(r.error.offset).toBeLessThan(bytes.length)
          if (CLIENT_SIDE.has(type)) expect(r.error.replyCode).toBeNull()
        }
      }),
      params(3000),
    )
  })

  it('5. an error is reported as soon as its byte arrives, whatever follows', { timeout }, () => {
    const mutated = fc.tuple(socks5MessageType, fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.uint8Array({ maxLength: 64 }))
    fc.assert(
      fc.property(mutated, ([type, head, tail]) => {
        const r = decodeSocks5Message(type, Buffer.from(head))
        if (r.kind !== 'error') return
        const early = decodeSocks5Message(type, Buffer.from(head).subarray(0, r.error.offset + 1))
        expect(early.kind === 'error' ? early.error.code : early.kind).toBe(r.error.code)
        const longer = decodeSocks5Message(type, Buffer.concat([head, tail]))
        expect(longer.kind === 'error' ? longer.error.code : longer.kind).toBe(r.error.code)
      }),
      params(3000),
    )
  })

  it('6. messages decode at any offset of a larger buffer and never read past `end`', { timeout }, () => {
    const framed = fc.tuple(anySocks5Message, fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 16 }))
    fc.assert(
      fc.property(framed, ([m, before, after]) => {
        const bytes = encodeSocks5Message(m)
        const buf = Buffer.concat([before, bytes, after])
        expect(decodeSocks5Message(m.type, buf, before.length, before.length + bytes.length)).toEqual({
          kind: 'message',
          message: m,
          length: bytes.length,
        })
        if (bytes.length > 1) {
          const cut = decodeSocks5Message(m.type, buf, before.length, before.length + bytes.length - 1)
          expect(cut.kind).toBe('need-more')
        }
      }),
      params(1500),
    )
  })
})

// Keep the per-type arbitraries exercised even if `anySocks5Message` weights change.
describe('SOCKS5 arbitraries', () => {
  it('cover every message type', () => {
    for (const [type, arb] of Object.entries(socks5MessageOf)) {
      const [sample] = fc.sample<Socks5Message>(arb, { numRuns: 1, seed: 1 })
      expect(sample?.type).toBe(type)
    }
  })
})
