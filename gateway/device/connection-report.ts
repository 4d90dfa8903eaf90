/**
 * What a device connection tells the rest of the gateway about itself: counters, log lines (with
 * the event names `ciralab stats` reads) and the admin event feed. Kept apart from the
 * connection so the connection holds only socket handling and protocol plumbing.
 */

import type { DeviceContext } from './context.js'
import type { SessionPhase } from './session.js'

/** The fields of a connection that its reports name. */
export interface ReportedConnection {
  readonly uuid: string
  readonly fqdn: string | null
  readonly connId: number
  readonly remote: string
  readonly remoteAddress: string
  readonly transport: 'tls' | 'plain'
  readonly addressIsDevice: boolean
  readonly triggerReason: number
}

export function reportAuthFailed(ctx: DeviceContext, c: ReportedConnection, deviceId: string | null, username: string, reason: string, failures: number): void {
  const { stats, logger, limiter, events } = ctx
  stats.apfAuthFailures++
  if (c.addressIsDevice) limiter.recordFailure(c.remoteAddress, Date.now())
  logger.warn({ event: 'apf-auth-failed', deviceId, connId: c.connId, remote: c.remote, username, reason, failures }, 'APF authentication failed')
  events.emit({ type: 'auth-failed', time: new Date().toISOString(), side: 'apf', uuid: deviceId, username, remote: c.remote, reason })
}

export function reportConnected(ctx: DeviceContext, c: ReportedConnection, at: number): void {
  ctx.stats.devicesConnected++
  ctx.logger.info({ event: 'device-connected', deviceId: c.uuid, connId: c.connId, remote: c.remote, triggerReason: c.triggerReason, transport: c.transport }, 'device connected')
  ctx.events.emit({ type: 'connected', time: new Date(at).toISOString(), uuid: c.uuid, hostname: c.fqdn, remote: c.remote, connId: c.connId, triggerReason: c.triggerReason })
}

export function reportBlocked(ctx: DeviceContext, c: ReportedConnection, protocol: 'tcp' | 'udp', host: string, port: number): void {
  const { stats, logger, events } = ctx
  if (protocol === 'tcp') stats.blockedTcp++
  else stats.blockedUdp++
  logger.warn({ event: protocol === 'tcp' ? 'blocked-tcp' : 'blocked-udp', deviceId: c.uuid, connId: c.connId, remote: c.remote, host, port }, 'device traffic to a server not on the authorised list')
  events.emit({ type: 'blocked', time: new Date().toISOString(), protocol, uuid: c.uuid, host, port })
}

export interface SessionEnd {
  readonly deviceId: string | null
  readonly phase: SessionPhase
  readonly label: string
  readonly detail: string
  readonly disconnectReason: number | null
  readonly expected: boolean
  /** The device was registered (authenticated): its disconnect is counted and announced too. */
  readonly registered: boolean
}

export function reportSessionEnd(ctx: DeviceContext, c: ReportedConnection, end: SessionEnd): void {
  const { stats, logger, events } = ctx
  stats.countSessionEnd(end.label)
  const fields = { deviceId: end.deviceId, connId: c.connId, remote: c.remote, reason: end.label, detail: end.detail, disconnectReason: end.disconnectReason, phase: end.phase }
  logger.info({ event: 'session-ended', ...fields }, 'device session ended')
  if (!end.registered) return
  if (end.expected) stats.devicesDisconnectedExpected++
  else stats.devicesDisconnectedUnexpected++
  logger.info({ event: 'device-disconnected', ...fields, expected: end.expected }, 'device disconnected')
  events.emit({ type: 'disconnected', time: new Date().toISOString(), uuid: c.uuid, hostname: c.fqdn, remote: c.remote, connId: c.connId, expected: end.expected, reason: end.label })
}
