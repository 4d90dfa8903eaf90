/**
 * Session end labels: the `reason` of `session-ended` and `device-disconnected` log lines and
 * the `sessionsEnded` counter keys, from the stable GW_ERR_* codes.
 */

import { ErrorCode } from '../../protocol/errors.js'

export const LABELS: Readonly<Record<string, string>> = {
  [ErrorCode.GW_ERR_OUT_OF_ORDER]: 'out-of-order',
  [ErrorCode.GW_ERR_VERSION_UNSUPPORTED]: 'version-unsupported',
  [ErrorCode.GW_ERR_SERVICE_UNAVAILABLE]: 'service-unavailable',
  [ErrorCode.GW_ERR_UUID_NOT_ALLOWED]: 'uuid-not-allowed',
  [ErrorCode.GW_ERR_AUTH_FAILED]: 'auth-failed',
  [ErrorCode.GW_ERR_AUTH_TIMEOUT]: 'auth-timeout',
  [ErrorCode.GW_ERR_IDLE_TIMEOUT]: 'idle-timeout',
  [ErrorCode.GW_ERR_WINDOW_EXCEEDED]: 'window-exceeded',
  [ErrorCode.GW_ERR_UNKNOWN_CHANNEL]: 'unknown-channel',
}

/** Ends that count as protocol errors (the device broke the protocol, not the rules). */
export const PROTOCOL_LABELS: ReadonlySet<string> = new Set(['out-of-order', 'version-unsupported', 'service-unavailable', 'window-exceeded', 'unknown-channel', 'decode-error'])
