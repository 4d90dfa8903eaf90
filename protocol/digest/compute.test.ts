import { describe, expect, it } from 'vitest'
import { computeDigestResponse, md5Hex } from './compute.js'

describe('digest arithmetic', () => {
  it('matches the RFC 2617 §3.5 example', () => {
    expect(
      computeDigestResponse({
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1')
  })

  it('uses RFC 2069 without qop (redirection type 3)', () => {
    const ha1 = md5Hex('admin:Digest:ABC:P@ssw0rd')
    const ha2 = md5Hex('POST:/RedirectionService')
    expect(computeDigestResponse({ username: 'admin', realm: 'Digest:ABC', password: 'P@ssw0rd', method: 'POST', uri: '/RedirectionService', nonce: 'n' })).toBe(
      md5Hex(`${ha1}:n:${ha2}`),
    )
  })

  it('hashes the body for qop=auth-int', () => {
    const base = { username: 'u', realm: 'r', password: 'p', method: 'POST', uri: '/wsman', nonce: 'n', nc: '00000001', cnonce: 'c' }
    const auth = computeDigestResponse({ ...base, qop: 'auth' })
    const authInt = computeDigestResponse({ ...base, qop: 'auth-int', bodyMd5: md5Hex('<x/>') })
    expect(authInt).not.toBe(auth)
    expect(authInt).toBe(md5Hex(`${md5Hex('u:r:p')}:n:00000001:c:auth-int:${md5Hex(`POST:/wsman:${md5Hex('<x/>')}`)}`))
  })
})
