/**
 * The PROXY protocol header (HAProxy's, versions 1 and 2): what a TLS terminator in front of the
 * plain APF listener sends first on each connection, so the gateway learns the device's real
 * address and port instead of the terminator's. stunnel sends version 1 (`protocol = proxy`),
 * HAProxy either (`send-proxy`, `send-proxy-v2`).
 *
 *   v1: "PROXY TCP4 198.51.100.7 192.0.2.1 50123 443\r\n" (or TCP6, or UNKNOWN), at most 107 bytes
 *   v2: 12-byte signature, version/command, family/transport, u16 length, addresses, then TLVs
 *
 * Decoding has three outcomes: more bytes needed, a header with its byte length (the caller
 * keeps what follows: the APF stream), or a typed error. Pure: no sockets here.
 */

import { CiralabError, ErrorCode } from '../errors.js'
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../socks5/address.js'

export const PROXY_V1_MAX = 107
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
/** TLVs may follow the addresses (TLS details, unique ids); more than this is not a terminator. */
export const PROXY_V2_DEFAULT_MAX_LENGTH = 2048
const V1_PREFIX = Buffer.from('PROXY ', 'latin1')

export interface ProxiedAddresses {
  readonly family: 'tcp4' | 'tcp6'
  readonly sourceAddress: string
  readonly sourcePort: number
  readonly destinationAddress: string
  readonly destinationPort: number
}

export interface ProxyHeader {
  readonly version: 1 | 2
  /** `local`: the terminator's own connection (a health check), not a relayed one. */
  readonly command: 'proxy' | 'local'
  /** Null for v1 UNKNOWN, v2 LOCAL, and families other than TCP over IPv4/IPv6. */
  readonly addresses: ProxiedAddresses | null
}

export type ProxyHeaderErrorCode = typeof ErrorCode.PROXY_ERR_MALFORMED | typeof ErrorCode.PROXY_ERR_TOO_LONG

export class ProxyHeaderError extends CiralabError {
  override readonly code: ProxyHeaderErrorCode

  constructor(code: ProxyHeaderErrorCode, message: string) {
    super(code, message)
    this.name = 'ProxyHeaderError'
    this.code = code
  }
}

export type ProxyDecoded =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'header'; readonly header: ProxyHeader; readonly length: number }
  | { readonly kind: 'error'; readonly error: ProxyHeaderError }

const NEED_MORE: ProxyDecoded = Object.freeze({ kind: 'need-more' })

export function decodeProxyHeader(buffer: Buffer, maxV2Length = PROXY_V2_DEFAULT_MAX_LENGTH): ProxyDecoded {
  if (startsLike(buffer, PROXY_V2_SIGNATURE)) return buffer.length < 16 ? NEED_MORE : decodeV2(buffer, maxV2Length)
  if (startsLike(buffer, V1_PREFIX)) return buffer.length < V1_PREFIX.length ? NEED_MORE : decodeV1(buffer)
  const shown = buffer.subarray(0, 8).toString('hex')
  return malformed(`the connection does not start with a PROXY protocol header (first bytes ${shown})`)
}

/** True when the shorter of the two is a prefix of the other: the header may still be coming. */
function startsLike(buffer: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buffer.length, prefix.length)
  return buffer.subarray(0, n).equals(prefix.subarray(0, n))
}

function decodeV1(buffer: Buffer): ProxyDecoded {
  const end = buffer.subarray(0, PROXY_V1_MAX).indexOf('\r\n', 0, 'latin1')
  if (end < 0) {
    if (buffer.length >= PROXY_V1_MAX) return { kind: 'error', error: new ProxyHeaderError(ErrorCode.PROXY_ERR_TOO_LONG, `PROXY v1 line has no CRLF within ${PROXY_V1_MAX} bytes`) }
    return NEED_MORE
  }
  const line = buffer.toString('latin1', 0, end)
  const fields = line.split(' ')
  const length = end + 2
  if (fields[1] === 'UNKNOWN') return { kind: 'header', length, header: { version: 1, command: 'proxy', addresses: null } }
  if (fields.length !== 6 || (fields[1] !== 'TCP4' && fields[1] !== 'TCP6')) return malformed(`PROXY v1 line '${line}' is not "PROXY TCP4|TCP6 SRC DST SPORT DPORT"`)
  const family = fields[1] === 'TCP4' ? 'tcp4' : 'tcp6'
  const [, , source = '', destination = '', sourcePort = '', destinationPort = ''] = fields
  const valid = family === 'tcp4' ? isIpv4 : isIpv6
  if (!valid(source) || !valid(destination)) return malformed(`PROXY v1 line '${line}' has an address that is not ${family === 'tcp4' ? 'IPv4' : 'IPv6'}`)
  const ports = [sourcePort, destinationPort].map(parsePort)
  if (ports[0] === null || ports[1] === null) return malformed(`PROXY v1 line '${line}' has a port outside 0..65535`)
  const addresses: ProxiedAddresses = { family, sourceAddress: source.toLowerCase(), sourcePort: ports[0] as number, destinationAddress: destination.toLowerCase(), destinationPort: ports[1] as number }
  return { kind: 'header', length, header: { version: 1, command: 'proxy', addresses } }
}

