import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { propertyParams, propertyTimeout } from '../../conformance/codec/fc-params.js'
import { decodeHopReply, decodeHopRequest, encodeHopReply, encodeHopRequest, HopFrameError, HopStatus, type HopStatusName } from './hop-frame.js'

const ascii = (max: number) => fc.string({ maxLength: max, unit: fc.constantFrom(...'0123456789abcdef-.:'.split('')) })
const request = fc.record({
  uuid: ascii(64).filter((s) => s.length > 0),
  port: fc.integer({ min: 1, max: 65535 }),
  originAddress: ascii(64),
  originPort: fc.integer({ min: 0, max: 65535 }),
  sentAtMs: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex')),
})
const key = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))
const reply = fc.record({
  status: fc.constantFrom(...(Object.keys(HopStatus) as HopStatusName[])),
  reasonCode: fc.option(fc.integer({ min: 0, max: 0xfffffffe }), { nil: null }),
  message: fc.string({ maxLength: 100 }),
})

describe('hop frames (properties)', () => {
  it('round-trip, and every strict prefix needs more', () => {
    fc.assert(
      fc.property(request, reply, key, (req, rep, k) => {
        const a = encodeHopRequest(req, k)
        expect(decodeHopRequest(a, k)).toEqual({ kind: 'frame', frame: { request: req, authentic: true }, length: a.length })
        const b = encodeHopReply(rep)
        expect(decodeHopReply(b)).toEqual({ kind: 'frame', frame: rep, length: b.length })
        for (let n = 0; n < a.length; n++) expect(decodeHopRequest(a.subarray(0, n), k).kind).toBe('need-more')
        for (let n = 0; n < b.length; n++) expect(decodeHopReply(b.subarray(0, n)).kind).toBe('need-more')
      }),
      propertyParams(200, 2),
    )
  }, propertyTimeout(2))

  it('random bytes give a frame, need-more, or a typed error, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (raw, magic) => {
        const bytes = Buffer.from(raw)
        if (magic && bytes.length > 0) bytes[0] = 0xc7
        for (const decoded of [decodeHopRequest(bytes, Buffer.alloc(0)), decodeHopReply(bytes)]) {
          if (decoded.kind === 'error') expect(decoded.error).toBeInstanceOf(HopFrameError)
          if (decoded.kind === 'frame') expect(decoded.length).toBeLessThanOrEqual(bytes.length)
        }
      }),
      propertyParams(200, 2),
    )
  }, propertyTimeout(2))
})
