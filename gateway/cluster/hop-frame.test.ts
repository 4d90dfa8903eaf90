import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import { decodeHopReply, decodeHopRequest, encodeHopReply, encodeHopRequest, HopFrameError, type HopReply, type HopRequest } from './hop-frame.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'

/** Byte vectors, each run as decode, encode and round trip. */
const REQUESTS: readonly { hex: string; value: HopRequest }[] = [
  {
    // c7 01 | port 16992 | origin port 40000 | 36 uuid | 9 '127.0.0.1'
    hex: `c701 4260 9c40 24 ${Buffer.from(UUID).toString('hex')} 09 ${Buffer.from('127.0.0.1').toString('hex')}`,
    value: { uuid: UUID, port: 16992, originAddress: '127.0.0.1', originPort: 40000 },
  },
  { hex: `c701 0001 0000 01 61 00`, value: { uuid: 'a', port: 1, originAddress: '', originPort: 0 } },
]

const REPLIES: readonly { hex: string; value: HopReply }[] = [
  { hex: 'c700 ffffffff 0000', value: { status: 'open', reasonCode: null, message: '' } },
  { hex: `c701 00000002 0002 6e6f`, value: { status: 'refused', reasonCode: 2, message: 'no' } },
  { hex: `c705 ffffffff 0001 74`, value: { status: 'timeout', reasonCode: null, message: 't' } },
]

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')

describe('hop request frame', () => {
  it.each(REQUESTS)('decodes, encodes and round-trips $value.port', ({ hex: h, value }) => {
    const bytes = hex(h)
    expect(decodeHopRequest(bytes)).toEqual({ kind: 'frame', frame: value, length: bytes.length })
    expect(encodeHopRequest(value).toString('hex')).toBe(bytes.toString('hex'))
    const trailing = Buffer.concat([encodeHopRequest(value), Buffer.from('GET / HTTP/1.1\r\n')])
    expect(decodeHopRequest(trailing)).toEqual({ kind: 'frame', frame: value, length: bytes.length })
  })

  it('needs more bytes for every strict prefix, never an error', () => {
    const bytes = hex(REQUESTS[0]?.hex ?? '')
    for (let n = 0; n < bytes.length; n++) expect(decodeHopRequest(bytes.subarray(0, n)).kind).toBe('need-more')
  })

  it('fails with a typed error on what is not a hop request', () => {
    const cases: [string, string][] = [
      ['474554202f20', ErrorCode.CLUSTER_ERR_HOP_MALFORMED], // "GET / "
      ['c702', ErrorCode.CLUSTER_ERR_HOP_MALFORMED], // another version
      ['c701 0000 0000 01 61 00', ErrorCode.CLUSTER_ERR_HOP_FIELD], // device port 0
      ['c701 0001 0000 00', ErrorCode.CLUSTER_ERR_HOP_FIELD], // empty uuid
      ['c701 0001 0000 41', ErrorCode.CLUSTER_ERR_HOP_FIELD], // uuid of 65 bytes, refused before it arrives
    ]
    for (const [h, code] of cases) {
      const decoded = decodeHopRequest(hex(h))
      expect(decoded.kind, h).toBe('error')
      if (decoded.kind === 'error') expect(decoded.error.code, h).toBe(code)
    }
  })

  it('refuses to encode fields that do not fit', () => {
    expect(() => encodeHopRequest({ uuid: 'x'.repeat(65), port: 1, originAddress: '', originPort: 0 })).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ uuid: UUID, port: 0, originAddress: '', originPort: 0 })).toThrow(HopFrameError)
    expect(() => encodeHopRequest({ uuid: UUID, port: 1, originAddress: '', originPort: 70000 })).toThrow(HopFrameError)
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