function decodeV2(buffer: Buffer, maxLength: number): ProxyDecoded {
  const versionCommand = buffer[12] as number
  if (versionCommand >> 4 !== 2) return malformed(`PROXY v2 header has version ${versionCommand >> 4}`)
  const command = versionCommand & 0x0f
  if (command > 1) return malformed(`PROXY v2 header has command ${command} (0 LOCAL, 1 PROXY)`)
  const bodyLength = buffer.readUInt16BE(14)
  if (bodyLength > maxLength) return { kind: 'error', error: new ProxyHeaderError(ErrorCode.PROXY_ERR_TOO_LONG, `PROXY v2 header announces ${bodyLength} bytes, over the limit of ${maxLength}`) }
  const length = 16 + bodyLength
  if (buffer.length < length) return NEED_MORE
  if (command === 0) return { kind: 'header', length, header: { version: 2, command: 'local', addresses: null } }
  const family = buffer[13] as number
  const body = buffer.subarray(16, length)
  if (family === 0x11) {
    if (body.length < 12) return malformed(`PROXY v2 TCP over IPv4 needs 12 address bytes, got ${body.length}`)
    const addresses: ProxiedAddresses = { family: 'tcp4', sourceAddress: formatIpv4(body, 0), destinationAddress: formatIpv4(body, 4), sourcePort: body.readUInt16BE(8), destinationPort: body.readUInt16BE(10) }
    return { kind: 'header', length, header: { version: 2, command: 'proxy', addresses } }
  }
  if (family === 0x21) {
    if (body.length < 36) return malformed(`PROXY v2 TCP over IPv6 needs 36 address bytes, got ${body.length}`)
    const addresses: ProxiedAddresses = { family: 'tcp6', sourceAddress: formatIpv6(body, 0), destinationAddress: formatIpv6(body, 16), sourcePort: body.readUInt16BE(32), destinationPort: body.readUInt16BE(34) }
    return { kind: 'header', length, header: { version: 2, command: 'proxy', addresses } }
  }
  return { kind: 'header', length, header: { version: 2, command: 'proxy', addresses: null } }
}

function malformed(message: string): ProxyDecoded {
  return { kind: 'error', error: new ProxyHeaderError(ErrorCode.PROXY_ERR_MALFORMED, message) }
}

function parsePort(text: string): number | null {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return null
  const port = Number(text)
  return port <= 65535 ? port : null
}

export function isIpv4(text: string): boolean {
  return parseIpv4(text) !== null
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== null
}

/** Version 1, as stunnel writes it; null addresses give `PROXY UNKNOWN`. */
export function encodeProxyHeaderV1(addresses: ProxiedAddresses | null): Buffer {
  if (addresses === null) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1')
  checkAddresses(addresses)
  const { family, sourceAddress, destinationAddress, sourcePort, destinationPort } = addresses
  return Buffer.from(`PROXY ${family === 'tcp4' ? 'TCP4' : 'TCP6'} ${sourceAddress} ${destinationAddress} ${sourcePort} ${destinationPort}\r\n`, 'latin1')
}

/** Version 2 without TLVs; null addresses give a LOCAL header. */
export function encodeProxyHeaderV2(addresses: ProxiedAddresses | null): Buffer {
  if (addresses === null) return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x20, 0x00, 0x00, 0x00])])
  checkAddresses(addresses)
  const v4 = addresses.family === 'tcp4'
  const parse = v4 ? parseIpv4 : parseIpv6
  const ports = Buffer.alloc(4)
  ports.writeUInt16BE(addresses.sourcePort, 0)
  ports.writeUInt16BE(addresses.destinationPort, 2)
  const body = Buffer.concat([parse(addresses.sourceAddress) as Buffer, parse(addresses.destinationAddress) as Buffer, ports])
  const head = Buffer.from([0x21, v4 ? 0x11 : 0x21, 0, 0])
  head.writeUInt16BE(body.length, 2)
  return Buffer.concat([PROXY_V2_SIGNATURE, head, body])
}

function checkAddresses(a: ProxiedAddresses): void {
  const valid = a.family === 'tcp4' ? isIpv4 : isIpv6
  for (const address of [a.sourceAddress, a.destinationAddress]) {
    if (!valid(address)) throw new ProxyHeaderError(ErrorCode.PROXY_ERR_MALFORMED, `${address} is not an ${a.family === 'tcp4' ? 'IPv4' : 'IPv6'} address`)
  }
  for (const port of [a.sourcePort, a.destinationPort]) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ProxyHeaderError(ErrorCode.PROXY_ERR_MALFORMED, `port ${port} is outside 0..65535`)
  }
}
