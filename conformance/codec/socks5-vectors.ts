/**
 * SOCKS5 byte vectors (RFC 1928, RFC 1929) with their decoded values. Each valid vector is run
 * three ways (decode, encode, round trip) by socks5.vectors.test.ts; conformance cases reuse
 * them to drive a gateway's SOCKS5 listener. Sources: the RFC layouts, and bytes curl 7.88
 * (`--socks5-hostname`, `--proxy-user`) sent to a capturing listener on loopback.
 */

import { ErrorCode } from '../../protocol/errors.js'
import type { Socks5DecodeErrorCode, Socks5Message, Socks5MessageType } from '../../protocol/socks5/index.js'

export interface Socks5Vector {
  readonly name: string
  readonly source: string
  readonly hex: string
  readonly message: Socks5Message
  /** A valid decode that our encoder writes differently (a non-zero RSV byte). */
  readonly decodeOnly?: boolean
}

export interface Socks5ErrorVector {
  readonly name: string
  /** The message the decoder was asked for. */
  readonly expect: Socks5MessageType
  readonly hex: string
  readonly code: Socks5DecodeErrorCode
  /** The byte the server answers with before closing (null: close without answering). */
  readonly replyCode: number | null
}

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const UUID_HEX = Buffer.from(UUID, 'latin1').toString('hex')
const FQDN = 'amt-1.ciralab.test'
const FQDN_HEX = Buffer.from(FQDN, 'latin1').toString('hex')
const ZERO_V4 = { type: 'ipv4', host: '0.0.0.0' } as const

export const SOCKS5_VECTORS: readonly Socks5Vector[] = [
  { name: 'greeting: no authentication', source: 'RFC 1928 §3', hex: '050100', message: { type: 'greeting', methods: [0] } },
  {
    name: 'greeting: none or GSSAPI',
    source: 'RFC 1928 §3 (curl 7.88 --socks5-hostname, captured)',
    hex: '05020001',
    message: { type: 'greeting', methods: [0, 1] },
  },
  {
    name: 'greeting: none, GSSAPI or username/password',
    source: 'RFC 1928 §3 (curl 7.88 with --proxy-user, captured)',
    hex: '0503000102',
    message: { type: 'greeting', methods: [0, 1, 2] },
  },
  { name: 'greeting: none or username/password', source: 'RFC 1928 §3', hex: '05020002', message: { type: 'greeting', methods: [0, 2] } },
  { name: 'greeting: username/password only', source: 'RFC 1928 §3', hex: '050102', message: { type: 'greeting', methods: [2] } },
  { name: 'greeting: GSSAPI, private 0x80, none', source: 'RFC 1928 §3', hex: '0503018000', message: { type: 'greeting', methods: [1, 0x80, 0] } },
  { name: 'method selection: no authentication', source: 'RFC 1928 §3', hex: '0500', message: { type: 'method-selection', method: 0 } },
  { name: 'method selection: username/password', source: 'RFC 1928 §3', hex: '0502', message: { type: 'method-selection', method: 2 } },
  { name: 'method selection: no acceptable methods', source: 'RFC 1928 §3', hex: '05ff', message: { type: 'method-selection', method: 0xff } },
  {
    name: 'credentials: admin / P@ssw0rd',
    source: 'RFC 1929 §2 (curl 7.88 --proxy-user admin:P@ssw0rd, captured)',
    hex: '010561646d696e085040737377307264',
    message: { type: 'userpass-request', username: Buffer.from('admin'), password: Buffer.from('P@ssw0rd') },
  },
  {
    name: 'credentials: empty password',
    source: 'RFC 1929 §2 (PLEN 0, accepted)',
    hex: '01047573657200',
    message: { type: 'userpass-request', username: Buffer.from('user'), password: Buffer.alloc(0) },
  },
  {
    name: 'credentials: non-ASCII octets',
    source: 'RFC 1929 §2',
    hex: '0102c3a90300ff7f',
    message: { type: 'userpass-request', username: Buffer.from('c3a9', 'hex'), password: Buffer.from('00ff7f', 'hex') },
  },
  { name: 'credentials status: success', source: 'RFC 1929 §2', hex: '0100', message: { type: 'userpass-response', status: 0 } },
  { name: 'credentials status: failure', source: 'RFC 1929 §2', hex: '0101', message: { type: 'userpass-response', status: 1 } },
  {
    name: 'request: CONNECT FQDN:16992',
    source: 'RFC 1928 §4 (curl 7.88 --socks5-hostname, captured)',
    hex: `0501000312${FQDN_HEX}4260`,
    message: { type: 'request', command: 1, address: { type: 'domain', host: FQDN }, port: 16992 },
  },
  {
    name: 'request: CONNECT UUID:16994',
    source: 'RFC 1928 §4',
    hex: `0501000324${UUID_HEX}4262`,
    message: { type: 'request', command: 1, address: { type: 'domain', host: UUID }, port: 16994 },
  },
  {
    name: 'request: CONNECT 127.0.0.1:16993',
    source: 'RFC 1928 §4',
    hex: '050100017f0000014261',
    message: { type: 'request', command: 1, address: { type: 'ipv4', host: '127.0.0.1' }, port: 16993 },
  },
  {
    name: 'request: CONNECT [::1]:16995',
    source: 'RFC 1928 §4',
    hex: `05010004${'00'.repeat(15)}014263`,
    message: { type: 'request', command: 1, address: { type: 'ipv6', host: '::1' }, port: 16995 },
  },
  {
    name: 'request: CONNECT [fd00::1:0:0:a:5]:16992 (two zero runs: the first is compressed)',
    source: 'RFC 1928 §4, RFC 5952 §4.2.3',
    hex: '05010004fd0000000000000100000000000a00054260',
    message: { type: 'request', command: 1, address: { type: 'ipv6', host: 'fd00::1:0:0:a:5' }, port: 16992 },
  },
  {
    name: 'request: CONNECT [::ffff:10.0.0.7]:16992',
    source: 'RFC 1928 §4, RFC 5952 §5',
    hex: '0501000400000000000000000000ffff0a0000074260',
    message: { type: 'request', command: 1, address: { type: 'ipv6', host: '::ffff:10.0.0.7' }, port: 16992 },
  },
  {
    name: 'request: BIND 0.0.0.0:0',
    source: 'RFC 1928 §4',
    hex: '05020001000000000000',
    message: { type: 'request', command: 2, address: ZERO_V4, port: 0 },
  },
  {
    name: 'request: UDP ASSOCIATE 0.0.0.0:0',
    source: 'RFC 1928 §4',
    hex: '05030001000000000000',
    message: { type: 'request', command: 3, address: ZERO_V4, port: 0 },
  },
  {
    name: 'request: non-zero RSV is tolerated',
    source: 'RFC 1928 §4 (RSV not checked)',
    hex: '0501ff017f0000014260',
    message: { type: 'request', command: 1, address: { type: 'ipv4', host: '127.0.0.1' }, port: 16992 },
    decodeOnly: true,
  },
  { name: 'reply: succeeded 0.0.0.0:0', source: 'RFC 1928 §6', hex: '05000001000000000000', message: { type: 'reply', reply: 0, address: ZERO_V4, port: 0 } },
  { name: 'reply: not allowed by ruleset', source: 'RFC 1928 §6', hex: '05020001000000000000', message: { type: 'reply', reply: 2, address: ZERO_V4, port: 0 } },
  { name: 'reply: host unreachable', source: 'RFC 1928 §6', hex: '05040001000000000000', message: { type: 'reply', reply: 4, address: ZERO_V4, port: 0 } },
  { name: 'reply: connection refused', source: 'RFC 1928 §6', hex: '05050001000000000000', message: { type: 'reply', reply: 5, address: ZERO_V4, port: 0 } },
  { name: 'reply: command not supported', source: 'RFC 1928 §6', hex: '05070001000000000000', message: { type: 'reply', reply: 7, address: ZERO_V4, port: 0 } },
  { name: 'reply: unassigned 0xFF', source: 'RFC 1928 §6', hex: '05ff0001000000000000', message: { type: 'reply', reply: 0xff, address: ZERO_V4, port: 0 } },
  {
    name: 'reply: succeeded, bound [fd00::5]:40000',
    source: 'RFC 1928 §6',
    hex: '05000004fd0000000000000000000000000000059c40',
    message: { type: 'reply', reply: 0, address: { type: 'ipv6', host: 'fd00::5' }, port: 40000 },
  },
  {
    name: 'reply: succeeded, bound to a name',
    source: 'RFC 1928 §6',
    hex: `0500000312${FQDN_HEX}0050`,
    message: { type: 'reply', reply: 0, address: { type: 'domain', host: FQDN }, port: 80 },
  },
]

