/*
 * RFB client → server encoders (RFC 6143 §7.5) refuse values that do not fit their fields with
 * REDIR_ERR_INVALID_FIELD. Before the fix a button mask over 255 was wrapped silently (256 sent
 * as "no buttons") and an out-of-range keysym or encoding threw Node's untyped RangeError.
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { RedirectionEncodeError } from './errors.js'
import { PIXEL_FORMAT_RGB565 } from './rfb-base.js'
import { encodeRfbClientMessage, type RfbClientMessage } from './rfb-client.js'

function codeOf(m: RfbClientMessage): string {
  try {
    encodeRfbClientMessage(m)
  } catch (error) {
    return error instanceof RedirectionEncodeError ? error.code : `untyped ${String(error)}`
  }
  return 'no error'
}

describe('encodeRfbClientMessage', () => {
  it('writes the fields it is given (PointerEvent, KeyEvent, SetEncodings with DesktopSize -223)', () => {
    expect(encodeRfbClientMessage({ type: 'PointerEvent', buttonMask: 0x81, x: 0x0102, y: 0x0304 }).toString('hex')).toBe('058101020304')
    expect(encodeRfbClientMessage({ type: 'KeyEvent', down: true, keysym: 0xff0d }).toString('hex')).toBe('040100000000ff0d')
    expect(encodeRfbClientMessage({ type: 'SetEncodings', encodings: [0, 1092, -223] }).toString('hex')).toBe('02000003' + '00000000' + '00000444' + 'ffffff21')
  })

  it('refuses a button mask, keysym or encoding outside its field', () => {
    expect(codeOf({ type: 'PointerEvent', buttonMask: 256, x: 0, y: 0 })).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf({ type: 'KeyEvent', down: false, keysym: 2 ** 32 })).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf({ type: 'KeyEvent', down: false, keysym: -1 })).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf({ type: 'SetEncodings', encodings: [0, 2 ** 31] })).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf({ type: 'SetPixelFormat', pixelFormat: { ...PIXEL_FORMAT_RGB565, greenMax: 1.5 } })).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
  })

  it('refuses a message type it does not know (a JavaScript caller)', () => {
    expect(codeOf(JSON.parse('{"type":"QEMUClientMessage"}') as RfbClientMessage)).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
  })
})
