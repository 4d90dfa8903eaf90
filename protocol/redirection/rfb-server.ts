/**
 * RFB server → client messages (RFC 6143 §7.6) as AMT KVM uses them: FramebufferUpdate with
 * RAW rectangles (and the DesktopSize pseudo-rectangle), Bell, ServerCutText. A
 * FramebufferUpdate is decoded as its 4-byte header, then one rectangle at a time, so neither
 * side ever holds a whole frame. Also the pixel packing of a PixelFormat.
 */

import { ErrorCode } from '../errors.js'
import { RedirectionEncodeError } from './errors.js'
import {
  checkRfbInteger,
  DEFAULT_RFB_LIMITS,
  rfbError,
  RfbEncoding,
  RfbServerType as T,
  runRfbDecoder,
  U16_MAX,
  type PixelFormat,
  type RfbLimits,
  type RfbResult,
} from './rfb-base.js'

export type RfbServerMessage =
  /** Header only: `rectangleCount` rectangles follow (decodeRfbRectangle). */
  | { readonly type: 'FramebufferUpdate'; readonly rectangleCount: number }
  | { readonly type: 'Bell' }
  | { readonly type: 'ServerCutText'; readonly text: Buffer }

export interface RfbRectangle {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
  readonly encoding: number
  /** RAW: width × height × bytes per pixel; empty for DesktopSize. */
  readonly pixels: Buffer
}

export function decodeRfbServerMessage(buf: Buffer, offset = 0, end = buf.length, limits: RfbLimits = DEFAULT_RFB_LIMITS): RfbResult<RfbServerMessage> {
  return runRfbDecoder(buf, offset, end, (r): RfbServerMessage => {
    const type = r.u8()
    switch (type) {
      case T.FRAMEBUFFER_UPDATE: // 0, pad, u16 number of rectangles
        r.u8()
        return { type: 'FramebufferUpdate', rectangleCount: r.u16() }
      case T.BELL:
        return { type: 'Bell' }
      case T.SERVER_CUT_TEXT: {
        // 3, pad ×3, u32 length, text
        r.bytes(3)
        return { type: 'ServerCutText', text: r.bytes(r.length(r.u32(), limits.maxCutTextLength, 'ServerCutText')) }
      }
      default:
        throw rfbError(ErrorCode.REDIR_ERR_RFB_UNKNOWN_MESSAGE, `unknown RFB server message type ${type}`)
    }
  })
}

/* Rectangle: u16 x, y, width, height; s32 encoding; then the encoding's data (RAW: w·h·bpp bytes). */
export function decodeRfbRectangle(
  buf: Buffer,
  bytesPerPixel: number,
  offset = 0,
  end = buf.length,
  limits: RfbLimits = DEFAULT_RFB_LIMITS,
): RfbResult<RfbRectangle> {
  return runRfbDecoder(buf, offset, end, (r): RfbRectangle => {
    const x = r.u16()
    const y = r.u16()
    const width = r.u16()
    const height = r.u16()
    const encoding = r.s32()
    if (r.neededEnd !== 0) return { x, y, width, height, encoding, pixels: Buffer.alloc(0) }
    if (encoding === RfbEncoding.DESKTOP_SIZE) return { x, y, width, height, encoding, pixels: Buffer.alloc(0) }
    if (encoding !== RfbEncoding.RAW) throw rfbError(ErrorCode.REDIR_ERR_RFB_UNSUPPORTED_ENCODING, `rectangle encoding ${encoding} is not supported (RAW only)`)
    const size = r.length(width * height * bytesPerPixel, limits.maxRectangleBytes, `RAW rectangle ${width}x${height}`)
    return { x, y, width, height, encoding, pixels: r.bytes(size) }
  })
}

export function encodeRfbFramebufferUpdateHeader(rectangleCount: number): Buffer {
  if (!Number.isInteger(rectangleCount) || rectangleCount < 0 || rectangleCount > 0xffff) {
    throw new RedirectionEncodeError(`rectangle count must be in 0..65535, got ${rectangleCount}`)
  }
  const out = Buffer.alloc(4)
  out[0] = T.FRAMEBUFFER_UPDATE
  out.writeUInt16BE(rectangleCount, 2)
  return out
}

/** A rectangle header followed by its pixels; RAW pixels must be exactly width × height × bytesPerPixel. */
export function encodeRfbRectangle(rect: RfbRectangle, bytesPerPixel: number): Buffer {
  if (rect.encoding === RfbEncoding.RAW && rect.pixels.length !== rect.width * rect.height * bytesPerPixel) {
    throw new RedirectionEncodeError(`RAW ${rect.width}x${rect.height} needs ${rect.width * rect.height * bytesPerPixel} pixel bytes, got ${rect.pixels.length}`)
  }
  const out = Buffer.allocUnsafe(12 + rect.pixels.length)
  out.writeUInt16BE(checkRfbInteger(rect.x, 0, U16_MAX, 'x'), 0)
  out.writeUInt16BE(checkRfbInteger(rect.y, 0, U16_MAX, 'y'), 2)
  out.writeUInt16BE(checkRfbInteger(rect.width, 0, U16_MAX, 'width'), 4)
  out.writeUInt16BE(checkRfbInteger(rect.height, 0, U16_MAX, 'height'), 6)
  out.writeInt32BE(checkRfbInteger(rect.encoding, -0x80000000, 0x7fffffff, 'encoding'), 8)
  rect.pixels.copy(out, 12)
  return out
}

export function encodeRfbBell(): Buffer {
  return Buffer.from([T.BELL])
}

export function encodeRfbServerCutText(text: Buffer): Buffer {
  const out = Buffer.alloc(8 + text.length)
  out[0] = T.SERVER_CUT_TEXT
  out.writeUInt32BE(text.length, 4)
  text.copy(out, 8)
  return out
}

/** The pixel value of an 8-bit-per-channel colour in a true-colour format. */
export function packPixel(pf: PixelFormat, red: number, green: number, blue: number): number {
  const r = Math.round((red * pf.redMax) / 255)
  const g = Math.round((green * pf.greenMax) / 255)
  const b = Math.round((blue * pf.blueMax) / 255)
  return ((r << pf.redShift) | (g << pf.greenShift) | (b << pf.blueShift)) >>> 0
}

export function bytesPerPixel(pf: PixelFormat): number {
  return pf.bitsPerPixel >>> 3
}

/** Write one pixel value in the format's size and byte order (AMT: 16-bit little-endian). */
export function writePixel(out: Buffer, at: number, value: number, pf: PixelFormat): void {
  switch (pf.bitsPerPixel) {
    case 8:
      out[at] = value & 0xff
      return
    case 16:
      if (pf.bigEndian) out.writeUInt16BE(value & 0xffff, at)
      else out.writeUInt16LE(value & 0xffff, at)
      return
    case 32:
      if (pf.bigEndian) out.writeUInt32BE(value >>> 0, at)
      else out.writeUInt32LE(value >>> 0, at)
      return
    default:
      throw new RedirectionEncodeError(`bits per pixel must be 8, 16 or 32, got ${pf.bitsPerPixel}`)
  }
}

export function readPixel(buf: Buffer, at: number, pf: PixelFormat): number {
  switch (pf.bitsPerPixel) {
    case 8:
      return buf[at] as number
    case 16:
      return pf.bigEndian ? buf.readUInt16BE(at) : buf.readUInt16LE(at)
    default:
      return pf.bigEndian ? buf.readUInt32BE(at) : buf.readUInt32LE(at)
  }
}
