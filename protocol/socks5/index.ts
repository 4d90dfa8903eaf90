/** The SOCKS5 codec of ciralab (RFC 1928, RFC 1929): import from here. */
export * from './constants.js'
export type * from './messages.js'
export {
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  decodeSocks5Message,
  decodeUserPassRequest,
  decodeUserPassResponse,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  encodeSocks5Message,
  encodeUserPassRequest,
  encodeUserPassResponse,
  type Socks5DecodeResult,
} from './codec.js'
export { canonicalIpAddress, formatIpv4, formatIpv6, isValidDomainName, parseIpv4, parseIpv6 } from './address.js'
export { Socks5DecodeError, Socks5EncodeError, type Socks5DecodeErrorCode } from './errors.js'
