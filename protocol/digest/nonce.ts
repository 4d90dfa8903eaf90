/**
 * Nonces and client nonces in the shapes real peers use.
 *
 * AMT's server nonces are 32 characters of the base64 alphabet: 24 bytes whose middle six are
 * zero, e.g. `bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX`, `B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA` (captured,
 * redirection-wsman.md §4.2). Callers supply the random bytes, so this stays pure.
 */

import { ErrorCode } from '../errors.js'
import type { DigestClientStyle } from './header.js'
import { DigestError } from './errors.js'

export const SERVER_NONCE_RANDOM_BYTES = 18
const SERVER_NONCE_TEXT = /^[A-Za-z0-9+/]{32}$/

/** 18 random bytes → 32-character AMT-style nonce: bytes 0–5, six zero bytes, bytes 6–17. */
export function formatServerNonce(random: Uint8Array): string {
  if (random.length < SERVER_NONCE_RANDOM_BYTES) {
    throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, `a server nonce needs ${SERVER_NONCE_RANDOM_BYTES} random bytes`)
  }
  const raw = Buffer.alloc(24)
  raw.set(random.subarray(0, 6), 0)
  raw.set(random.subarray(6, 18), 12)
  return raw.toString('base64')
}

/** 32 characters of the base64 alphabet, no padding: what AMT and its clients expect. */
export function isServerNonceText(text: string): boolean {
  return SERVER_NONCE_TEXT.test(text)
}

export const CNONCE_RANDOM_BYTES = 8
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * The client nonce each console style makes from 8 random bytes:
 * MeshCommander and MPS a short base-36 string (`Math.random().toString(36).substring(7)`),
 * the go client 6 hex digits, rfc2617 16 hex digits.
 */
export function formatClientNonce(style: DigestClientStyle, random: Uint8Array): string {
  if (random.length < CNONCE_RANDOM_BYTES) {
    throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, `a client nonce needs ${CNONCE_RANDOM_BYTES} random bytes`)
  }
  const bytes = random.subarray(0, CNONCE_RANDOM_BYTES)
  switch (style) {
    case 'meshcommander':
    case 'mps':
      return Array.from(bytes.subarray(0, 6), (b) => BASE36[b % 36]).join('')
    case 'go':
      return Buffer.from(bytes).toString('hex').slice(0, 6)
    case 'rfc2617':
      return Buffer.from(bytes).toString('hex')
    default: {
      const never: never = style
      throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, `unknown client style ${String(never)}`)
    }
  }
}

/** nc as 8 lower-case hex digits: 1 → "00000001". */
export function formatNonceCount(count: number): string {
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, `nonce count ${count} out of range`)
  }
  return count.toString(16).padStart(8, '0')
}
