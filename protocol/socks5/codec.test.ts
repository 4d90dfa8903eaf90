import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { encodeSocks5Message, nameReplyCode, Socks5EncodeError, type Socks5Message } from './index.js'

describe('SOCKS5 encoder refuses what cannot go on the wire', () => {
  const bad: [string, Socks5Message][] = [
    ['no methods', { type: 'greeting', methods: [] }],
    ['256 methods', { type: 'greeting', methods: new Array<number>(256).fill(0) }],
    ['method 256', { type: 'method-selection', method: 256 }],
    ['status -1', { type: 'userpass-response', status: -1 }],
    ['a 256-byte username', { type: 'userpass-request', username: Buffer.alloc(256), password: Buffer.alloc(0) }],
    ['port 65536', { type: 'request', command: 1, address: { type: 'ipv4', host: '127.0.0.1' }, port: 65536 }],
    ['port 1.5', { type: 'request', command: 1, address: { type: 'ipv4', host: '127.0.0.1' }, port: 1.5 }],
    ['an IPv4 host that is a name', { type: 'request', command: 1, address: { type: 'ipv4', host: 'amt.test' }, port: 1 }],
    ['an IPv6 host that is IPv4', { type: 'reply', reply: 0, address: { type: 'ipv6', host: '1.2.3.4' }, port: 1 }],
    ['an empty domain', { type: 'request', command: 1, address: { type: 'domain', host: '' }, port: 1 }],
    ['a 256-character domain', { type: 'request', command: 1, address: { type: 'domain', host: 'a'.repeat(256) }, port: 1 }],
    ['a non-ASCII domain', { type: 'request', command: 1, address: { type: 'domain', host: 'é.test' }, port: 1 }],
    ['a domain with a space', { type: 'request', command: 1, address: { type: 'domain', host: 'a b' }, port: 1 }],
    ['reply 300', { type: 'reply', reply: 300, address: { type: 'ipv4', host: '0.0.0.0' }, port: 0 }],
  ]
  for (const [name, message] of bad) {
    it(`${name}: ${ErrorCode.SOCKS_ERR_INVALID_FIELD}`, () => {
      let error: unknown
      try {
        encodeSocks5Message(message)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(Socks5EncodeError)
      expect((error as Socks5EncodeError).code).toBe(ErrorCode.SOCKS_ERR_INVALID_FIELD)
    })
  }

  it('names reply codes for logs', () => {
    expect(nameReplyCode(4)).toBe('HOST_UNREACHABLE')
    expect(nameReplyCode(9)).toBe('UNASSIGNED(9)')
  })
})
