/**
 * The SOCKS5 message union: the three client messages (greeting, RFC 1929 credentials, request)
 * and the three server messages (method selection, RFC 1929 status, reply), keyed by a literal
 * `type`. Which one comes next depends on the connection's state, so each is decoded by name.
 * Layouts are documented beside each codec in `codec.ts`.
 */

import type { Command } from './constants.js'

/**
 * An address as text. IPv4 is dotted decimal, IPv6 the RFC 5952 canonical form (what
 * `formatIpv6` makes), a domain 1–255 printable ASCII characters (names of AMT devices are
 * FQDNs or UUIDs; anything else cannot name one).
 */
export type SocksAddress =
  | { readonly type: 'ipv4'; readonly host: string }
  | { readonly type: 'domain'; readonly host: string }
  | { readonly type: 'ipv6'; readonly host: string }

export interface GreetingMessage {
  readonly type: 'greeting'
  /** METHOD values the client offers, 1–255 of them, in the client's order. */
  readonly methods: readonly number[]
}

export interface MethodSelectionMessage {
  readonly type: 'method-selection'
  readonly method: number
}

export interface UserPassRequestMessage {
  readonly type: 'userpass-request'
  /** Raw octets (RFC 1929 says nothing of their encoding), 0–255 bytes each. */
  readonly username: Buffer
  readonly password: Buffer
}

export interface UserPassResponseMessage {
  readonly type: 'userpass-response'
  readonly status: number
}

export interface RequestMessage {
  readonly type: 'request'
  readonly command: Command
  readonly address: SocksAddress
  readonly port: number
}

export interface ReplyMessage {
  readonly type: 'reply'
  /** REP; any byte decodes (0x09–0xFF are unassigned but a client must still see them). */
  readonly reply: number
  readonly address: SocksAddress
  readonly port: number
}

export type Socks5ClientMessage = GreetingMessage | UserPassRequestMessage | RequestMessage
export type Socks5ServerMessage = MethodSelectionMessage | UserPassResponseMessage | ReplyMessage
export type Socks5Message = Socks5ClientMessage | Socks5ServerMessage
export type Socks5MessageType = Socks5Message['type']
