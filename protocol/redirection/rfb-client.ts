/**
 * RFB client → server messages (RFC 6143 §7.5; AMT's use in redirection-wsman.md §2.6.5).
 * Decoders start at the message-type byte.
 */

import { ErrorCode } from '../errors.js'
import { RedirectionEncodeError } from './errors.js'
import {
  checkRfbInteger,
  DEFAULT_RFB_LIMITS,
  readPixelFormat,
  rfbError,
  RfbClientType as T,
  runRfbDecoder,
  U32_MAX,
  U8_MAX,
  writePixelFormat,
  type BeReader,
  type PixelFormat,
  type RfbLimits,
  type RfbResult,
} from './rfb-base.js'

export type RfbClientMessage =
  | { readonly type: 'SetPixelFormat'; readonly pixelFormat: PixelFormat }
  | { readonly type: 'SetEncodings'; readonly encodings: readonly number[] }
  | { readonly type: 'FramebufferUpdateRequest'; readonly incremental: boolean; readonly x: number; readonly y: number; readonly width: number; readonly height: number }
  | { readonly type: 'KeyEvent'; readonly down: boolean; readonly keysym: number }
  | { readonly type: 'PointerEvent'; readonly buttonMask: number; readonly x: number; readonly y: number }
  | { readonly type: 'ClientCutText'; readonly text: Buffer }

function decodeBody(r: BeReader, limits: RfbLimits): RfbClientMessage {
  const type = r.u8()
  switch (type) {
    case T.SET_PIXEL_FORMAT: // 0, pad ×3, PixelFormat (16)
      r.bytes(3)
      return { type: 'SetPixelFormat', pixelFormat: readPixelFormat(r) }
    case T.SET_ENCODINGS: {
      // 2, pad, u16 count, count × s32
      r.u8()
      const count = r.u16()
      if (r.neededEnd === 0 && count > limits.maxEncodings) {
        throw rfbError(ErrorCode.REDIR_ERR_DATA_TOO_LONG, `SetEncodings lists ${count} encodings, over the limit of ${limits.maxEncodings}`)
      }
      const encodings: number[] = []
      for (let i = 0; i < count && r.neededEnd === 0; i++) encodings.push(r.s32())
      return { type: 'SetEncodings', encodings }
    }
    case T.FRAMEBUFFER_UPDATE_REQUEST: // 3, incremental, x, y, w, h (u16)
      return { type: 'FramebufferUpdateRequest', incremental: r.u8() !== 0, x: r.u16(), y: r.u16(), width: r.u16(), height: r.u16() }
    case T.KEY_EVENT: {
      // 4, down, pad ×2, u32 keysym
      const down = r.u8() !== 0
      r.bytes(2)
      return { type: 'KeyEvent', down, keysym: r.u32() }
    }
    case T.POINTER_EVENT: // 5, button mask, x, y
      return { type: 'PointerEvent', buttonMask: r.u8(), x: r.u16(), y: r.u16() }
    case T.CLIENT_CUT_TEXT: {
      // 6, pad ×3, u32 length, text (the KVM data channel rides here)
      r.bytes(3)
      const length = r.length(r.u32(), limits.maxCutTextLength, 'ClientCutText')
      return { type: 'ClientCutText', text: r.bytes(length) }
    }
    default:
      throw rfbError(ErrorCode.REDIR_ERR_RFB_UNKNOWN_MESSAGE, `unknown RFB client message type ${type}`)
  }
}

export function decodeRfbClientMessage(buf: Buffer, offset = 0, end = buf.length, limits: RfbLimits = DEFAULT_RFB_LIMITS): RfbResult<RfbClientMessage> {
  return runRfbDecoder(buf, offset, end, (r) => decodeBody(r, limits))
}

function u16(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RedirectionEncodeError(`${field} must be in 0..65535, got ${value}`)
  return value
}

export function encodeRfbClientMessage(m: RfbClientMessage): Buffer {
  switch (m.type) {
    case 'SetPixelFormat': {
      const out = Buffer.alloc(20)
      out[0] = T.SET_PIXEL_FORMAT
      writePixelFormat(out, 4, m.pixelFormat)
      return out
    }
    case 'SetEncodings': {
      const out = Buffer.alloc(4 + 4 * m.encodings.length)
      out[0] = T.SET_ENCODINGS
      out.writeUInt16BE(u16(m.encodings.length, 'encoding count'), 2)
      m.encodings.forEach((e, i) => out.writeInt32BE(checkRfbInteger(e, -0x80000000, 0x7fffffff, 'encoding'), 4 + 4 * i))
      return out
    }
    case 'FramebufferUpdateRequest': {
      const out = Buffer.alloc(10)
      out[0] = T.FRAMEBUFFER_UPDATE_REQUEST
      out[1] = m.incremental ? 1 : 0
      out.writeUInt16BE(u16(m.x, 'x'), 2)
      out.writeUInt16BE(u16(m.y, 'y'), 4)
      out.writeUInt16BE(u16(m.width, 'width'), 6)
      out.writeUInt16BE(u16(m.height, 'height'), 8)
      return out
    }
    case 'KeyEvent': {
      const out = Buffer.alloc(8)
      out[0] = T.KEY_EVENT
      out[1] = m.down ? 1 : 0
      out.writeUInt32BE(checkRfbInteger(m.keysym, 0, U32_MAX, 'keysym'), 4)
      return out
    }
    case 'PointerEvent': {
      const out = Buffer.alloc(6)
      out[0] = T.POINTER_EVENT
      out[1] = checkRfbInteger(m.buttonMask, 0, U8_MAX, 'buttonMask')
      out.writeUInt16BE(u16(m.x, 'x'), 2)
      out.writeUInt16BE(u16(m.y, 'y'), 4)
      return out
    }
    case 'ClientCutText': {
      const out = Buffer.alloc(8 + m.text.length)
      out[0] = T.CLIENT_CUT_TEXT
      out.writeUInt32BE(m.text.length, 4)
      m.text.copy(out, 8)
      return out
    }
    default:
      return assertNever(m)
  }
}

function assertNever(m: never): never {
  throw new RedirectionEncodeError(`unhandled RFB client message ${JSON.stringify(m)}`)
}
