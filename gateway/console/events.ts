/**
 * What the console side reports. The gateway maps these to log events, per-device counters,
 * metrics and SSE; the listeners themselves keep no counters.
 *
 * A "console connection" is one relay to a device: an HTTP request relayed over its own channel
 * (`http`, one channel per request as MPS does), a CONNECT tunnel (`connect`) or a SOCKS5
 * CONNECT (`socks`). Every `console-opened` is followed by exactly one `console-closed`.
 */

import type { ChannelOpenFailureKind } from './directory.js'

export type ConsoleProtocol = 'http' | 'connect' | 'socks'

/** Who is on the other end of a console socket. */
export interface ConsoleRemote {
  readonly remoteAddress: string
  readonly remotePort: number
}

export interface ConsoleOpenedEvent extends ConsoleRemote {
  readonly type: 'console-opened'
  readonly protocol: ConsoleProtocol
  readonly deviceUuid: string
  readonly port: number
}

export interface ConsoleClosedEvent extends ConsoleRemote {
  readonly type: 'console-closed'
  readonly protocol: ConsoleProtocol
  readonly deviceUuid: string
  readonly port: number
  /** Bytes written into the channel (HTTP: request line, headers and body as sent on). */
  readonly bytesToDevice: number
  /** Bytes read from the channel (HTTP: the device's whole response). */
  readonly bytesToConsole: number
  readonly durationMs: number
  /** True when the relay ended by error or abort rather than by both sides finishing. */
  readonly aborted: boolean
}

export interface ProxyAuthFailedEvent extends ConsoleRemote {
  readonly type: 'proxy-auth-failed'
  /** `missing`: no Proxy-Authorization (clients often try without first); `invalid`: wrong. */
  readonly reason: 'missing' | 'invalid'
}

export interface SocksAuthFailedEvent extends ConsoleRemote {
  readonly type: 'socks-auth-failed'
  /** `no-method`: the client offered no method we accept; `invalid`: wrong credentials. */
  readonly reason: 'no-method' | 'invalid'
}

export interface BlockedPortEvent extends ConsoleRemote {
  readonly type: 'blocked-port'
  readonly protocol: ConsoleProtocol
  /** The name the console asked for, as given. */
  readonly name: string
  readonly port: number
}

export interface UnknownDeviceEvent extends ConsoleRemote {
  readonly type: 'unknown-device'
  readonly protocol: ConsoleProtocol
  readonly name: string
}

export interface ChannelRefusedEvent extends ConsoleRemote {
  readonly type: 'channel-refused'
  readonly protocol: ConsoleProtocol
  readonly deviceUuid: string
  readonly port: number
  readonly kind: ChannelOpenFailureKind
  /** APF CHANNEL_OPEN_FAILURE reason, when the device refused. */
  readonly reasonCode: number | null
}

/** Input that is not HTTP or SOCKS5 (or breaks a limit): the connection was answered and closed. */
export interface MalformedRequestEvent extends ConsoleRemote {
  readonly type: 'malformed-request'
  readonly protocol: ConsoleProtocol
  /** A stable code: SOCKS_ERR_*, or the HTTP parser's (HPE_*), or `handshake-timeout`. */
  readonly code: string
}

export type ConsoleEvent =
  | ConsoleOpenedEvent
  | ConsoleClosedEvent
  | ProxyAuthFailedEvent
  | SocksAuthFailedEvent
  | BlockedPortEvent
  | UnknownDeviceEvent
  | ChannelRefusedEvent
  | MalformedRequestEvent

export type ConsoleEventType = ConsoleEvent['type']
