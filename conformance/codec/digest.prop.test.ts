import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildDigestAuthorization,
  buildDigestChallenge,
  computeDigestResponse,
  DIGEST_CLIENT_STYLES,
  DigestError,
  parseDigestAuthorization,
  parseDigestChallenge,
  verifyDigestAuthorization,
  type DigestAuthorization,
  type DigestChallenge,
} from '../../protocol/digest/index.js'
import { propertyParams, propertyTimeout } from './fc-params.js'

const PROPERTIES = 4
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

// Header values are latin1 on the wire; any printable text (quotes, commas, backslashes
// included) must survive quoting.
const value = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 })
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n })
const qopToken = fc.constantFrom('auth', 'auth-int', 'token', 'x.y')

const challenge: fc.Arbitrary<DigestChallenge> = fc.record({
  realm: value,
  nonce: value,
  qop: fc.array(qopToken, { maxLength: 3 }),
  stale: fc.boolean(),
  opaque: fc.option(value, { nil: null }),
  algorithm: fc.option(fc.constantFrom('MD5', 'md5', 'MD5-sess'), { nil: null }),
})

const authorization: fc.Arbitrary<DigestAuthorization> = fc
  .record({
    username: value,
    realm: value,
    nonce: value,
    uri: value,
    response: hex(32),
    qop: fc.option(fc.constantFrom('auth', 'auth-int'), { nil: null }),
    nc: hex(8),
    cnonce: value,
    opaque: fc.option(value, { nil: null }),
    algorithm: fc.option(fc.constantFrom('MD5', 'MD5-sess'), { nil: null }),
  })
  .map((a) => (a.qop === null ? { ...a, nc: null, cnonce: null } : a))

function parsesOrTypedError(fn: () => unknown): void {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(DigestError)
    expect((error as DigestError).code).toMatch(/^DIGEST_ERR_/)
  }
}

describe('Digest header properties', () => {
  it('1. parse(build(challenge)) equals the challenge', { timeout }, () => {
    fc.assert(
      fc.property(challenge, (c) => {
        expect(parseDigestChallenge(buildDigestChallenge(c))).toEqual(c)
      }),
      params(2000),
    )
  })

  it('2. parse(build(authorization)) equals it, in every client style', { timeout }, () => {
    fc.assert(
      fc.property(authorization, fc.constantFrom(...DIGEST_CLIENT_STYLES), (a, style) => {
        expect(parseDigestAuthorization(buildDigestAuthorization(a, style))).toEqual(a)
      }),
      params(2000),
    )
  })

  it('3. any text gives a parsed header or a DIGEST_ERR_* error, nothing else', { timeout }, () => {
    const fragment = fc.constantFrom('Digest ', 'digest', ' ', ',', '=', '"', '\\', 'realm', 'nonce', 'qop=auth', 'nc=00000001', 'response="', 'a'.repeat(8))
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join('')))
    fc.assert(
      fc.property(text, (t) => {
        parsesOrTypedError(() => parseDigestChallenge(t))
        parsesOrTypedError(() => parseDigestAuthorization(t))
      }),
      params(5000),
    )
  })

  it('4. a computed digest verifies; the same header with another password does not', { timeout }, () => {
    fc.assert(
      fc.property(value, value, fc.string({ minLength: 1, maxLength: 20 }), hex(8), fc.constantFrom(...DIGEST_CLIENT_STYLES), (user, realm, password, cnonce, style) => {
        const base = { username: user, realm, nonce: 'bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX', uri: '/wsman', qop: 'auth', nc: '00000001', cnonce }
        const response = computeDigestResponse({ ...base, password, method: 'POST' })
        const header = buildDigestAuthorization({ ...base, response, opaque: null, algorithm: null }, style)
        const parsed = parseDigestAuthorization(header)
        const expected = { method: 'POST', username: user, realm }
        expect(verifyDigestAuthorization(parsed, { ...expected, password })).toBe('ok')
        expect(verifyDigestAuthorization(parsed, { ...expected, password: `${password}!` })).toBe('bad-response')
      }),
      params(500),
    )
  })
})
