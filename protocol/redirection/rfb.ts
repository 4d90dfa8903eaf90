/**
 * The small pure pieces of RFB that AMT KVM needs after the 0x40/0x41 step
 * (redirection-wsman.md §2.6; RFC 6143 for the layouts). RFB integers are big-endian; AMT's
 * pixel values are little-endian (pixel format big-endian flag 0).
 *
 * Handshake: ProtocolVersion (AMT announces RFB 004.000, consoles answer 003.008), security
 * list, SecurityResult, ClientInit, ServerInit. Then client messages and the server's
 * FramebufferUpdate, decoded as a header followed by one rectangle at a time so a reader never
 * holds a whole frame. Every decoder returns message / need-more / typed error.
 */

import { ErrorCode } from '../errors.js'
import { RedirectionEncodeError } from './errors.js'
import {
  checkRfbInteger,
  DEFAULT_RFB_LIMITS,
  readPixelFormat,
  rfbError,
  runRfbDecoder,
  U16_MAX,
  U32_MAX,
  U8_MAX,
  writePixelFormat,
  type PixelFormat,
  type RfbResult,
} from './rfb-base.js'

export * from './rfb-base.js'
export * from './rfb-client.js'
export * from './rfb-server.js'

// ---------------------------------------------------------------- handshake

/* ProtocolVersion: 12 bytes "RFB xxx.yyy\n" */
export function decodeRfbProtocolVersion(buf: Buffer, offset = 0, end = buf.length): RfbResult<{ readonly major: number; readonly minor: number }> {
  return runRfbDecoder(buf, offset, end, (r) => {
    const text = r.bytes(12).toString('latin1')
    if (r.neededEnd !== 0) return { major: 0, minor: 0 }
    const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(text)
    if (match === null) throw rfbError(ErrorCode.REDIR_ERR_RFB_MALFORMED, `not an RFB ProtocolVersion: ${JSON.stringify(text)}`)
    return { major: Number(match[1]), minor: Number(match[2]) }
  })
}

export function encodeRfbProtocolVersion(major: number, minor: number): Buffer {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || major > 999 || minor < 0 || minor > 999) {
    throw new RedirectionEncodeError(`RFB version ${major}.${minor} does not fit 3 digits each`)
  }
  return Buffer.from(`RFB ${String(major).padStart(3, '0')}.${String(minor).padStart(3, '0')}\n`, 'latin1')
}

/* Security types (3.7+): u8 count, count × u8; count 0 → u32 reason length, reason. */
export interface RfbSecurityTypes {
  readonly types: readonly number[]
  readonly reason: string | null
}

export function decodeRfbSecurityTypes(buf: Buffer, offset = 0, end = buf.length, limits = DEFAULT_RFB_LIMITS): RfbResult<RfbSecurityTypes> {
  return runRfbDecoder(buf, offset, end, (r) => {
    const count = r.u8()
    if (count > 0) return { types: [...r.bytes(count)], reason: null }
    const reason = r.bytes(r.length(r.u32(), limits.maxCutTextLength, 'security failure reason')).toString('utf8')
    return { types: [], reason }
  })
}

export function encodeRfbSecurityTypes(m: RfbSecurityTypes): Buffer {
  if (m.types.length === 0) {
    const reason = Buffer.from(m.reason ?? '', 'utf8')
    const out = Buffer.alloc(5 + reason.length)
    out.writeUInt32BE(reason.length, 1)
    reason.copy(out, 5)
    return out
  }
  if (m.types.length > 255) throw new RedirectionEncodeError(`${m.types.length} security types; a u8 count allows 255`)
  return Buffer.from([m.types.length, ...m.types.map((t) => checkRfbInteger(t, 0, U8_MAX, 'security type'))])
}

/* One byte: the client's security choice, or ClientInit's shared flag. */
export function decodeRfbU8(buf: Buffer, offset = 0, end = buf.length): RfbResult<number> {
  return runRfbDecoder(buf, offset, end, (r) => r.u8())
}

/* SecurityResult: u32 BE, 0 = OK. */
export function decodeRfbSecurityResult(buf: Buffer, offset = 0, end = buf.length): RfbResult<number> {
  return runRfbDecoder(buf, offset, end, (r) => r.u32())
}

export function encodeRfbSecurityResult(result: number): Buffer {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(checkRfbInteger(result, 0, U32_MAX, 'SecurityResult'), 0)
  return out
}

/* ServerInit: u16 BE width, u16 BE height, PixelFormat, u32 BE name length, name. */
export interface RfbServerInit {
  readonly width: number
  readonly height: number
  readonly pixelFormat: PixelFormat
  readonly name: string
}

export function decodeRfbServerInit(buf: Buffer, offset = 0, end = buf.length, limits = DEFAULT_RFB_LIMITS): RfbResult<RfbServerInit> {
  return runRfbDecoder(buf, offset, end, (r) => {
    const width = r.u16()
    const height = r.u16()
    const pixelFormat = readPixelFormat(r)
    const name = r.bytes(r.length(r.u32(), limits.maxNameLength, 'desktop name')).toString('utf8')
    return { width, height, pixelFormat, name }
  })
}

export function encodeRfbServerInit(m: RfbServerInit): Buffer {
  const name = Buffer.from(m.name, 'utf8')
  const out = Buffer.alloc(24 + name.length)
  out.writeUInt16BE(checkRfbInteger(m.width, 0, U16_MAX, 'width'), 0)
  out.writeUInt16BE(checkRfbInteger(m.height, 0, U16_MAX, 'height'), 2)
  writePixelFormat(out, 4, m.pixelFormat)
  out.writeUInt32BE(name.length, 20)
  name.copy(out, 24)
  return out
}

