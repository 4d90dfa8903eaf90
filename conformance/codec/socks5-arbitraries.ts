/**
 * fast-check arbitraries for every SOCKS5 message. Used by the codec properties and by the
 * conformance robustness cases (random and mutated handshakes sent to a gateway).
 */

import fc from 'fast-check'
import { formatIpv4, formatIpv6, type Socks5Message, type Socks5MessageType, type SocksAddress } from '../../protocol/socks5/index.js'

const byte = fc.integer({ min: 0, max: 255 })
const port = fc.oneof(fc.constantFrom(16992, 16993, 16994, 16995, 623, 664, 5900, 0), fc.integer({ min: 0, max: 65535 }))
const octets = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a))

/** Printable ASCII without space, as the codec accepts; biased towards FQDNs and UUIDs. */
export const domainName: fc.Arbitrary<string> = fc.oneof(
  fc.domain(),
  fc.uuid().map((u) => (u.length % 2 === 0 ? u : u.toUpperCase())),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 255 }),
)

export const socksAddress: fc.Arbitrary<SocksAddress> = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => ({ type: 'ipv4' as const, host: formatIpv4(b) })),
  fc
    .oneof(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      // Mostly zeros, so that `::` runs, ties and IPv4-mapped forms come up often.
      fc.array(fc.constantFrom(0, 0, 0, 0xff, 1, 0xa), { minLength: 16, maxLength: 16 }).map((a) => Uint8Array.from(a)),
    )
    .map((b) => ({ type: 'ipv6' as const, host: formatIpv6(b) })),
  domainName.map((host) => ({ type: 'domain' as const, host })),
)

export const socks5MessageOf: { readonly [K in Socks5MessageType]: fc.Arbitrary<Extract<Socks5Message, { type: K }>> } = {
  greeting: fc.record({ type: fc.constant('greeting' as const), methods: fc.array(byte, { minLength: 1, maxLength: 255 }) }),
  'method-selection': fc.record({ type: fc.constant('method-selection' as const), method: byte }),
  'userpass-request': fc.record({ type: fc.constant('userpass-request' as const), username: octets(255), password: octets(255) }),
  'userpass-response': fc.record({ type: fc.constant('userpass-response' as const), status: byte }),
  request: fc.record({ type: fc.constant('request' as const), command: fc.constantFrom(1 as const, 2 as const, 3 as const), address: socksAddress, port }),
  reply: fc.record({ type: fc.constant('reply' as const), reply: byte, address: socksAddress, port }),
}

export const anySocks5Message: fc.Arbitrary<Socks5Message> = fc.oneof(...Object.values(socks5MessageOf))

export const socks5MessageType: fc.Arbitrary<Socks5MessageType> = fc.constantFrom(
  'greeting',
  'method-selection',
  'userpass-request',
  'userpass-response',
  'request',
  'reply',
)

/** A whole client handshake as a client would pipeline it: greeting, maybe credentials, request. */
export const clientHandshake: fc.Arbitrary<Socks5Message[]> = fc
  .tuple(socks5MessageOf['userpass-request'], socks5MessageOf.request, fc.boolean())
  .map(([credentials, request, withAuth]) =>
    withAuth ? [{ type: 'greeting', methods: [0, 2] }, credentials, request] : [{ type: 'greeting', methods: [0] }, request],
  )
