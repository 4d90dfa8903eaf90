/**
 * What the console side (HTTP proxy, SOCKS5) needs from the device side: find a connected
 * device by name and open a stream to one of its ports. The device side implements it with
 * APF channels; console tests can implement it with in-memory duplex pairs.
 */

import type { Duplex } from 'node:stream'

export interface ConsoleOrigin {
  /** The console's address and port, as the channel's originator. */
  readonly address: string
  readonly port: number
}

/** Why a channel could not be opened; each maps to a clear console-side reply. */
export type ChannelOpenFailureKind =
  /** The device answered CHANNEL_OPEN_FAILURE (reasonCode says why). */
  | 'refused'
  /** This device already has the most channels we allow (gateway limit). */
  | 'channel-limit'
  /** The device did not forward that port (tcpip-forward) or it is not allowed. */
  | 'port-not-forwarded'
  /** The device disconnected, or did not answer in time. */
  | 'disconnected'
  | 'timeout'

export class ChannelOpenError extends Error {
  readonly kind: ChannelOpenFailureKind
  /** APF CHANNEL_OPEN_FAILURE reason code, when the device refused. */
  readonly reasonCode: number | null

  constructor(kind: ChannelOpenFailureKind, message: string, reasonCode: number | null = null) {
    super(message)
    this.name = 'ChannelOpenError'
    this.kind = kind
    this.reasonCode = reasonCode
  }
}

export interface ConnectedDevice {
  readonly uuid: string
  /** The name the device gave in its tcpip-forward requests, or null. */
  readonly fqdn: string | null
  readonly forwardedPorts: ReadonlySet<number>
  /**
   * Open a channel to `port`. The stream carries the channel's bytes both ways with APF flow
   * control underneath: writes past the device's window are held (bounded) and `write()`
   * returns false until credit returns; reads pause when the console does not drain.
   * Ending the stream sends CHANNEL_CLOSE; the device closing ends the stream.
   */
  openChannel(port: number, origin: ConsoleOrigin): Promise<Duplex>
}

export interface DeviceDirectory {
  /** By UUID (any case) or FQDN (case-insensitive); undefined when not connected. */
  lookup(name: string): ConnectedDevice | undefined
}
