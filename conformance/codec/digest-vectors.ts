/**
 * Digest header vectors: AMT's captured challenges (redirection-wsman.md §4.2, MPS test
 * fixtures), the three console Authorization layouts, and RFC 2617's own example.
 */

import type { DigestAuthorization, DigestChallenge, DigestClientStyle } from '../../protocol/digest/index.js'

export interface ChallengeVector {
  readonly name: string
  readonly source: string
  readonly header: string
  readonly challenge: DigestChallenge
  /** Whether buildDigestChallenge gives back exactly `header`. */
  readonly exact: boolean
}

export const CHALLENGE_VECTORS: readonly ChallengeVector[] = [
  {
    name: 'AMT 15.0.23 401 challenge',
    source: 'MPS test fixture (captured)',
    header: 'Digest realm="Digest:727734D63A1FC0423736E48DA554E462", nonce="B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA",stale="false",qop="auth"',
    challenge: { realm: 'Digest:727734D63A1FC0423736E48DA554E462', nonce: 'B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA', qop: ['auth'], stale: false, opaque: null, algorithm: null },
    exact: true,
  },
  {
    name: 'AMT 11.8 401 challenge (mostly-zero realm)',
    source: 'MPS/RPS test fixture (captured)',
    header: 'Digest realm="Digest:A4070000000000000000000000000000", nonce="wlbEK1EtAAAAAAAAWW5aUHFp+mQQ1j63",stale="false",qop="auth"',
    challenge: { realm: 'Digest:A4070000000000000000000000000000', nonce: 'wlbEK1EtAAAAAAAAWW5aUHFp+mQQ1j63', qop: ['auth'], stale: false, opaque: null, algorithm: null },
    exact: true,
  },
  {
    name: 'a stale nonce with a qop list',
    source: 'RFC 2617 §3.2.1; MPS tolerates "auth-int, auth"',
    header: 'Digest realm="Digest:00", nonce="n", stale=TRUE, qop="auth-int, auth", opaque="5ccc069c", algorithm=MD5',
    challenge: { realm: 'Digest:00', nonce: 'n', qop: ['auth-int', 'auth'], stale: true, opaque: '5ccc069c', algorithm: 'MD5' },
    exact: false,
  },
  {
    name: 'commas and escaped quotes inside a quoted realm, odd spacing and case',
    source: 'RFC 7235 quoted-string',
    header: 'digest  REALM = "a, \\"b\\"" ,, Nonce=abc/+=',
    challenge: { realm: 'a, "b"', nonce: 'abc/+=', qop: [], stale: false, opaque: null, algorithm: null },
    exact: false,
  },
]

export interface AuthorizationVector {
  readonly name: string
  readonly source: string
  readonly style: DigestClientStyle
  readonly header: string
  readonly authorization: DigestAuthorization
  readonly password: string
  readonly method: string
}

const AMT_AUTH = {
  username: 'admin',
  realm: 'Digest:727734D63A1FC0423736E48DA554E462',
  nonce: 'B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA',
  uri: '/wsman',
  qop: 'auth',
  nc: '00000001',
  opaque: null,
  algorithm: null,
} as const

