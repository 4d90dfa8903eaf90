/**
 * What every device connection shares, built once per gateway: policy, credentials, presence,
 * counters, the event feed, the logger and the relays for device-originated traffic. Kept
 * outside the connection so a connection holds one pointer to it, not a dozen.
 */

import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import type { ApfLimits } from '../../protocol/apf/constants.js'
import type { DeviceConfig } from '../config.js'
import type { GatewayEvents } from '../events.js'
import type { Presence } from '../presence.js'
import type { GatewayStats } from '../stats.js'
import type { CredentialStore } from './credentials.js'
import type { FailureRateLimiter } from './rate-limit.js'
import type { SessionPolicy } from './session.js'
import type { DeviceConnection } from './connection.js'

export interface DeviceRelay {
  /** Connect to an authorised server for a device's direct-tcpip channel. */
  connectTcp(host: string, port: number): Socket
  /** Send one datagram for a device's udp-send-to request. */
  sendUdp(host: string, port: number, data: Buffer): void
}

export interface DeviceContext {
  readonly policy: SessionPolicy
  readonly config: DeviceConfig
  readonly credentials: CredentialStore
  readonly presence: Presence<DeviceConnection>
  readonly stats: GatewayStats
  readonly events: GatewayEvents
  readonly logger: Logger
  readonly limiter: FailureRateLimiter
  readonly relay: DeviceRelay
  /** Decoder limits, shared by every connection (see decoderLimitsFor). */
  readonly decoderLimits: Partial<ApfLimits>
  /** A new id per connection, for logs (`connId`). */
  nextConnId(): number
}

/** The pure policy the session state machine consults. */
export function buildSessionPolicy(config: DeviceConfig): SessionPolicy {
  const allowedPorts = new Set(config.allowedPorts)
  const allowedUuids = config.allowedUuids === null ? null : new Set(config.allowedUuids.map((u) => u.toLowerCase()))
  const servers = new Set(config.authorisedServers.map((s) => `${s.host.toLowerCase()}:${s.port}`))
  return {
    allowedPorts,
    maxAuthFailures: config.maxAuthFailures,
    keepaliveIntervalSeconds: config.keepaliveIntervalSeconds,
    keepaliveTimeoutSeconds: config.keepaliveTimeoutSeconds,
    keepaliveOptionsWhen: config.keepaliveOptionsWhen,
    isUuidAllowed: (uuid) => allowedUuids === null || allowedUuids.has(uuid.toLowerCase()),
    isAuthorisedServer: (host, port) => servers.has(`${host.toLowerCase()}:${port}`),
  }
}

/**
 * A device may never send more CHANNEL_DATA in one message than our window, so that is the
 * decoder's cap too: an oversized message fails at its header instead of being buffered. The
 * buffer must still fit a udp-send-to datagram (64 KiB).
 */
export function decoderLimitsFor(config: DeviceConfig): Partial<ApfLimits> {
  return Object.freeze({ maxChannelDataLength: config.windowSize, maxBufferedBytes: Math.max(config.windowSize, 65_536) + 4096 })
}
