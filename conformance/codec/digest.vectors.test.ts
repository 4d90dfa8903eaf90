import { describe, expect, it } from 'vitest'
import {
  buildDigestAuthorization,
  buildDigestChallenge,
  DigestError,
  formatClientNonce,
  formatNonceCount,
  formatServerNonce,
  isServerNonceText,
  parseDigestAuthorization,
  parseDigestChallenge,
  verifyDigestAuthorization,
} from '../../protocol/digest/index.js'
import { AUTHORIZATION_VECTORS, CHALLENGE_VECTORS, DIGEST_ERROR_VECTORS } from './digest-vectors.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof DigestError) return error.code
    throw error
  }
  return 'no error'
}

describe('Digest challenge vectors', () => {
  for (const v of CHALLENGE_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      it('parses to the documented value', () => {
        expect(parseDigestChallenge(v.header)).toEqual(v.challenge)
      })
      if (v.exact) {
        it('builds to exactly the captured header', () => {
          expect(buildDigestChallenge(v.challenge)).toBe(v.header)
        })
      }
      it('round-trips through build and parse', () => {
        expect(parseDigestChallenge(buildDigestChallenge(v.challenge))).toEqual(v.challenge)
      })
    })
  }
})

describe('Digest Authorization vectors', () => {
  for (const v of AUTHORIZATION_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      it('parses to the documented value', () => {
        expect(parseDigestAuthorization(v.header)).toEqual(v.authorization)
      })
      it(`builds to exactly this header in the ${v.style} layout`, () => {
        expect(buildDigestAuthorization(v.authorization, v.style)).toBe(v.header)
      })
      it('verifies against the right password, not a wrong one', () => {
        const expected = { method: v.method, username: v.authorization.username, realm: v.authorization.realm }
        expect(verifyDigestAuthorization(parseDigestAuthorization(v.header), { ...expected, password: v.password })).toBe('ok')
        expect(verifyDigestAuthorization(parseDigestAuthorization(v.header), { ...expected, password: `${v.password}x` })).toBe('bad-response')
      })
    })
  }

  it('refuses a digest for another user, realm or qop', () => {
    const auth = parseDigestAuthorization(AUTHORIZATION_VECTORS[0]?.header ?? '')
    const expected = { method: 'POST', username: 'admin', password: 'P@ssw0rd', realm: auth.realm }
    expect(verifyDigestAuthorization(auth, { ...expected, username: 'root' })).toBe('wrong-user')
    expect(verifyDigestAuthorization(auth, { ...expected, realm: 'Digest:00' })).toBe('wrong-realm')
    expect(verifyDigestAuthorization({ ...auth, qop: null }, expected)).toBe('unsupported-qop')
    expect(verifyDigestAuthorization({ ...auth, algorithm: 'SHA-256' }, expected)).toBe('unsupported-algorithm')
  })
})

describe('Digest error vectors', () => {
  for (const v of DIGEST_ERROR_VECTORS) {
    it(`${v.name} → ${v.code}`, () => {
      const parse = v.as === 'challenge' ? parseDigestChallenge : parseDigestAuthorization
      expect(codeOf(() => parse(v.header))).toBe(v.code)
    })
  }
})

describe('nonces', () => {
  it('makes AMT-shaped server nonces: 32 base64 characters with six zero bytes inside', () => {
    const nonce = formatServerNonce(Buffer.from('00112233445566778899aabbccddeeff0011', 'hex'))
    expect(nonce).toHaveLength(32)
    expect(isServerNonceText(nonce)).toBe(true)
    expect(nonce.slice(8, 16)).toBe('AAAAAAAA')
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX')).toBe(true)
    expect(isServerNonceText('bQali2IAAAAAAAAAn0xaWCOcxNsRcEH=')).toBe(false)
  })

  it('makes client nonces in each console style', () => {
    const random = Buffer.from('0123456789abcdef', 'hex')
    expect(formatClientNonce('go', random)).toBe('012345')
    expect(formatClientNonce('rfc2617', random)).toBe('0123456789abcdef')
    expect(formatClientNonce('meshcommander', random)).toMatch(/^[0-9a-z]{6}$/)
    expect(formatNonceCount(1)).toBe('00000001')
    expect(formatNonceCount(0x1a)).toBe('0000001a')
  })
})
