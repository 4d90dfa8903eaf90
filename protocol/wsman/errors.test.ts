/* WsmanError: what a device answers because of each code (HTTP status) and which codes end the connection. */

import { describe, expect, it } from 'vitest'
import { CiralabError, ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'

describe('WsmanError', () => {
  it('maps framing limits to 431, 413 and 501 and everything else to 400', () => {
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_HEADER_TOO_LARGE, 'x').httpStatus).toBe(431)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_BODY_TOO_LARGE, 'x').httpStatus).toBe(413)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_UNSUPPORTED, 'x').httpStatus).toBe(501)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_MALFORMED, 'x').httpStatus).toBe(400)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_XML_MALFORMED, 'x').httpStatus).toBe(400)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_MISSING_HEADER, 'x').httpStatus).toBe(400)
  })

  it('counts only WSMAN_ERR_HTTP_* as framing errors (the connection cannot continue)', () => {
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_MALFORMED, 'x').isHttpFraming).toBe(true)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_HTTP_FAILED, 'x').isHttpFraming).toBe(true)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, 'x').isHttpFraming).toBe(false)
    expect(new WsmanError(ErrorCode.WSMAN_ERR_CLIENT_TIMEOUT, 'x').isHttpFraming).toBe(false)
  })

  it('is a CiralabError with its name, code and cause', () => {
    const cause = new Error('inner')
    const e = new WsmanError(ErrorCode.WSMAN_ERR_XML_ENTITY, 'entity', { cause })
    expect(e).toBeInstanceOf(CiralabError)
    expect(e).toMatchObject({ name: 'WsmanError', code: 'WSMAN_ERR_XML_ENTITY', message: 'entity', cause })
  })
})
