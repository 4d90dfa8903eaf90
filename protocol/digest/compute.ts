/**
 * HTTP Digest arithmetic (RFC 2617, and RFC 2069 when there is no qop), shared by WS-MAN on
 * 16992 and the redirection protocol's digest login (types 3 and 4, redirection-wsman.md §2.3).
 */

import { createHash } from 'node:crypto'

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex')
}

/** MD5 hex of raw bytes: the entity-body hash of qop=auth-int. */
export function md5HexOfBytes(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex')
}

export interface DigestInput {
  readonly username: string
  readonly realm: string
  readonly password: string
  readonly method: string
  readonly uri: string
  readonly nonce: string
  /** With qop ("auth" or "auth-int"): RFC 2617. Without: RFC 2069 (redirection type 3). */
  readonly qop?: string
  readonly nc?: string
  readonly cnonce?: string
  /** MD5 hex of the entity body, for qop=auth-int. */
  readonly bodyMd5?: string
}

export function computeHa1(username: string, realm: string, password: string): string {
  return md5Hex(`${username}:${realm}:${password}`)
}

export function computeHa2(method: string, uri: string, qop?: string, bodyMd5?: string): string {
  return qop === 'auth-int' ? md5Hex(`${method}:${uri}:${bodyMd5 ?? md5Hex('')}`) : md5Hex(`${method}:${uri}`)
}

/** The 32 lower-case hex digits of the `response` field. */
export function computeDigestResponse(input: DigestInput): string {
  const ha1 = computeHa1(input.username, input.realm, input.password)
  const ha2 = computeHa2(input.method, input.uri, input.qop, input.bodyMd5)
  if (input.qop === undefined || input.qop === '') return md5Hex(`${ha1}:${input.nonce}:${ha2}`)
  return md5Hex(`${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`)
}
