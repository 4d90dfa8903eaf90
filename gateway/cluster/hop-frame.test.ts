import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import { decodeHopReply, decodeHopRequest, encodeHopReply, encodeHopRequest, HopFrameError, type HopReply, type HopRequest } from './hop-frame.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const KEY = Buffer.from('k'.repeat(32))
const NO_KEY = Buffer.alloc(0)

/** Byte vectors, each run as decode, encode and round trip. */
const REQUESTS: readonly { hex: string; key: Buffer; value: HopRequest }[] = [
  {
    // c7 02 | port 16992 | origin port 40000 | 36 uuid | 9 '127.0.0.1' | sent at | nonce | HMAC-SHA256 under 'k' x 32
    hex: `c702 4260 9c40 24 ${Buffer.from(UUID).toString('hex')} 09 ${Buffer.from('127.0.0.1').toString('hex')} 000001a3185c5000 00112233445566778899aabbccddeeff c7677f59620b53a07dbd3e0627ed7e5b7ecfedd07e406b03a9511bdba3c8a5fd`,
    key: KEY,
    value: { uuid: UUID, port: 16992, originAddress: '127.0.0.1', originPort: 40000, sentAtMs: 1_800_000_000_000, nonce: '00112233445566778899aabbccddeeff' },
  },
  {
    // no cluster secret: the tag is HMAC under the empty key
    hex: `c702 0001 0000 01 61 00 0000000000000000 ffffffffffffffffffffffffffffffff 99891c4774c7c685029dc9ba9369b1c05e239895623e0d739f3c8f557eccd87c`,
    key: NO_KEY,
    value: { uuid: 'a', port: 1, originAddress: '', originPort: 0, sentAtMs: 0, nonce: 'f'.repeat(32) },
  },
]

const REPLIES: readonly { hex: string; value: HopReply }[] = [
  { hex: 'c700 ffffffff 0000', value: { status: 'open', reasonCode: null, message: '' } },
  { hex: `c701 00000002 0002 6e6f`, value: { status: 'refused', reasonCode: 2, message: 'no' } },
  { hex: `c705 ffffffff 0001 74`, value: { status: 'timeout', reasonCode: null, message: 't' } },
]

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')
const first = REQUESTS[0] as (typeof REQUESTS)[number]

describe('hop request frame', () => {
  it.each(REQUESTS)('decodes, encodes and round-trips $value.port', ({ hex: h, key, value }) => {
    const bytes = hex(h)
    expect(decodeHopRequest(bytes, key)).toEqual({ kind: 'frame', frame: { request: value, authentic: true }, length: bytes.length })
    expect(encodeHopRequest(value, key).toString('hex')).toBe(bytes.toString('hex'))
    const trailing = Buffer.concat([encodeHopRequest(value, key), Buffer.from('GET / HTTP/1.1\r\n')])
    expect(decodeHopRequest(trailing, key)).toEqual({ kind: 'frame', frame: { request: value, authentic: true }, length: bytes.length })
  })

  it('is not authentic under another key, nor with any signed byte changed', () => {
    const bytes = hex(first.hex)
    const other = decodeHopRequest(bytes, Buffer.from('j'.repeat(32)))
    expect(other.kind === 'frame' && other.frame.authentic).toBe(false)
    expect(decodeHopRequest(bytes, NO_KEY)).toMatchObject({ kind: 'frame', frame: { authentic: false } })
    for (const at of [2, 5, 10, bytes.length - 60, bytes.length - 40, bytes.length - 1]) {
      const changed = Buffer.from(bytes)
      changed[at] = (changed[at] as number) ^ 0x01
      const decoded = decodeHopRequest(changed, KEY)
      expect(decoded.kind === 'frame' && decoded.frame.authentic, `byte ${at}`).toBe(false)
    }
  })

  it('needs more bytes for every strict prefix, never an error', () => {
    const bytes = hex(first.hex)
    for (let n = 0; n < bytes.length; n++) expect(decodeHopRequest(bytes.subarray(0, n), KEY).kind).toBe('need-more')
  })

  it('fails with a typed error on what is not a hop request', () => {
    const cases: [string, string][] = [
      ['474554202f20', ErrorCode.CLUSTER_ERR_HOP_MALFORMED], // "GET / "
      ['c701', ErrorCode.CLUSTER_ERR_HOP_MALFORMED], // version 1: unsealed, from an older instance
      ['c702 0000 0000 01 61 00', ErrorCode.CLUSTER_ERR_HOP_FIELD], // device port 0
      ['c702 0001 0000 00', ErrorCode.CLUSTER_ERR_HOP_FIELD], // empty uuid
      ['c702 0001 0000 41', ErrorCode.CLUSTER_ERR_HOP_FIELD], // uuid of 65 bytes, refused before it arrives
    ]
    for (const [h, code] of cases) {
      const decoded = decodeHopRequest(hex(h), KEY)
      expect(decoded.kind, h).toBe('error')
      if (decoded.kind === 'error') expect(decoded.error.code, h).toBe(code)
    }
  })

  it('refuses to encode fields that do not fit', () => {
    const ok = first.value
    expect(() => encodeHopRequest({ ...ok, uuid: 'x'.repeat(65) }, KEY)).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ ...ok, uuid: '' }, KEY)).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ ...ok, port: 0 }, KEY)).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ ...ok, originPort: 70000 }, KEY)).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ ...ok, sentAtMs: -1 }, KEY)).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ ...ok, nonce: 'abc' }, KEY)).toThrow(HopFrameError)
  })
})

describe('hop reply frame', () => {
  it.each(REPLIES)('decodes, encodes and round-trips $value.status', ({ hex: h, value }) => {
    const bytes = hex(h)
    expect(decodeHopReply(bytes)).toEqual({ kind: 'frame', frame: value, length: bytes.length })
    expect(encodeHopReply(value).toString('hex')).toBe(bytes.toString('hex'))
  })

  it('needs more for prefixes and fails typed on unknown status or oversized message', () => {
    const bytes = hex(REPLIES[1]?.hex ?? '')
    for (let n = 0; n < bytes.length; n++) expect(decodeHopReply(bytes.subarray(0, n)).kind).toBe('need-more')
    const bad = [hex('c709'), hex('c700 ffffffff 0201'), hex('00')]
    for (const b of bad) expect(decodeHopReply(b).kind).toBe('error')
  })

  it('cuts a long message to 512 bytes rather than failing', () => {
    const encoded = encodeHopReply({ status: 'disconnected', reasonCode: null, message: 'm'.repeat(2000) })
    const decoded = decodeHopReply(encoded)
    expect(decoded.kind === 'frame' && decoded.frame.message.length).toBe(512)
  })
})
