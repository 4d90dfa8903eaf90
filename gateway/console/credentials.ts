/**
 * Proxy credentials, compared in constant time: both sides are hashed to a fixed length first,
 * so neither the length nor the first differing byte of the secret shows in the timing, and the
 * username and password are both always compared.
 */

import { createHash, timingSafeEqual } from 'node:crypto'

export type CredentialCheck = (username: Buffer, password: Buffer) => boolean

function digest(value: Uint8Array): Buffer {
  return createHash('sha256').update(value).digest()
}

export function createCredentialCheck(auth: { readonly username: string; readonly password: string }): CredentialCheck {
  const expectedUser = digest(Buffer.from(auth.username, 'utf8'))
  const expectedPassword = digest(Buffer.from(auth.password, 'utf8'))
  return (username, password) => {
    const userOk = timingSafeEqual(digest(username), expectedUser)
    const passwordOk = timingSafeEqual(digest(password), expectedPassword)
    return userOk && passwordOk
  }
}

// A header longer than this is not credentials anyone configured; do not decode it.
const MAX_BASIC_CREDENTIALS = 1024

/**
 * A `Proxy-Authorization` header against the check: `missing` when there is none (clients
 * often try without first), `invalid` when it is not Basic or does not match.
 */
export function checkBasicAuthorization(header: string | undefined, check: CredentialCheck): 'ok' | 'missing' | 'invalid' {
  if (header === undefined || header === '') return 'missing'
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header)
  if (match === null || (match[1] as string).length > MAX_BASIC_CREDENTIALS) return 'invalid'
  const decoded = Buffer.from(match[1] as string, 'base64')
  const colon = decoded.indexOf(0x3a)
  if (colon < 0) return 'invalid'
  return check(decoded.subarray(0, colon), decoded.subarray(colon + 1)) ? 'ok' : 'invalid'
}