// The response values below are MD5(HA1:nonce:nc:cnonce:auth:HA2) for admin / P@ssw0rd, POST /wsman.
export const AUTHORIZATION_VECTORS: readonly AuthorizationVector[] = [
  {
    name: 'MeshCommander: qop and nc bare',
    source: 'redirection-wsman.md §4.2 [MC-ws node]',
    style: 'meshcommander',
    header:
      'Digest username="admin",realm="Digest:727734D63A1FC0423736E48DA554E462",nonce="B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA",uri="/wsman",qop=auth,' +
      'response="461b7dcd045b7f28b64e2423a7b40e11",nc=00000001,cnonce="k3x9qz"',
    authorization: { ...AMT_AUTH, cnonce: 'k3x9qz', response: '461b7dcd045b7f28b64e2423a7b40e11' },
    password: 'P@ssw0rd',
    method: 'POST',
  },
  {
    name: 'MPS: every value quoted',
    source: 'redirection-wsman.md §4.2 [MPS HttpHandler.ts]',
    style: 'mps',
    header:
      'Digest username="admin",realm="Digest:727734D63A1FC0423736E48DA554E462",nonce="B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA",uri="/wsman",qop="auth",' +
      'response="461b7dcd045b7f28b64e2423a7b40e11",nc="00000001",cnonce="k3x9qz"',
    authorization: { ...AMT_AUTH, cnonce: 'k3x9qz', response: '461b7dcd045b7f28b64e2423a7b40e11' },
    password: 'P@ssw0rd',
    method: 'POST',
  },
  {
    name: 'go client: response before qop, 6-hex cnonce',
    source: 'redirection-wsman.md §4.2 [GWM hash.go]',
    style: 'go',
    header:
      'Digest username="admin",realm="Digest:727734D63A1FC0423736E48DA554E462",nonce="B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA",uri="/wsman",' +
      'response="461b7dcd045b7f28b64e2423a7b40e11",qop="auth",nc="00000001",cnonce="k3x9qz"',
    authorization: { ...AMT_AUTH, cnonce: 'k3x9qz', response: '461b7dcd045b7f28b64e2423a7b40e11' },
    password: 'P@ssw0rd',
    method: 'POST',
  },
  {
    name: 'RFC 2617 §3.5 example',
    source: 'RFC 2617',
    style: 'rfc2617',
    header:
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, ' +
      'cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    authorization: {
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      algorithm: null,
    },
    password: 'Circle Of Life',
    method: 'GET',
  },
]

export const DIGEST_ERROR_VECTORS: readonly { readonly name: string; readonly header: string; readonly code: string; readonly as: 'challenge' | 'authorization' }[] = [
  { name: 'Basic scheme', header: 'Basic YWRtaW46cGFzcw==', code: 'DIGEST_ERR_NOT_DIGEST', as: 'authorization' },
  { name: 'empty header', header: '', code: 'DIGEST_ERR_NOT_DIGEST', as: 'challenge' },
  { name: 'no space after the scheme', header: 'Digest,realm="x"', code: 'DIGEST_ERR_MALFORMED', as: 'challenge' },
  { name: 'unterminated quote', header: 'Digest realm="x, nonce="y', code: 'DIGEST_ERR_MALFORMED', as: 'challenge' },
  { name: 'missing comma', header: 'Digest realm="a" nonce="b"', code: 'DIGEST_ERR_MALFORMED', as: 'challenge' },
  { name: 'parameter without a value', header: 'Digest realm=, nonce="b"', code: 'DIGEST_ERR_MALFORMED', as: 'challenge' },
  { name: 'duplicate nonce', header: 'Digest realm="a", nonce="b", NONCE="c"', code: 'DIGEST_ERR_DUPLICATE_PARAMETER', as: 'challenge' },
  { name: 'challenge without a nonce', header: 'Digest realm="a", qop="auth"', code: 'DIGEST_ERR_MISSING_PARAMETER', as: 'challenge' },
  {
    name: 'qop without nc',
    header: 'Digest username="u", realm="r", nonce="n", uri="/wsman", response="00000000000000000000000000000000", qop=auth, cnonce="c"',
    code: 'DIGEST_ERR_MISSING_PARAMETER',
    as: 'authorization',
  },
  {
    name: 'nc of 7 digits',
    header: 'Digest username="u", realm="r", nonce="n", uri="/wsman", response="00000000000000000000000000000000", qop=auth, nc=0000001, cnonce="c"',
    code: 'DIGEST_ERR_INVALID_PARAMETER',
    as: 'authorization',
  },
  { name: 'response not hex', header: 'Digest username="u", realm="r", nonce="n", uri="/wsman", response="xyz"', code: 'DIGEST_ERR_INVALID_PARAMETER', as: 'authorization' },
  { name: 'over-long header', header: `Digest realm="${'a'.repeat(5000)}", nonce="n"`, code: 'DIGEST_ERR_TOO_LONG', as: 'challenge' },
  {
    name: 'too many parameters',
    header: `Digest ${Array.from({ length: 30 }, (_, i) => `p${i}=x`).join(', ')}`,
    code: 'DIGEST_ERR_TOO_LONG',
    as: 'challenge',
  },
]
