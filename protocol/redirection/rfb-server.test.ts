/*
 * RFB server → client messages and pixel packing (RFC 6143 §7.6; redirection-wsman.md §2.6).
 * RFB integers are big-endian; AMT's RGB565 pixel values are little-endian. Expected bytes are
 * written out from those layouts.
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { RedirectionEncodeError } from './errors.js'
import {
  decodeRfbProtocolVersion,
  decodeRfbU8,
  encodeRfbProtocolVersion,
  encodeRfbSecurityResult,
  encodeRfbSecurityTypes,
  encodeRfbServerInit,
} from './rfb.js'
import { DEFAULT_RFB_LIMITS, PIXEL_FORMAT_RGB565, RfbEncoding, type PixelFormat } from './rfb-base.js'
import {
  bytesPerPixel,
  decodeRfbRectangle,
  decodeRfbServerMessage,
  encodeRfbBell,
  encodeRfbFramebufferUpdateHeader,
  encodeRfbRectangle,
  encodeRfbServerCutText,
  packPixel,
  readPixel,
  writePixel,
} from './rfb-server.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

/** RGB332 (8 bpp), the optional low-bandwidth format [MC-desk]. */
const RGB332: PixelFormat = { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 5, greenShift: 2, blueShift: 0 }
const RGB888_LE: PixelFormat = { ...PIXEL_FORMAT_RGB565, bitsPerPixel: 32, depth: 24, redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0 }

