/**
 * Redirection error classes. Codes live in the one catalogue (protocol/errors.ts). A decode
 * error means the byte stream cannot be followed any more: the side that sees it closes the
 * connection (the protocol has no error message of its own before a session is up).
 */

import { CiralabError, ErrorCode } from '../errors.js'
import type { RedirectionPhase } from './constants.js'

export type RedirectionDecodeErrorCode =
  | typeof ErrorCode.REDIR_ERR_UNKNOWN_COMMAND
  | typeof ErrorCode.REDIR_ERR_DATA_TOO_LONG
  | typeof ErrorCode.REDIR_ERR_MALFORMED
  | typeof ErrorCode.REDIR_ERR_DECODER_FAILED
  | typeof ErrorCode.REDIR_ERR_RFB_MALFORMED
  | typeof ErrorCode.REDIR_ERR_RFB_UNKNOWN_MESSAGE
  | typeof ErrorCode.REDIR_ERR_RFB_UNSUPPORTED_ENCODING

/** Bytes that are not the protocol the phase expects; the connection is closed because of it. */
export class RedirectionDecodeError extends CiralabError {
  override readonly code: RedirectionDecodeErrorCode
  /** Byte offset of the offending message: within the buffer, or in the stream once a stream decoder shifted it. */
  readonly offset: number
  readonly command: number | null
  readonly phase: RedirectionPhase | null

  constructor(
    code: RedirectionDecodeErrorCode,
    message: string,
    details: { offset?: number; command?: number | null; phase?: RedirectionPhase | null; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'RedirectionDecodeError'
    this.code = code
    this.offset = details.offset ?? 0
    this.command = details.command ?? null
    this.phase = details.phase ?? null
  }

  /** The same error, positioned `base` bytes further into the stream. */
  shifted(base: number): RedirectionDecodeError {
    if (base === 0) return this
    return new RedirectionDecodeError(this.code, this.message, { offset: this.offset + base, command: this.command, phase: this.phase })
  }
}

/** A message that cannot be encoded (field out of range, body that does not fit its authType): a caller bug. */
export class RedirectionEncodeError extends CiralabError {
  override readonly code: typeof ErrorCode.REDIR_ERR_INVALID_FIELD

  constructor(message: string) {
    super(ErrorCode.REDIR_ERR_INVALID_FIELD, message)
    this.name = 'RedirectionEncodeError'
    this.code = ErrorCode.REDIR_ERR_INVALID_FIELD
  }
}

export type RedirectionSessionErrorCode =
  | typeof ErrorCode.REDIR_ERR_START_REFUSED
  | typeof ErrorCode.REDIR_ERR_AUTH_FAILED
  | typeof ErrorCode.REDIR_ERR_AUTH_UNSUPPORTED
  | typeof ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE
  | typeof ErrorCode.REDIR_ERR_TIMEOUT
  | typeof ErrorCode.REDIR_ERR_CLOSED

/** A session that went wrong above the framing: refused, bad login, wrong message, deadline, peer gone. */
export class RedirectionSessionError extends CiralabError {
  override readonly code: RedirectionSessionErrorCode
  /** The status byte the device sent (0x11 or 0x14), when that is what failed. */
  readonly status: number | null

  constructor(code: RedirectionSessionErrorCode, message: string, details: { status?: number; cause?: unknown } = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'RedirectionSessionError'
    this.code = code
    this.status = details.status ?? null
  }
}
