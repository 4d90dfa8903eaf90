/**
 * Errors the simulator raises on purpose, with codes from the one catalogue (protocol/errors.ts).
 * Run failures that belong in a summary (a refused certificate, a lost gateway) are counted by
 * reason (reasons.ts) rather than thrown; these classes carry them where an Error is needed,
 * e.g. out of a TLS `checkServerIdentity`.
 */

import { CiralabError, ErrorCode } from '../protocol/errors.js'

export type SimulatorErrorCode =
  | typeof ErrorCode.SIM_ERR_NS_CERT_TYPE
  | typeof ErrorCode.SIM_ERR_PASSWORD_RULE
  | typeof ErrorCode.SIM_ERR_GATEWAY_PROTOCOL
  | typeof ErrorCode.SIM_ERR_WORKER

export class SimulatorError extends CiralabError {
  override readonly code: SimulatorErrorCode

  constructor(code: SimulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SimulatorError'
    this.code = code
  }
}
