import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { propertyParams, propertyTimeout } from '../../conformance/codec/fc-params.js'
import { ResponseReader, type ResponseHead, type ResponseReadError } from './http-response-reader.js'
import { splitAt } from '../../conformance/codec/chunking.js'

const PROPERTIES = 2

interface Outcome {
  head: ResponseHead | null
  body: Buffer[]
  complete: boolean
  error: ResponseReadError | null
}

function readAll(pieces: readonly Buffer[], end: boolean): Outcome {
  const out: Outcome = { head: null, body: [], complete: false, error: null }
  const reader = new ResponseReader({ head: (h) => (out.head = h), body: (b) => out.body.push(Buffer.from(b)), complete: () => (out.complete = true) }, 16 * 1024, false)
  for (const piece of pieces) out.error ??= reader.push(piece)
  if (end) out.error ??= reader.end()
  return out
}

/** Cut `bytes` at the given points (folded into range, sorted, deduplicated). */
function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  return splitAt(bytes, [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b))
}

const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/).filter((n) => !['content-length', 'transfer-encoding'].includes(n.toLowerCase()))
const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/)
const response = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  headers: fc.array(fc.tuple(token, value), { maxLength: 6 }),
  body: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  framing: fc.constantFrom('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
})

type Response = typeof response extends fc.Arbitrary<infer T> ? T : never

function encode(r: Response): Buffer {
  const lines = [`HTTP/1.1 ${r.status} Reason`, ...r.headers.map(([n, v]) => `${n}: ${v}`)]
  if (r.framing === 'length') lines.push(`Content-Length: ${r.body.length}`)
  if (r.framing === 'chunked') lines.push('Transfer-Encoding: chunked')
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  if (r.framing !== 'chunked') return Buffer.concat([head, r.body])
  const parts: Buffer[] = [head]
  for (let offset = 0, i = 0; offset < r.body.length; i++) {
    const n = Math.min(r.chunkSizes[i % r.chunkSizes.length] as number, r.body.length - offset)
    parts.push(Buffer.from(`${n.toString(16)}\r\n`, 'latin1'), r.body.subarray(offset, offset + n), Buffer.from('\r\n', 'latin1'))
    offset += n
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'))
  return Buffer.concat(parts)
}

describe('ResponseReader properties', () => {
  it(
    'reads the same head and body however the bytes are cut',
    () => {
      fc.assert(
        fc.property(response, (r) => {
          const out = readAll(cut(encode(r), r.cuts), r.framing === 'close')
          expect(out.error).toBeNull()
          expect(out.complete).toBe(true)
          expect(out.head?.statusCode).toBe(r.status)
          expect(out.head?.rawHeaders.slice(0, r.headers.length * 2)).toEqual(r.headers.flat())
          expect(Buffer.concat(out.body).equals(r.body)).toBe(true)
        }),
        propertyParams(300, PROPERTIES),
      )
    },
    propertyTimeout(PROPERTIES),
  )

  it(
    'turns random bytes into output or a typed error, never an exception',
    () => {
      const prefix = fc.constantFrom('', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
      fc.assert(
        fc.property(prefix, fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 6 }), (p, bytes, cuts) => {
          const out = readAll(cut(Buffer.concat([Buffer.from(p, 'latin1'), Buffer.from(bytes)]), cuts), true)
          expect(out.complete || out.error !== null).toBe(true)
          if (out.error !== null) expect(['head-too-large', 'malformed', 'incomplete']).toContain(out.error)
        }),
        propertyParams(300, PROPERTIES),
      )
    },
    propertyTimeout(PROPERTIES),
  )
})