function expectEncodeError(f: () => unknown): void {
  let thrown: unknown
  try {
    f()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(RedirectionEncodeError)
  expect((thrown as RedirectionEncodeError).code).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
}

describe('server messages', () => {
  it('FramebufferUpdate: type 0, padding, u16 rectangle count', () => {
    const bytes = hex('00 00 0102')
    expect(encodeRfbFramebufferUpdateHeader(0x0102)).toEqual(bytes)
    expect(decodeRfbServerMessage(bytes)).toEqual({ kind: 'message', message: { type: 'FramebufferUpdate', rectangleCount: 0x0102 }, length: 4 })
  })

  it('Bell: the single byte 2', () => {
    expect(encodeRfbBell()).toEqual(hex('02'))
    expect(decodeRfbServerMessage(hex('02 00'))).toEqual({ kind: 'message', message: { type: 'Bell' }, length: 1 })
  })

  it('ServerCutText: type 3, three padding bytes, u32 length, text', () => {
    const bytes = hex('03 000000 00000005 68656c6c6f')
    expect(encodeRfbServerCutText(Buffer.from('hello'))).toEqual(bytes)
    expect(decodeRfbServerMessage(bytes)).toEqual({ kind: 'message', message: { type: 'ServerCutText', text: Buffer.from('hello') }, length: 13 })
  })

  it('a cut message needs its whole length', () => {
    expect(decodeRfbServerMessage(hex('00 00'))).toEqual({ kind: 'need-more', needed: 4 })
    expect(decodeRfbServerMessage(hex('03 000000 00000005 6865'))).toEqual({ kind: 'need-more', needed: 13 })
    expect(decodeRfbServerMessage(Buffer.alloc(0))).toEqual({ kind: 'need-more', needed: 1 })
  })

  it('decodes at an offset within a window', () => {
    expect(decodeRfbServerMessage(hex('ff 02 ff'), 1, 2)).toEqual({ kind: 'message', message: { type: 'Bell' }, length: 1 })
  })

  it('an unknown type is REDIR_ERR_RFB_UNKNOWN_MESSAGE in phase rfb', () => {
    const r = decodeRfbServerMessage(hex('07'))
    expect(r.kind === 'error' && r.error).toMatchObject({ code: ErrorCode.REDIR_ERR_RFB_UNKNOWN_MESSAGE, phase: 'rfb' })
  })

  it('cut text over the limit fails before its bytes arrive', () => {
    const limits = { ...DEFAULT_RFB_LIMITS, maxCutTextLength: 4 }
    const r = decodeRfbServerMessage(hex('03 000000 00000005'), 0, 8, limits)
    expect(r.kind === 'error' && r.error.code).toBe(ErrorCode.REDIR_ERR_DATA_TOO_LONG)
    expect(decodeRfbServerMessage(hex('03 000000 00000004 01020304'), 0, 12, limits).kind).toBe('message')
  })

  it('refuses a rectangle count that is not a u16', () => {
    expectEncodeError(() => encodeRfbFramebufferUpdateHeader(-1))
    expectEncodeError(() => encodeRfbFramebufferUpdateHeader(0x10000))
    expectEncodeError(() => encodeRfbFramebufferUpdateHeader(1.5))
  })
})

describe('rectangles', () => {
  it('RAW: x, y, w, h (u16), encoding 0 (s32), then w·h·bpp pixel bytes', () => {
    // 2×1 at (1, 2): pure red then pure blue in RGB565, little-endian.
    const bytes = hex('0001 0002 0002 0001 00000000 00f8 1f00')
    const rect = { x: 1, y: 2, width: 2, height: 1, encoding: RfbEncoding.RAW, pixels: hex('00f8 1f00') }
    expect(encodeRfbRectangle(rect, 2)).toEqual(bytes)
    expect(decodeRfbRectangle(bytes, 2)).toEqual({ kind: 'message', message: rect, length: 16 })
  })

  it('DesktopSize (-223 = 0xFFFFFF21) is a header without pixels', () => {
    const bytes = hex('0000 0000 0400 0300 ffffff21')
    const rect = { x: 0, y: 0, width: 1024, height: 768, encoding: RfbEncoding.DESKTOP_SIZE, pixels: Buffer.alloc(0) }
    expect(encodeRfbRectangle(rect, 2)).toEqual(bytes)
    expect(decodeRfbRectangle(bytes, 2)).toEqual({ kind: 'message', message: rect, length: 12 })
  })

  it('needs the header field by field (the next field that is short), then every pixel byte', () => {
    expect(decodeRfbRectangle(hex('0001 0002 0002'), 2)).toEqual({ kind: 'need-more', needed: 8 })
    expect(decodeRfbRectangle(hex('0001 0002 0002 0001 000000'), 2)).toEqual({ kind: 'need-more', needed: 12 })
    expect(decodeRfbRectangle(hex('0001 0002 0002 0001 00000000 00f8'), 2)).toEqual({ kind: 'need-more', needed: 16 })
  })

  it('any encoding but RAW and DesktopSize is REDIR_ERR_RFB_UNSUPPORTED_ENCODING', () => {
    const r = decodeRfbRectangle(hex('0000 0000 0040 0040 00000010'), 2)
    expect(r.kind === 'error' && r.error).toMatchObject({ code: ErrorCode.REDIR_ERR_RFB_UNSUPPORTED_ENCODING, phase: 'rfb' })
  })

  it('a RAW rectangle over the byte limit fails before its pixels arrive', () => {
    const limits = { ...DEFAULT_RFB_LIMITS, maxRectangleBytes: 64 * 64 * 2 - 1 }
    const r = decodeRfbRectangle(hex('0000 0000 0040 0040 00000000'), 2, 0, 12, limits)
    expect(r.kind === 'error' && r.error.code).toBe(ErrorCode.REDIR_ERR_DATA_TOO_LONG)
  })

  // Before the fix a coordinate over 65535 threw Node's untyped RangeError and a fraction was
  // truncated silently (x 1.5 was sent as 1).
  it('refuses coordinates that are not a u16 and an encoding that is not an s32', () => {
    const rect = { x: 0, y: 0, width: 1, height: 1, encoding: RfbEncoding.RAW, pixels: Buffer.alloc(2) }
    expectEncodeError(() => encodeRfbRectangle({ ...rect, x: 0x10000 }, 2))
    expectEncodeError(() => encodeRfbRectangle({ ...rect, y: -1 }, 2))
    expectEncodeError(() => encodeRfbRectangle({ ...rect, x: 1.5 }, 2))
    expectEncodeError(() => encodeRfbRectangle({ ...rect, width: 0, height: 0, encoding: 2 ** 31, pixels: Buffer.alloc(0) }, 2))
  })

  it('refuses RAW pixels whose length is not w·h·bpp', () => {
    expectEncodeError(() => encodeRfbRectangle({ x: 0, y: 0, width: 2, height: 2, encoding: RfbEncoding.RAW, pixels: Buffer.alloc(7) }, 2))
  })
})

describe('pixels', () => {
  it('packs 8-bit channels into RGB565', () => {
    expect(packPixel(PIXEL_FORMAT_RGB565, 255, 0, 0)).toBe(0xf800)
    expect(packPixel(PIXEL_FORMAT_RGB565, 0, 255, 0)).toBe(0x07e0)
    expect(packPixel(PIXEL_FORMAT_RGB565, 0, 0, 255)).toBe(0x001f)
    expect(packPixel(PIXEL_FORMAT_RGB565, 255, 255, 255)).toBe(0xffff)
    // 128 → round(128·31/255) = 16 and round(128·63/255) = 32
    expect(packPixel(PIXEL_FORMAT_RGB565, 128, 128, 128)).toBe(0x8410)
  })

  it('packs into RGB332 and 32-bit true colour', () => {
    expect(packPixel(RGB332, 255, 0, 0)).toBe(0xe0)
    expect(packPixel(RGB332, 0, 0, 255)).toBe(0x03)
    expect(packPixel(RGB332, 255, 255, 255)).toBe(0xff)
    expect(packPixel(RGB888_LE, 0x12, 0x34, 0x56)).toBe(0x123456)
  })

  it('has 1, 2 or 4 bytes per pixel', () => {
    expect([bytesPerPixel(RGB332), bytesPerPixel(PIXEL_FORMAT_RGB565), bytesPerPixel(RGB888_LE)]).toEqual([1, 2, 4])
  })

  it('writes and reads each size in the format byte order', () => {
    const cases: [PixelFormat, number, string][] = [
      [RGB332, 0xe0, 'e0'],
      [PIXEL_FORMAT_RGB565, 0xf800, '00f8'],
      [{ ...PIXEL_FORMAT_RGB565, bigEndian: true }, 0xf800, 'f800'],
      [RGB888_LE, 0x00123456, '56341200'],
      [{ ...RGB888_LE, bigEndian: true }, 0x00123456, '00123456'],
    ]
    for (const [pf, value, bytes] of cases) {
      const out = Buffer.alloc(1 + bytes.length / 2, 0xaa)
      writePixel(out, 1, value, pf)
      expect(out.toString('hex')).toBe(`aa${bytes}`)
      expect(readPixel(out, 1, pf)).toBe(value)
    }
  })

  it('refuses to write a pixel size other than 8, 16 or 32 bits', () => {
    expectEncodeError(() => writePixel(Buffer.alloc(4), 0, 0, { ...PIXEL_FORMAT_RGB565, bitsPerPixel: 24 }))
  })
})

describe('handshake edges', () => {
  it('refuses a version that does not fit three digits', () => {
    expect(encodeRfbProtocolVersion(4, 0).toString('latin1')).toBe('RFB 004.000\n')
    expectEncodeError(() => encodeRfbProtocolVersion(1000, 0))
    expectEncodeError(() => encodeRfbProtocolVersion(3, -1))
  })

  it('a ProtocolVersion that is not "RFB xxx.yyy\\n" is REDIR_ERR_RFB_MALFORMED', () => {
    const r = decodeRfbProtocolVersion(Buffer.from('SSH-2.0-x\r\n\0', 'latin1'))
    expect(r.kind === 'error' && r.error.code).toBe(ErrorCode.REDIR_ERR_RFB_MALFORMED)
  })

  it('writes ServerInit as width, height, pixel format, name length, name', () => {
    const bytes = encodeRfbServerInit({ width: 1024, height: 768, pixelFormat: PIXEL_FORMAT_RGB565, name: 'AMT' })
    expect(bytes).toEqual(hex('0400 0300 10 10 00 01 001f 003f 001f 0b 05 00 000000 00000003 414d54'))
  })

  // Before the fix a security type of 256 was written as 0 (INVALID) without complaint, and
  // out-of-range ServerInit sizes, pixel-format fields and results threw untyped RangeErrors.
  it('refuses ServerInit, pixel format, security list and result values that do not fit their fields', () => {
    const init = { width: 1024, height: 768, pixelFormat: PIXEL_FORMAT_RGB565, name: 'AMT' }
    expectEncodeError(() => encodeRfbServerInit({ ...init, width: 0x10000 }))
    expectEncodeError(() => encodeRfbServerInit({ ...init, pixelFormat: { ...PIXEL_FORMAT_RGB565, redMax: 0x10000 } }))
    expectEncodeError(() => encodeRfbServerInit({ ...init, pixelFormat: { ...PIXEL_FORMAT_RGB565, bitsPerPixel: 256 } }))
    expectEncodeError(() => encodeRfbServerInit({ ...init, pixelFormat: { ...PIXEL_FORMAT_RGB565, blueShift: -1 } }))
    expectEncodeError(() => encodeRfbSecurityTypes({ types: [1, 256], reason: null }))
    expectEncodeError(() => encodeRfbSecurityResult(-1))
    expect(encodeRfbSecurityTypes({ types: [1, 2], reason: null })).toEqual(hex('02 01 02'))
    expect(encodeRfbSecurityResult(1)).toEqual(hex('00000001'))
  })

  it('reads one byte (security choice, ClientInit shared flag)', () => {
    expect(decodeRfbU8(hex('01'))).toEqual({ kind: 'message', message: 1, length: 1 })
    expect(decodeRfbU8(Buffer.alloc(0))).toEqual({ kind: 'need-more', needed: 1 })
  })
})
