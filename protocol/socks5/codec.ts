/**
 * The SOCKS5 codec (RFC 1928, RFC 1929): pure functions over Buffer, one decoder and one
 * encoder per message, side by side. The gateway's SOCKS5 listener and the console-side client
 * both import it.
 *
 * Decoding has three outcomes, kept apart: a message with its byte length; "need more" with
 * the smallest total length that could complete the message; or a typed Socks5DecodeError
 * carrying the reply to send. A short buffer is never an error, and a bad byte is reported as
 * soon as it has arrived, without waiting for the rest of the message.
 */

import { ErrorCode } from '../errors.js'
import { firstInvalidDomainByte, formatIpv4, formatIpv6, isValidDomainName, parseIpv4, parseIpv6 } from './address.js'
import { AddressType, AuthMethod, Command, ReplyCode, SOCKS_VERSION, UserPassStatus, USERPASS_VERSION } from './constants.js'
import { Socks5DecodeError, Socks5EncodeError } from './errors.js'
import type {
  GreetingMessage,
  MethodSelectionMessage,
  ReplyMessage,
  RequestMessage,
  SocksAddress,
  Socks5Message,
  Socks5MessageType,
  UserPassRequestMessage,
  UserPassResponseMessage,
} from './messages.js'

export type Socks5DecodeResult<M extends Socks5Message = Socks5Message> =
  | { readonly kind: 'message'; readonly message: M; readonly length: number }
  | { readonly kind: 'need-more'; readonly needed: number }
  | { readonly kind: 'error'; readonly error: Socks5DecodeError }

type Result<M extends Socks5Message> = Socks5DecodeResult<M>

const needMore = (needed: number): { kind: 'need-more'; needed: number } => ({ kind: 'need-more', needed })
const fail = (error: Socks5DecodeError): { kind: 'error'; error: Socks5DecodeError } => ({ kind: 'error', error })

function badVersion(got: number, expected: number, replyCode: number | null): Socks5DecodeError {
  return new Socks5DecodeError(ErrorCode.SOCKS_ERR_VERSION, `version byte is ${got}, expected ${expected}`, replyCode, 0)
}

// Greeting (RFC 1928 §3), client → server, 2 + NMETHODS bytes:
//   byte     VER = 5
//   byte     NMETHODS (1..255)
//   byte[n]  METHODS
// A first byte other than 5 (a SOCKS4 client, TLS, HTTP) gets no answer: it does not speak v5.
export function decodeGreeting(buf: Buffer, offset = 0, end = buf.length): Result<GreetingMessage> {
  if (end - offset < 1) return needMore(1)
  if (buf[offset] !== SOCKS_VERSION) return fail(badVersion(buf[offset] as number, SOCKS_VERSION, null))
  if (end - offset < 2) return needMore(2)
  const count = buf[offset + 1] as number
  if (count === 0) {
    return fail(new Socks5DecodeError(ErrorCode.SOCKS_ERR_NO_METHODS, 'greeting offers no methods', AuthMethod.NO_ACCEPTABLE_METHODS, 1))
  }
  if (end - offset < 2 + count) return needMore(2 + count)
  const methods = [...buf.subarray(offset + 2, offset + 2 + count)]
  return { kind: 'message', message: { type: 'greeting', methods }, length: 2 + count }
}

export function encodeGreeting(m: GreetingMessage): Buffer {
  if (m.methods.length < 1 || m.methods.length > 255) throw new Socks5EncodeError(`greeting must offer 1..255 methods, got ${m.methods.length}`)
  const out = Buffer.allocUnsafe(2 + m.methods.length)
  out[0] = SOCKS_VERSION
  out[1] = m.methods.length
  m.methods.forEach((method, i) => {
    out[2 + i] = checkByte(method, 'method')
  })
  return out
}

