/**
 * WS-MAN and its HTTP framing that cannot be read (or a value that cannot be written). A device
 * answers a bad envelope with HTTP 400 and a SOAP fault, and a bad HTTP message with a bare 400
 * and a closed connection: `httpStatus` carries the status.
 */

import { CiralabError, ErrorCode } from '../errors.js'

export type WsmanErrorCode =
  | typeof ErrorCode.WSMAN_ERR_XML_MALFORMED
  | typeof ErrorCode.WSMAN_ERR_XML_ENCODING
  | typeof ErrorCode.WSMAN_ERR_XML_ENTITY
  | typeof ErrorCode.WSMAN_ERR_XML_NAMESPACE
  | typeof ErrorCode.WSMAN_ERR_XML_TOO_LARGE
  | typeof ErrorCode.WSMAN_ERR_XML_TOO_DEEP
  | typeof ErrorCode.WSMAN_ERR_XML_TOO_MANY_NODES
  | typeof ErrorCode.WSMAN_ERR_NOT_ENVELOPE
  | typeof ErrorCode.WSMAN_ERR_MISSING_HEADER
  | typeof ErrorCode.WSMAN_ERR_INVALID_BODY
  | typeof ErrorCode.WSMAN_ERR_INVALID_VALUE
  | typeof ErrorCode.WSMAN_ERR_HTTP_MALFORMED
  | typeof ErrorCode.WSMAN_ERR_HTTP_HEADER_TOO_LARGE
  | typeof ErrorCode.WSMAN_ERR_HTTP_BODY_TOO_LARGE
  | typeof ErrorCode.WSMAN_ERR_HTTP_UNSUPPORTED
  | typeof ErrorCode.WSMAN_ERR_HTTP_FAILED
  | typeof ErrorCode.WSMAN_ERR_CLIENT_TIMEOUT
  | typeof ErrorCode.WSMAN_ERR_CLIENT_CLOSED
  | typeof ErrorCode.WSMAN_ERR_CLIENT_BUSY

const HTTP_STATUS: Partial<Record<WsmanErrorCode, number>> = {
  WSMAN_ERR_HTTP_HEADER_TOO_LARGE: 431,
  WSMAN_ERR_HTTP_BODY_TOO_LARGE: 413,
  WSMAN_ERR_HTTP_UNSUPPORTED: 501,
}

export class WsmanError extends CiralabError {
  override readonly code: WsmanErrorCode
  /** What a device answers because of it. */
  readonly httpStatus: number

  constructor(code: WsmanErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'WsmanError'
    this.code = code
    this.httpStatus = HTTP_STATUS[code] ?? 400
  }

  /** True for errors in the HTTP framing (the connection cannot continue). */
  get isHttpFraming(): boolean {
    return this.code.startsWith('WSMAN_ERR_HTTP_')
  }
}
