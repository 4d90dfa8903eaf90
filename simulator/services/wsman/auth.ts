/**
 * HTTP Digest on 16992: qop=auth, realm = the device's DigestRealm, nonces from the device's
 * NonceStore (valid across channels, expiring). A right digest over a nonce the device no
 * longer honours is answered stale=true (RFC 2617 §3.2.1), so the client retries without
 * asking the user again; a wrong one is an authentication failure.
 */

import { parseDigestAuthorization, verifyDigestAuthorization } from '../../../protocol/digest/index.js'
import { headerValue, type HttpMessage } from '../../../protocol/wsman/index.js'
import type { ServiceContext } from '../types.js'
import type { WsmanDeviceState } from './state.js'

export type AuthOutcome =
  | { readonly kind: 'ok' }
  /** Answer 401. `failure`: credentials were offered and were wrong (counted). */
  | { readonly kind: 'challenge'; readonly stale: boolean; readonly failure: boolean }

const NO_CREDENTIALS: AuthOutcome = { kind: 'challenge', stale: false, failure: false }
const WRONG_CREDENTIALS: AuthOutcome = { kind: 'challenge', stale: false, failure: true }

export function hasAuthorization(message: HttpMessage): boolean {
  return headerValue(message.headers, 'authorization') !== undefined
}

export function authenticate(message: HttpMessage, ctx: ServiceContext, state: WsmanDeviceState): AuthOutcome {
  const header = headerValue(message.headers, 'authorization')
  if (header === undefined) return NO_CREDENTIALS
  let auth
  try {
    auth = parseDigestAuthorization(header)
  } catch {
    return WRONG_CREDENTIALS
  }
  const verdict = verifyDigestAuthorization(auth, {
    method: message.method,
    username: ctx.account.user,
    password: ctx.account.password,
    realm: ctx.host.identity.digestRealm,
    entityBody: message.body,
  })
  if (verdict !== 'ok') return WRONG_CREDENTIALS
  return state.nonces.check(auth.nonce, ctx.now()) === 'valid' ? { kind: 'ok' } : { kind: 'challenge', stale: true, failure: false }
}