// Method selection (RFC 1928 §3), server → client, 2 bytes:
//   byte  VER = 5
//   byte  METHOD (0xFF: none acceptable; the client then closes)
export function decodeMethodSelection(buf: Buffer, offset = 0, end = buf.length): Result<MethodSelectionMessage> {
  if (end - offset < 1) return needMore(1)
  if (buf[offset] !== SOCKS_VERSION) return fail(badVersion(buf[offset] as number, SOCKS_VERSION, null))
  if (end - offset < 2) return needMore(2)
  return { kind: 'message', message: { type: 'method-selection', method: buf[offset + 1] as number }, length: 2 }
}

export function encodeMethodSelection(m: MethodSelectionMessage): Buffer {
  return Buffer.from([SOCKS_VERSION, checkByte(m.method, 'method')])
}

// Username/password request (RFC 1929 §2), client → server, 3 + ULEN + PLEN bytes:
//   byte        VER = 1 (the sub-negotiation's own version)
//   byte        ULEN
//   byte[ULEN]  UNAME
//   byte        PLEN
//   byte[PLEN]  PASSWD
// RFC 1929 says 1..255 for both lengths; we accept 0 (clients send an empty password) and let
// the credential check fail it.
export function decodeUserPassRequest(buf: Buffer, offset = 0, end = buf.length): Result<UserPassRequestMessage> {
  const available = end - offset
  if (available < 1) return needMore(1)
  if (buf[offset] !== USERPASS_VERSION) return fail(badVersion(buf[offset] as number, USERPASS_VERSION, UserPassStatus.FAILURE))
  if (available < 2) return needMore(2)
  const ulen = buf[offset + 1] as number
  if (available < 3 + ulen) return needMore(3 + ulen)
  const plen = buf[offset + 2 + ulen] as number
  const length = 3 + ulen + plen
  if (available < length) return needMore(length)
  // Copies, not views: credentials must not pin the socket's read buffer.
  const username = Buffer.from(buf.subarray(offset + 2, offset + 2 + ulen))
  const password = Buffer.from(buf.subarray(offset + 3 + ulen, offset + length))
  return { kind: 'message', message: { type: 'userpass-request', username, password }, length }
}

export function encodeUserPassRequest(m: UserPassRequestMessage): Buffer {
  if (m.username.length > 255 || m.password.length > 255) throw new Socks5EncodeError('username and password must be at most 255 bytes each')
  return Buffer.concat([Buffer.from([USERPASS_VERSION, m.username.length]), m.username, Buffer.from([m.password.length]), m.password])
}

// Username/password response (RFC 1929 §2), server → client, 2 bytes:
//   byte  VER = 1
//   byte  STATUS (0 success; anything else is failure and the server closes)
export function decodeUserPassResponse(buf: Buffer, offset = 0, end = buf.length): Result<UserPassResponseMessage> {
  if (end - offset < 1) return needMore(1)
  if (buf[offset] !== USERPASS_VERSION) return fail(badVersion(buf[offset] as number, USERPASS_VERSION, null))
  if (end - offset < 2) return needMore(2)
  return { kind: 'message', message: { type: 'userpass-response', status: buf[offset + 1] as number }, length: 2 }
}

export function encodeUserPassResponse(m: UserPassResponseMessage): Buffer {
  return Buffer.from([USERPASS_VERSION, checkByte(m.status, 'status')])
}

