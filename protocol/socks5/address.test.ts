import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { propertyParams } from '../../conformance/codec/fc-params.js'
import { canonicalIpAddress, formatIpv6, isValidDomainName, parseIpv4, parseIpv6 } from './address.js'

describe('IPv4 text', () => {
  it('parses strict dotted decimal only', () => {
    expect(parseIpv4('127.0.0.1')?.toString('hex')).toBe('7f000001')
    expect(parseIpv4('255.255.255.255')?.toString('hex')).toBe('ffffffff')
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4 ', '1..3.4', '0x7f.0.0.1', '']) {
      expect(parseIpv4(bad), bad).toBeNull()
    }
  })
})

describe('IPv6 text', () => {
  const cases: [string, string][] = [
    ['::', '::'],
    ['::1', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FD00:0000::0005', 'fd00::5'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::0:1', '2001:db8::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:10.0.0.7', '::ffff:10.0.0.7'],
    ['::FFFF:a00:7', '::ffff:10.0.0.7'],
    ['1::', '1::'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ]
  for (const [input, canonical] of cases) {
    it(`${input} is ${canonical}`, () => {
      const bytes = parseIpv6(input)
      expect(bytes).not.toBeNull()
      expect(formatIpv6(bytes as Buffer)).toBe(canonical)
    })
  }

  it('rejects what is not an IPv6 literal', () => {
    for (const bad of [':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2:3:4:5:6:7:8', '12345::', 'g::', '::1.2.3', '1.2.3.4::', 'fe80::1%eth0', '[::1]', '']) {
      expect(parseIpv6(bad), bad).toBeNull()
    }
  })

  it('formats as the WHATWG URL parser does (RFC 5952), except for the IPv4-mapped form', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0, 0, 1, 0xff, 0xab), { minLength: 16, maxLength: 16 }), (a) => {
        const bytes = Uint8Array.from(a)
        const text = formatIpv6(bytes)
        expect(parseIpv6(text)?.equals(bytes)).toBe(true)
        if (!text.startsWith('::ffff:')) expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`)
      }),
      propertyParams(500),
    )
  })
})

describe('canonicalIpAddress', () => {
  it('gives one key per address, with or without brackets, and null for names', () => {
    expect(canonicalIpAddress('fd00:0::5')).toBe('fd00::5')
    expect(canonicalIpAddress('[FD00::5]')).toBe('fd00::5')
    expect(canonicalIpAddress('10.0.0.7')).toBe('10.0.0.7')
    expect(canonicalIpAddress('amt-1.ciralab.test')).toBeNull()
    expect(canonicalIpAddress('4c4c4544-004b-4210-8033-b6c04f504633')).toBeNull()
  })
})

describe('domain names', () => {
  it('accept 1..255 printable ASCII bytes without space', () => {
    expect(isValidDomainName(Buffer.from('amt-1.ciralab.test'))).toBe(true)
    expect(isValidDomainName(Buffer.from('x'.repeat(255)))).toBe(true)
    expect(isValidDomainName(Buffer.from('x'.repeat(256)))).toBe(false)
    expect(isValidDomainName(Buffer.alloc(0))).toBe(false)
    expect(isValidDomainName(Buffer.from('a b'))).toBe(false)
    expect(isValidDomainName(Buffer.from('a\nb'))).toBe(false)
    expect(isValidDomainName(Buffer.from('é'))).toBe(false)
  })
})
