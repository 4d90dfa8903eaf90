import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeProxyHeader, encodeProxyHeaderV1, encodeProxyHeaderV2, ProxyHeaderError, type ProxiedAddresses } from '../../protocol/proxy-protocol/index.js'
import { formatIpv6 } from '../../protocol/socks5/address.js'
import { propertyParams, propertyTimeout } from './fc-params.js'

const PROPERTIES = 3
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)

const port = fc.integer({ min: 0, max: 65535 })
const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'))
/** IPv6 in the canonical text (RFC 5952, as protocol/socks5/address.ts writes it), zero groups likely. */
const v6 = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 }).map((g) => {
  const bytes = Buffer.alloc(16)
  g.forEach((x, i) => bytes.writeUInt16BE(x, 2 * i))
  return formatIpv6(bytes)
})
const addresses: fc.Arbitrary<ProxiedAddresses> = fc.oneof(
  fc.record({ family: fc.constant('tcp4' as const), sourceAddress: v4, sourcePort: port, destinationAddress: v4, destinationPort: port }),
  fc.record({ family: fc.constant('tcp6' as const), sourceAddress: v6, sourcePort: port, destinationAddress: v6, destinationPort: port }),
)
const version = fc.constantFrom(1 as const, 2 as const)
const encode = (v: 1 | 2, a: ProxiedAddresses | null) => (v === 1 ? encodeProxyHeaderV1(a) : encodeProxyHeaderV2(a))

describe('PROXY protocol header (properties)', () => {
  it('decode(encode(h)) gives h back, with the length of the header alone, whatever follows', () => {
    fc.assert(
      fc.property(version, addresses, fc.uint8Array({ maxLength: 64 }), (v, a, rest) => {
        const bytes = encode(v, a)
        expect(decodeProxyHeader(Buffer.concat([bytes, rest]))).toEqual({ kind: 'header', length: bytes.length, header: { version: v, command: 'proxy', addresses: a } })
      }),
      params(300),
    )
  }, propertyTimeout(PROPERTIES))

  it('every strict prefix of a header needs more bytes, never an error', () => {
    fc.assert(
      fc.property(version, fc.option(addresses, { nil: null }), (v, a) => {
        const bytes = encode(v, a)
        for (let n = 0; n < bytes.length; n++) expect(decodeProxyHeader(bytes.subarray(0, n)).kind).toBe('need-more')
      }),
      params(200),
    )
  }, propertyTimeout(PROPERTIES))

  it('arbitrary bytes give a header, need-more or a ProxyHeaderError, and never claim more than they hold', () => {
    const prefixes = [Buffer.from('PROXY '), encodeProxyHeaderV2(null).subarray(0, 12), Buffer.alloc(0)]
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 160 }), (prefix, raw) => {
        const bytes = Buffer.concat([prefix, raw])
        let decoded
        try {
          decoded = decodeProxyHeader(bytes)
        } catch (error) {
          throw new Error(`decode threw instead of returning an error: ${String(error)}`)
        }
        if (decoded.kind === 'error') expect(decoded.error).toBeInstanceOf(ProxyHeaderError)
        if (decoded.kind === 'header') expect(decoded.length).toBeLessThanOrEqual(bytes.length)
        if (decoded.kind === 'need-more') expect(bytes.length).toBeLessThan(16 + 2048 + 107)
      }),
      params(500),
    )
  }, propertyTimeout(PROPERTIES))
})
