/**
 * The gateway's counters, on the gateway instance: read by the admin API (/api/v1/stats), the
 * Prometheus endpoint and reports. The names follow the vendor's statistics report where it has
 * one (devices connected/disconnected, console connections, auth failures, blocked TCP/UDP,
 * connection and general errors).
 */

export class GatewayStats {
  readonly startedAt = new Date()
  deviceConnectionsAccepted = 0
  devicesConnected = 0
  devicesDisconnectedExpected = 0
  devicesDisconnectedUnexpected = 0
  devicesReplaced = 0
  apfAuthFailures = 0
  socksAuthFailures = 0
  proxyAuthFailures = 0
  blockedTcp = 0
  blockedUdp = 0
  relayedTcp = 0
  relayedUdp = 0
  connectionErrors = 0
  generalErrors = 0
  protocolErrors = 0
  rateLimitedConnections = 0
  keepalivesAnswered = 0
  channelsOpened = 0
  channelOpenFailures = 0
  consoleOpened = 0
  consoleClosed = 0
  consoleBytesToDevice = 0
  consoleBytesFromDevice = 0
  consoleBlockedPorts = 0
  consoleUnknownDevices = 0
  consoleChannelRefusals = 0
  consoleMalformedRequests = 0
  webhooksDelivered = 0
  webhooksFailed = 0
  webhooksDropped = 0
  /** Session ends by reason (`idle-timeout`, `protocol-error`, `device-disconnect`, ...). */
  readonly sessionsEnded = new Map<string, number>()

  countSessionEnd(reason: string): void {
    this.sessionsEnded.set(reason, (this.sessionsEnded.get(reason) ?? 0) + 1)
  }

  /** Every counter as plain JSON. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this)) {
      if (typeof value === 'number') out[key] = value
    }
    out['startedAt'] = this.startedAt.toISOString()
    out['sessionsEnded'] = Object.fromEntries(this.sessionsEnded)
    return out
  }
}
