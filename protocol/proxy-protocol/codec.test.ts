import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { decodeProxyHeader, encodeProxyHeaderV1, encodeProxyHeaderV2, isIpv6, ProxyHeaderError, type ProxyHeader } from './codec.js'

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')
const SIG = '0d0a0d0a000d0a515549540a'
const APF_VERSION = hex('c0000000') // what follows the header: the device's first APF bytes

/** Byte vectors, each decoded with APF bytes behind it, and encoded back where we write that form. */
const VECTORS: readonly { name: string; bytes: Buffer; header: ProxyHeader; encode?: () => Buffer }[] = [
  {
    name: 'v1 TCP4, as stunnel writes it',
    bytes: Buffer.from('PROXY TCP4 198.51.100.7 192.0.2.1 50123 443\r\n'),
    header: { version: 1, command: 'proxy', addresses: { family: 'tcp4', sourceAddress: '198.51.100.7', sourcePort: 50123, destinationAddress: '192.0.2.1', destinationPort: 443 } },
    encode: () => encodeProxyHeaderV1({ family: 'tcp4', sourceAddress: '198.51.100.7', sourcePort: 50123, destinationAddress: '192.0.2.1', destinationPort: 443 }),
  },
  {
    name: 'v1 TCP6',
    bytes: Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 65535 443\r\n'),
    header: { version: 1, command: 'proxy', addresses: { family: 'tcp6', sourceAddress: '2001:db8::7', sourcePort: 65535, destinationAddress: '2001:db8::1', destinationPort: 443 } },
  },
  { name: 'v1 UNKNOWN', bytes: Buffer.from('PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n'), header: { version: 1, command: 'proxy', addresses: null } },
  {
    name: 'v2 TCP4',
    bytes: hex(`${SIG} 21 11 000c c6336407 c0000201 c3cb 01bb`),
    header: { version: 2, command: 'proxy', addresses: { family: 'tcp4', sourceAddress: '198.51.100.7', sourcePort: 50123, destinationAddress: '192.0.2.1', destinationPort: 443 } },
    encode: () => encodeProxyHeaderV2({ family: 'tcp4', sourceAddress: '198.51.100.7', sourcePort: 50123, destinationAddress: '192.0.2.1', destinationPort: 443 }),
  },
  {
    name: 'v2 TCP6 with a TLV after the addresses',
    bytes: hex(`${SIG} 21 21 0029 20010db8000000000000000000000007 20010db8000000000000000000000001 c3cb 01bb 04 0002 abcd`),
    header: { version: 2, command: 'proxy', addresses: { family: 'tcp6', sourceAddress: '2001:db8::7', sourcePort: 50123, destinationAddress: '2001:db8::1', destinationPort: 443 } },
  },
  { name: 'v2 LOCAL (a health check)', bytes: hex(`${SIG} 20 00 0000`), header: { version: 2, command: 'local', addresses: null }, encode: () => encodeProxyHeaderV2(null) },
  { name: 'v2 UNIX socket family: no TCP addresses', bytes: hex(`${SIG} 21 31 0004 01020304`), header: { version: 2, command: 'proxy', addresses: null } },
]

describe('PROXY protocol header', () => {
  it.each(VECTORS)('$name: decodes with the APF stream behind it, every prefix needs more', ({ bytes, header, encode }) => {
    expect(decodeProxyHeader(Buffer.concat([bytes, APF_VERSION]))).toEqual({ kind: 'header', header, length: bytes.length })
    for (let n = 0; n < bytes.length; n++) expect(decodeProxyHeader(bytes.subarray(0, n)).kind, `prefix ${n}`).toBe('need-more')
    if (encode !== undefined) expect(encode().toString('hex')).toBe(bytes.toString('hex'))
  })

  it('fails typed, saying what is wrong, on what a terminator would not send', () => {
    const cases: [Buffer, string, RegExp][] = [
      [hex('c000000000000000'), ErrorCode.PROXY_ERR_MALFORMED, /does not start with a PROXY protocol header \(first bytes c000000000000000\)/],
      [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n'), ErrorCode.PROXY_ERR_MALFORMED, /is not "PROXY TCP4\|TCP6/],
      [Buffer.from('PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n'), ErrorCode.PROXY_ERR_MALFORMED, /not IPv4/],
      [Buffer.from('PROXY TCP6 1.2.3.4 ::1 1 2\r\n'), ErrorCode.PROXY_ERR_MALFORMED, /not IPv6/],
      [Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n'), ErrorCode.PROXY_ERR_MALFORMED, /port outside/],
      [Buffer.from(`PROXY TCP4 ${'1'.repeat(110)}`), ErrorCode.PROXY_ERR_TOO_LONG, /no CRLF within 107 bytes/],
      [hex(`${SIG} 11 11 000c`), ErrorCode.PROXY_ERR_MALFORMED, /version 1/],
      [hex(`${SIG} 22 11 000c`), ErrorCode.PROXY_ERR_MALFORMED, /command 2/],
      [hex(`${SIG} 21 11 0004 01020304`), ErrorCode.PROXY_ERR_MALFORMED, /needs 12 address bytes, got 4/],
      [hex(`${SIG} 21 11 ffff`), ErrorCode.PROXY_ERR_TOO_LONG, /announces 65535 bytes, over the limit of 2048/],
    ]
    for (const [bytes, code, message] of cases) {
      const decoded = decodeProxyHeader(bytes)
      expect(decoded.kind, bytes.toString('latin1')).toBe('error')
      if (decoded.kind === 'error') {
        expect(decoded.error).toBeInstanceOf(ProxyHeaderError)
        expect(decoded.error.code).toBe(code)
        expect(decoded.error.message).toMatch(message)
      }
    }
  })

  it('reads IPv6 text with :: and an IPv4 tail, and refuses what is not IPv6', () => {
    for (const a of ['::1', '::', '2001:db8::', 'fe80::1:2', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4']) expect(isIpv6(a), a).toBe(true)
    for (const a of ['', ':', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', '::ffff:1.2.3', 'g::1', '1:2:3:4:5:6:7:1.2.3.4']) expect(isIpv6(a), a).toBe(false)
  })

  it('refuses to encode what is not an address or a port', () => {
    expect(() => encodeProxyHeaderV1({ family: 'tcp4', sourceAddress: '::1', sourcePort: 1, destinationAddress: '1.2.3.4', destinationPort: 2 })).toThrow(ProxyHeaderError)
    expect(() => encodeProxyHeaderV2({ family: 'tcp6', sourceAddress: '::1', sourcePort: 70000, destinationAddress: '::2', destinationPort: 2 })).toThrow(ProxyHeaderError)
  })
})
