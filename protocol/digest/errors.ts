/**
 * A Digest header that cannot be used. Whoever receives it answers 401 with a fresh challenge
 * (a server) or gives up on the exchange (a client); `httpStatus` says which status a server
 * sends because of it.
 */

import { CiralabError, ErrorCode } from '../errors.js'

export type DigestErrorCode =
  | typeof ErrorCode.DIGEST_ERR_NOT_DIGEST
  | typeof ErrorCode.DIGEST_ERR_MALFORMED
  | typeof ErrorCode.DIGEST_ERR_TOO_LONG
  | typeof ErrorCode.DIGEST_ERR_DUPLICATE_PARAMETER
  | typeof ErrorCode.DIGEST_ERR_MISSING_PARAMETER
  | typeof ErrorCode.DIGEST_ERR_INVALID_PARAMETER

export class DigestError extends CiralabError {
  override readonly code: DigestErrorCode
  readonly httpStatus = 401

  constructor(code: DigestErrorCode, message: string) {
    super(code, message)
    this.name = 'DigestError'
    this.code = code
  }
}
