/**
 * SOCKS5 numbers (RFC 1928 §3–§6) and the username/password sub-negotiation (RFC 1929 §2).
 */

export const SOCKS_VERSION = 5
/** RFC 1929's own version byte, distinct from the SOCKS version. */
export const USERPASS_VERSION = 1

/** METHOD values of the greeting and the method selection (RFC 1928 §3). */
export const AuthMethod = {
  NO_AUTHENTICATION: 0x00,
  GSSAPI: 0x01,
  USERNAME_PASSWORD: 0x02,
  NO_ACCEPTABLE_METHODS: 0xff,
} as const

/** CMD of a request (RFC 1928 §4). */
export const Command = {
  CONNECT: 0x01,
  BIND: 0x02,
  UDP_ASSOCIATE: 0x03,
} as const

export type Command = (typeof Command)[keyof typeof Command]

/** ATYP of an address (RFC 1928 §5). */
export const AddressType = {
  IPV4: 0x01,
  DOMAIN: 0x03,
  IPV6: 0x04,
} as const

/** REP of a reply (RFC 1928 §6); 0x09–0xFF are unassigned. */
export const ReplyCode = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED_BY_RULESET: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const

export type ReplyCode = (typeof ReplyCode)[keyof typeof ReplyCode]

/** STATUS of the RFC 1929 response: 0 is success, anything else is failure. */
export const UserPassStatus = {
  SUCCESS: 0x00,
  FAILURE: 0x01,
} as const

/** Longest message of each kind, for bounding what a connection buffers during the handshake. */
export const MAX_GREETING_LENGTH = 2 + 255
export const MAX_USERPASS_REQUEST_LENGTH = 3 + 255 + 255
export const MAX_REQUEST_LENGTH = 4 + 1 + 255 + 2

const replyNames = new Map<number, string>(Object.entries(ReplyCode).map(([name, value]) => [value, name]))

/** `HOST_UNREACHABLE` for 4, `UNASSIGNED(9)` for anything unknown: for logs and errors. */
export function nameReplyCode(code: number): string {
  return replyNames.get(code) ?? `UNASSIGNED(${code})`
}