export const SOCKS5_ERROR_VECTORS: readonly Socks5ErrorVector[] = [
  { name: 'greeting from a SOCKS4 client', expect: 'greeting', hex: '040142607f00000100', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: null },
  { name: 'greeting that is HTTP', expect: 'greeting', hex: '474554202f20485454502f312e310d0a', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: null },
  { name: 'greeting that is a TLS ClientHello', expect: 'greeting', hex: '1603010200', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: null },
  { name: 'greeting with no methods', expect: 'greeting', hex: '0500', code: ErrorCode.SOCKS_ERR_NO_METHODS, replyCode: 0xff },
  { name: 'credentials with version 5', expect: 'userpass-request', hex: '050100', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: 1 },
  { name: 'request with version 4', expect: 'request', hex: '040100017f0000014260', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: 1 },
  { name: 'request with command 0', expect: 'request', hex: '0500', code: ErrorCode.SOCKS_ERR_COMMAND, replyCode: 7 },
  { name: 'request with command 9', expect: 'request', hex: '050900017f0000014260', code: ErrorCode.SOCKS_ERR_COMMAND, replyCode: 7 },
  { name: 'request with address type 2', expect: 'request', hex: '050100027f0000014260', code: ErrorCode.SOCKS_ERR_ADDRESS_TYPE, replyCode: 8 },
  { name: 'request with an empty domain', expect: 'request', hex: '05010003004260', code: ErrorCode.SOCKS_ERR_DOMAIN, replyCode: 4 },
  { name: 'request with a space in the domain', expect: 'request', hex: '050100030361206242604260', code: ErrorCode.SOCKS_ERR_DOMAIN, replyCode: 4 },
  { name: 'request with a control byte, cut short', expect: 'request', hex: '05010003106100', code: ErrorCode.SOCKS_ERR_DOMAIN, replyCode: 4 },
  { name: 'request with UTF-8 in the domain', expect: 'request', hex: '0501000302c3a94260', code: ErrorCode.SOCKS_ERR_DOMAIN, replyCode: 4 },
  { name: 'method selection with version 4', expect: 'method-selection', hex: '045a', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: null },
  { name: 'credentials status with version 5', expect: 'userpass-response', hex: '0500', code: ErrorCode.SOCKS_ERR_VERSION, replyCode: null },
  { name: 'reply with address type 5', expect: 'reply', hex: '050000050000', code: ErrorCode.SOCKS_ERR_ADDRESS_TYPE, replyCode: null },
  { name: 'reply with an empty domain', expect: 'reply', hex: '05000003000000', code: ErrorCode.SOCKS_ERR_DOMAIN, replyCode: null },
]
