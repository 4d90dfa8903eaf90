/*
 * qop=auth-int, which MeshCommander supports on WS-MAN (redirection-wsman.md §4.2): HA2 covers
 * MD5 of the entity body. Expected values were computed outside this code with md5sum:
 *   MD5("<x/>") = a8b594bf8dcca656fb1eb1b66344940a
 *   response    = MD5(HA1:nonce:00000001:abcdef:auth-int:MD5("POST:/wsman:" + MD5(body)))
 */

import { describe, expect, it } from 'vitest'
import { computeDigestResponse, computeHa2, md5Hex, md5HexOfBytes } from './compute.js'

const BASE = {
  username: 'admin',
  realm: 'Digest:A4070000000000000000000000000000',
  password: 'P@ssw0rd',
  method: 'POST',
  uri: '/wsman',
  nonce: 'bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX',
  qop: 'auth-int',
  nc: '00000001',
  cnonce: 'abcdef',
} as const

describe('auth-int', () => {
  it('hashes raw body bytes, not their text', () => {
    expect(md5HexOfBytes(Buffer.from('<x/>'))).toBe('a8b594bf8dcca656fb1eb1b66344940a')
    expect(md5HexOfBytes(new Uint8Array([0x00, 0xff, 0x10]))).toBe('481e4551ec039aada760901cf52b1917')
    expect(md5HexOfBytes(new Uint8Array(0))).toBe('d41d8cd98f00b204e9800998ecf8427e')
  })

  it('puts the body hash into HA2', () => {
    expect(computeHa2('POST', '/wsman', 'auth-int', md5HexOfBytes(Buffer.from('<x/>')))).toBe('fd6db466a9a5f9a9dd4e6314e8f073f4')
    expect(computeDigestResponse({ ...BASE, bodyMd5: md5HexOfBytes(Buffer.from('<x/>')) })).toBe('e90eea9be5e53394695698c4da31a6e9')
  })

  it('takes an absent body hash as the hash of an empty body', () => {
    expect(computeDigestResponse(BASE)).toBe('ed7eaa5603f05cd16e985f7f614a3daa')
    expect(computeHa2('POST', '/wsman', 'auth-int')).toBe(md5Hex(`POST:/wsman:${md5Hex('')}`))
  })
})
