/**
 * Shared pieces of the RFB codec (rfb.ts, rfb-client.ts, rfb-server.ts): numbers, limits, the
 * pixel format, and a big-endian cursor that goes "short" instead of failing.
 */

import { ErrorCode } from '../errors.js'
import type { QueueDecodeResult } from './byte-queue.js'
import { RedirectionDecodeError, RedirectionEncodeError } from './errors.js'

export type RfbResult<M> = QueueDecodeResult<M, RedirectionDecodeError>

export const RFB_VERSION_AMT = 'RFB 004.000\n'
export const RFB_VERSION_3_8 = 'RFB 003.008\n'
export const RfbSecurity = { INVALID: 0, NONE: 1, VNC_AUTH: 2 } as const
export const RfbEncoding = { RAW: 0, ZRLE: 16, KVM_DATA_CHANNEL: 1092, DESKTOP_SIZE: -223 } as const
export const RfbClientType = { SET_PIXEL_FORMAT: 0, SET_ENCODINGS: 2, FRAMEBUFFER_UPDATE_REQUEST: 3, KEY_EVENT: 4, POINTER_EVENT: 5, CLIENT_CUT_TEXT: 6 } as const
export const RfbServerType = { FRAMEBUFFER_UPDATE: 0, BELL: 2, SERVER_CUT_TEXT: 3 } as const
/** Tiles of encodings below 17 must be 1..64 × 1..64 (ui-toolkit throws otherwise). */
export const RFB_MAX_TILE = 64

export interface RfbLimits {
  readonly maxCutTextLength: number
  readonly maxNameLength: number
  readonly maxEncodings: number
  readonly maxRectangleBytes: number
}

export const DEFAULT_RFB_LIMITS: RfbLimits = Object.freeze({ maxCutTextLength: 256 * 1024, maxNameLength: 4096, maxEncodings: 64, maxRectangleBytes: 16 * 1024 * 1024 })

export interface PixelFormat {
  readonly bitsPerPixel: number
  readonly depth: number
  readonly bigEndian: boolean
  readonly trueColour: boolean
  readonly redMax: number
  readonly greenMax: number
  readonly blueMax: number
  readonly redShift: number
  readonly greenShift: number
  readonly blueShift: number
}

/** AMT's default: 16-bit RGB565, little-endian pixel values. */
export const PIXEL_FORMAT_RGB565: PixelFormat = Object.freeze({
  bitsPerPixel: 16,
  depth: 16,
  bigEndian: false,
  trueColour: true,
  redMax: 31,
  greenMax: 63,
  blueMax: 31,
  redShift: 11,
  greenShift: 5,
  blueShift: 0,
})

/** A big-endian cursor: running out marks the reader short (never an error). */
export class BeReader {
  pos: number
  neededEnd = 0
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start
  }
  private take(n: number): number {
    if (this.neededEnd !== 0) return -1
    if (this.pos + n > this.end) {
      this.neededEnd = this.pos + n
      return -1
    }
    this.pos += n
    return this.pos - n
  }
  u8(): number {
    const at = this.take(1)
    return at < 0 ? 0 : (this.buf[at] as number)
  }
  u16(): number {
    const at = this.take(2)
    return at < 0 ? 0 : this.buf.readUInt16BE(at)
  }
  u32(): number {
    const at = this.take(4)
    return at < 0 ? 0 : this.buf.readUInt32BE(at)
  }
  s32(): number {
    const at = this.take(4)
    return at < 0 ? 0 : this.buf.readInt32BE(at)
  }
  bytes(n: number): Buffer {
    const at = this.take(n)
    return at < 0 ? Buffer.alloc(0) : this.buf.subarray(at, at + n)
  }
  /** A length over `max` fails at once, before its bytes are waited for. */
  length(value: number, max: number, field: string): number {
    if (this.neededEnd === 0 && value > max) throw rfbError(ErrorCode.REDIR_ERR_DATA_TOO_LONG, `${field} is ${value} bytes, over the limit of ${max}`)
    return value
  }
}

export function rfbError(code: ConstructorParameters<typeof RedirectionDecodeError>[0], message: string): RedirectionDecodeError {
  return new RedirectionDecodeError(code, message, { phase: 'rfb' })
}

/** Run a decoder over [offset, end): short → need-more with the total length needed; thrown decode errors → error. */
export function runRfbDecoder<M>(buf: Buffer, offset: number, end: number, decode: (r: BeReader) => M): RfbResult<M> {
  const r = new BeReader(buf, offset, end)
  let message: M
  try {
    message = decode(r)
  } catch (error) {
    if (error instanceof RedirectionDecodeError) return { kind: 'error', error }
    throw error
  }
  if (r.neededEnd !== 0) return { kind: 'need-more', needed: r.neededEnd - offset }
  return { kind: 'message', message, length: r.pos - offset }
}

/* PixelFormat, 16 bytes: bpp, depth, big-endian, true-colour, u16 BE maxes ×3, shifts ×3, 3 padding. */
export function readPixelFormat(r: BeReader): PixelFormat {
  const pf: PixelFormat = {
    bitsPerPixel: r.u8(),
    depth: r.u8(),
    bigEndian: r.u8() !== 0,
    trueColour: r.u8() !== 0,
    redMax: r.u16(),
    greenMax: r.u16(),
    blueMax: r.u16(),
    redShift: r.u8(),
    greenShift: r.u8(),
    blueShift: r.u8(),
  }
  r.bytes(3)
  return pf
}

export const U8_MAX = 0xff
export const U16_MAX = 0xffff
export const U32_MAX = 0xffffffff

/**
 * An integer an RFB encoder is about to write. Out of range is a caller bug, refused with
 * REDIR_ERR_INVALID_FIELD: a plain Buffer write would wrap it silently (u8 slots) or throw an
 * untyped RangeError (u16/u32 writes).
 */
export function checkRfbInteger(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RedirectionEncodeError(`${field} must be an integer in ${min}..${max}, got ${value}`)
  return value
}

export function writePixelFormat(out: Buffer, at: number, pf: PixelFormat): void {
  out[at] = checkRfbInteger(pf.bitsPerPixel, 0, U8_MAX, 'bitsPerPixel')
  out[at + 1] = checkRfbInteger(pf.depth, 0, U8_MAX, 'depth')
  out[at + 2] = pf.bigEndian ? 1 : 0
  out[at + 3] = pf.trueColour ? 1 : 0
  out.writeUInt16BE(checkRfbInteger(pf.redMax, 0, U16_MAX, 'redMax'), at + 4)
  out.writeUInt16BE(checkRfbInteger(pf.greenMax, 0, U16_MAX, 'greenMax'), at + 6)
  out.writeUInt16BE(checkRfbInteger(pf.blueMax, 0, U16_MAX, 'blueMax'), at + 8)
  out[at + 10] = checkRfbInteger(pf.redShift, 0, U8_MAX, 'redShift')
  out[at + 11] = checkRfbInteger(pf.greenShift, 0, U8_MAX, 'greenShift')
  out[at + 12] = checkRfbInteger(pf.blueShift, 0, U8_MAX, 'blueShift')
  out.fill(0, at + 13, at + 16)
}

