/**
 * SOCKS5 codec errors. Codes live in the one catalogue (`protocol/errors.ts`); these classes add
 * what the server answers because of the error.
 */

import { CiralabError, ErrorCode } from '../errors.js'

export type Socks5DecodeErrorCode =
  | typeof ErrorCode.SOCKS_ERR_VERSION
  | typeof ErrorCode.SOCKS_ERR_NO_METHODS
  | typeof ErrorCode.SOCKS_ERR_COMMAND
  | typeof ErrorCode.SOCKS_ERR_ADDRESS_TYPE
  | typeof ErrorCode.SOCKS_ERR_DOMAIN

/**
 * Bytes from a peer that are not the SOCKS5 message expected next. The connection answers with
 * `replyCode` (if not null) and closes.
 *
 * `replyCode` is the byte for the field the server would answer in at this stage: METHOD for a
 * greeting (0xFF), STATUS for RFC 1929 credentials (0x01), REP for a request (0x07 unknown
 * command, 0x08 unknown address type...). It is null when the peer should get no answer (a
 * greeting that is not SOCKS5 at all) and always null for the server messages a client decodes.
 */
export class Socks5DecodeError extends CiralabError {
  override readonly code: Socks5DecodeErrorCode
  readonly replyCode: number | null
  /** Offset of the offending byte from the start of the message. */
  readonly offset: number

  constructor(code: Socks5DecodeErrorCode, message: string, replyCode: number | null, offset: number) {
    super(code, message)
    this.name = 'Socks5DecodeError'
    this.code = code
    this.replyCode = replyCode
    this.offset = offset
  }
}

/** A message that cannot be encoded (port out of range, malformed address): a caller bug. */
export class Socks5EncodeError extends CiralabError {
  override readonly code: typeof ErrorCode.SOCKS_ERR_INVALID_FIELD

  constructor(message: string) {
    super(ErrorCode.SOCKS_ERR_INVALID_FIELD, message)
    this.name = 'Socks5EncodeError'
    this.code = ErrorCode.SOCKS_ERR_INVALID_FIELD
  }
}