// Request (RFC 1928 §4), client → server, 6 + |DST.ADDR| bytes:
//   byte      VER = 5
//   byte      CMD (1 CONNECT, 2 BIND, 3 UDP ASSOCIATE)
//   byte      RSV (should be 0; not checked, as most servers do)
//   byte      ATYP (1 IPv4, 3 DOMAINNAME, 4 IPv6)
//   variable  DST.ADDR (4 bytes; 1-byte length + name; 16 bytes)
//   uint16    DST.PORT (network order)
export function decodeRequest(buf: Buffer, offset = 0, end = buf.length): Result<RequestMessage> {
  if (end - offset < 1) return needMore(1)
  if (buf[offset] !== SOCKS_VERSION) return fail(badVersion(buf[offset] as number, SOCKS_VERSION, ReplyCode.GENERAL_FAILURE))
  if (end - offset < 2) return needMore(2)
  const command = buf[offset + 1] as number
  if (command !== Command.CONNECT && command !== Command.BIND && command !== Command.UDP_ASSOCIATE) {
    return fail(new Socks5DecodeError(ErrorCode.SOCKS_ERR_COMMAND, `unknown command ${command}`, ReplyCode.COMMAND_NOT_SUPPORTED, 1))
  }
  const tail = decodeAddressAndPort(buf, offset, offset + 3, end, true)
  if (tail.kind !== 'address') return tail
  return { kind: 'message', message: { type: 'request', command, address: tail.address, port: tail.port }, length: tail.length }
}

export function encodeRequest(m: RequestMessage): Buffer {
  return encodeWithAddress(m.command, m.address, m.port)
}

// Reply (RFC 1928 §6), server → client, 6 + |BND.ADDR| bytes:
//   byte      VER = 5
//   byte      REP (0 succeeded; 1..8 failures, see ReplyCode)
//   byte      RSV
//   byte      ATYP
//   variable  BND.ADDR
//   uint16    BND.PORT
export function decodeReply(buf: Buffer, offset = 0, end = buf.length): Result<ReplyMessage> {
  if (end - offset < 1) return needMore(1)
  if (buf[offset] !== SOCKS_VERSION) return fail(badVersion(buf[offset] as number, SOCKS_VERSION, null))
  if (end - offset < 2) return needMore(2)
  const reply = buf[offset + 1] as number
  const tail = decodeAddressAndPort(buf, offset, offset + 3, end, false)
  if (tail.kind !== 'address') return tail
  return { kind: 'message', message: { type: 'reply', reply, address: tail.address, port: tail.port }, length: tail.length }
}

export function encodeReply(m: ReplyMessage): Buffer {
  return encodeWithAddress(m.reply, m.address, m.port)
}

type AddressResult =
  | { readonly kind: 'address'; readonly address: SocksAddress; readonly port: number; readonly length: number }
  | { readonly kind: 'need-more'; readonly needed: number }
  | { readonly kind: 'error'; readonly error: Socks5DecodeError }

/** ATYP, address and port at `at` (after VER, CMD/REP and RSV); lengths relative to `start`. */
function decodeAddressAndPort(buf: Buffer, start: number, at: number, end: number, fromClient: boolean): AddressResult {
  if (end < at + 1) return needMore(at + 1 - start)
  const atyp = buf[at] as number
  if (atyp === AddressType.IPV4 || atyp === AddressType.IPV6) {
    const hostEnd = at + 1 + (atyp === AddressType.IPV4 ? 4 : 16)
    if (end < hostEnd + 2) return needMore(hostEnd + 2 - start)
    const host = atyp === AddressType.IPV4 ? formatIpv4(buf, at + 1) : formatIpv6(buf, at + 1)
    const address: SocksAddress = atyp === AddressType.IPV4 ? { type: 'ipv4', host } : { type: 'ipv6', host }
    return { kind: 'address', address, port: buf.readUInt16BE(hostEnd), length: hostEnd + 2 - start }
  }
  if (atyp !== AddressType.DOMAIN) {
    const replyCode = fromClient ? ReplyCode.ADDRESS_TYPE_NOT_SUPPORTED : null
    return fail(new Socks5DecodeError(ErrorCode.SOCKS_ERR_ADDRESS_TYPE, `unknown address type ${atyp}`, replyCode, at - start))
  }
  if (end < at + 2) return needMore(at + 2 - start)
  const hostStart = at + 2
  const hostEnd = hostStart + (buf[at + 1] as number)
  // Check the name's bytes as they arrive: a bad one fails now, not after the rest.
  const bad = hostEnd === hostStart ? at + 1 : firstInvalidDomainByte(buf, hostStart, Math.min(end, hostEnd))
  if (bad >= 0) {
    const replyCode = fromClient ? ReplyCode.HOST_UNREACHABLE : null
    return fail(new Socks5DecodeError(ErrorCode.SOCKS_ERR_DOMAIN, 'domain name is empty or not printable ASCII', replyCode, bad - start))
  }
  if (end < hostEnd + 2) return needMore(hostEnd + 2 - start)
  const address: SocksAddress = { type: 'domain', host: buf.toString('latin1', hostStart, hostEnd) }
  return { kind: 'address', address, port: buf.readUInt16BE(hostEnd), length: hostEnd + 2 - start }
}

