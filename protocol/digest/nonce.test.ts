/*
 * Nonce shapes (redirection-wsman.md §4.2): AMT server nonces are 32 base64 characters of 24
 * bytes whose middle six are zero; each console style makes its own cnonce. Expected base64
 * strings were computed outside this code (Python's base64 over the 24 raw bytes).
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { DigestError } from './errors.js'
import type { DigestClientStyle } from './header.js'
import { CNONCE_RANDOM_BYTES, formatClientNonce, formatNonceCount, formatServerNonce, isServerNonceText, SERVER_NONCE_RANDOM_BYTES } from './nonce.js'

function invalidParameter(f: () => unknown): DigestError {
  try {
    f()
  } catch (error) {
    if (error instanceof DigestError) return error
    throw error
  }
  throw new Error('no DigestError thrown')
}

describe('formatServerNonce', () => {
  it('places random bytes 0-5, six zero bytes, then random bytes 6-17', () => {
    const random = Uint8Array.from({ length: 18 }, (_, i) => i + 1)
    expect(formatServerNonce(random)).toBe('AQIDBAUGAAAAAAAABwgJCgsMDQ4PEBES')
    expect(formatServerNonce(new Uint8Array([...Array<number>(6).fill(0xff), ...Array<number>(12).fill(0xfb)]))).toBe('////////AAAAAAAA+/v7+/v7+/v7+/v7')
  })

  it('uses only the first 18 bytes of a longer buffer', () => {
    const random = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
    expect(formatServerNonce(random)).toBe('AQIDBAUGAAAAAAAABwgJCgsMDQ4PEBES')
  })

  it('refuses fewer than 18 random bytes with DIGEST_ERR_INVALID_PARAMETER (401)', () => {
    const e = invalidParameter(() => formatServerNonce(new Uint8Array(SERVER_NONCE_RANDOM_BYTES - 1)))
    expect(e.code).toBe(ErrorCode.DIGEST_ERR_INVALID_PARAMETER)
    expect(e.httpStatus).toBe(401)
  })
})

describe('isServerNonceText', () => {
  it('accepts captured AMT nonces and refuses other shapes', () => {
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX')).toBe(true)
    expect(isServerNonceText('B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA')).toBe(true)
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcEH')).toBe(false) // 31
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcEHXX')).toBe(false) // 33
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcE==')).toBe(false) // padding
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRc-_X')).toBe(false) // base64url
  })
})

describe('formatClientNonce', () => {
  const random = new Uint8Array([0, 1, 35, 36, 71, 255, 0xab, 0xcd, 0xee])

  it('MeshCommander and MPS: six base-36 digits, one per byte modulo 36', () => {
    expect(formatClientNonce('meshcommander', random)).toBe('01z0z3')
    expect(formatClientNonce('mps', random)).toBe('01z0z3')
  })

  it('go: 6 hex digits; rfc2617: 16 hex digits of the first 8 bytes', () => {
    expect(formatClientNonce('go', random)).toBe('000123')
    expect(formatClientNonce('rfc2617', random)).toBe('0001232447ffabcd')
  })

  it('refuses fewer than 8 random bytes and an unknown style', () => {
    expect(invalidParameter(() => formatClientNonce('go', new Uint8Array(CNONCE_RANDOM_BYTES - 1))).code).toBe(ErrorCode.DIGEST_ERR_INVALID_PARAMETER)
    const style = JSON.parse('"curl"') as DigestClientStyle
    expect(invalidParameter(() => formatClientNonce(style, random)).code).toBe(ErrorCode.DIGEST_ERR_INVALID_PARAMETER)
  })
})

describe('formatNonceCount', () => {
  it('is 8 lower-case hex digits', () => {
    expect(formatNonceCount(0)).toBe('00000000')
    expect(formatNonceCount(1)).toBe('00000001')
    expect(formatNonceCount(0xabc)).toBe('00000abc')
    expect(formatNonceCount(0xffffffff)).toBe('ffffffff')
  })

  it('refuses counts that are not a u32', () => {
    for (const n of [-1, 1.5, 2 ** 32, Number.NaN]) expect(invalidParameter(() => formatNonceCount(n)).code).toBe(ErrorCode.DIGEST_ERR_INVALID_PARAMETER)
  })
})
