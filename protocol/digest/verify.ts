/**
 * Server-side check of an Authorization header against the account it claims. Nonce freshness
 * is the caller's (it keeps the nonces it issued); this answers whether the digest is right.
 */

import { timingSafeEqual } from 'node:crypto'
import { computeDigestResponse, md5HexOfBytes } from './compute.js'
import type { DigestAuthorization } from './header.js'

export interface DigestExpectation {
  readonly method: string
  readonly username: string
  readonly password: string
  readonly realm: string
  /** The request body, needed only when the client chose qop=auth-int. */
  readonly entityBody?: Uint8Array
}

/** Why a digest was refused (or 'ok'). */
export type DigestVerdict = 'ok' | 'wrong-user' | 'wrong-realm' | 'unsupported-qop' | 'unsupported-algorithm' | 'bad-response'

/** Equal-time comparison of two strings: the time taken does not depend on where they differ. */
export function timingSafeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  if (left.length !== right.length) {
    timingSafeEqual(left, left) // same work as a real comparison, then refuse
    return false
  }
  return timingSafeEqual(left, right)
}

export function verifyDigestAuthorization(auth: DigestAuthorization, expected: DigestExpectation): DigestVerdict {
  const userMatches = timingSafeEqualText(auth.username, expected.username)
  if (auth.realm !== expected.realm) return 'wrong-realm'
  if (auth.algorithm !== null && auth.algorithm.toUpperCase() !== 'MD5') return 'unsupported-algorithm'
  // AMT offers qop="auth"; MeshCommander can also do auth-int. RFC 2069 (no qop) is refused,
  // as AMT's challenge always carries qop.
  if (auth.qop !== 'auth' && auth.qop !== 'auth-int') return 'unsupported-qop'
  const computed = computeDigestResponse({
    username: auth.username,
    realm: auth.realm,
    password: expected.password,
    method: expected.method,
    uri: auth.uri,
    nonce: auth.nonce,
    qop: auth.qop,
    nc: auth.nc ?? '',
    cnonce: auth.cnonce ?? '',
    bodyMd5: auth.qop === 'auth-int' ? md5HexOfBytes(expected.entityBody ?? new Uint8Array(0)) : undefined,
  })
  const responseMatches = timingSafeEqualText(computed, auth.response.toLowerCase())
  if (!userMatches) return 'wrong-user'
  return responseMatches ? 'ok' : 'bad-response'
}