function encodeWithAddress(second: number, address: SocksAddress, port: number): Buffer {
  const host = encodeAddress(address)
  if ((port & 0xffff) !== port) throw new Socks5EncodeError(`port must be an integer in 0..65535, got ${port}`)
  const out = Buffer.allocUnsafe(3 + host.length + 2)
  out[0] = SOCKS_VERSION
  out[1] = checkByte(second, 'command or reply')
  out[2] = 0
  out.set(host, 3)
  out.writeUInt16BE(port, 3 + host.length)
  return out
}

/** ATYP and the address bytes. */
function encodeAddress(address: SocksAddress): Buffer {
  switch (address.type) {
    case 'ipv4': {
      const bytes = parseIpv4(address.host)
      if (bytes === null) throw new Socks5EncodeError(`not an IPv4 address: ${JSON.stringify(address.host)}`)
      return Buffer.concat([Buffer.from([AddressType.IPV4]), bytes])
    }
    case 'ipv6': {
      const bytes = parseIpv6(address.host)
      if (bytes === null) throw new Socks5EncodeError(`not an IPv6 address: ${JSON.stringify(address.host)}`)
      return Buffer.concat([Buffer.from([AddressType.IPV6]), bytes])
    }
    case 'domain': {
      const bytes = Buffer.from(address.host, 'latin1')
      if (bytes.toString('latin1') !== address.host || !isValidDomainName(bytes)) {
        throw new Socks5EncodeError('domain name must be 1..255 printable ASCII characters')
      }
      return Buffer.concat([Buffer.from([AddressType.DOMAIN, bytes.length]), bytes])
    }
    default:
      return unreachable(address)
  }
}

function checkByte(value: number, field: string): number {
  if ((value & 0xff) !== value) throw new Socks5EncodeError(`${field} must be an integer in 0..255, got ${value}`)
  return value
}

function unreachable(value: never): never {
  throw new Socks5EncodeError(`unknown variant ${JSON.stringify(value)}`)
}

/** Decode the message of kind `type` (the one the connection's state expects next). */
export function decodeSocks5Message(type: Socks5MessageType, buf: Buffer, offset = 0, end = buf.length): Socks5DecodeResult {
  switch (type) {
    case 'greeting':
      return decodeGreeting(buf, offset, end)
    case 'method-selection':
      return decodeMethodSelection(buf, offset, end)
    case 'userpass-request':
      return decodeUserPassRequest(buf, offset, end)
    case 'userpass-response':
      return decodeUserPassResponse(buf, offset, end)
    case 'request':
      return decodeRequest(buf, offset, end)
    case 'reply':
      return decodeReply(buf, offset, end)
    default:
      return unreachable(type)
  }
}

/** Encode any SOCKS5 message into a new Buffer of exactly its wire length. */
export function encodeSocks5Message(m: Socks5Message): Buffer {
  switch (m.type) {
    case 'greeting':
      return encodeGreeting(m)
    case 'method-selection':
      return encodeMethodSelection(m)
    case 'userpass-request':
      return encodeUserPassRequest(m)
    case 'userpass-response':
      return encodeUserPassResponse(m)
    case 'request':
      return encodeRequest(m)
    case 'reply':
      return encodeReply(m)
    default:
      return unreachable(m)
  }
}
