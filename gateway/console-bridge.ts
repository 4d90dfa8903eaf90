/**
 * Turns what the console listeners report (console/events.ts) into counters, per-device
 * counters, log lines (with the event names `ciralab stats` reads) and the admin event feed.
 */

import type { Logger } from 'pino'
import type { ConsoleEvent } from './console/events.js'
import type { DeviceConnection } from './device/connection.js'
import type { GatewayEvents } from './events.js'
import type { Presence } from './presence.js'
import type { GatewayStats } from './stats.js'

export interface ConsoleBridgeDeps {
  readonly stats: GatewayStats
  readonly logger: Logger
  readonly events: GatewayEvents
  readonly presence: Presence<DeviceConnection>
}

export function createConsoleEventHandler(deps: ConsoleBridgeDeps): (event: ConsoleEvent) => void {
  const { stats, logger, events, presence } = deps
  const now = () => new Date().toISOString()
  return (event) => {
    const remote = `${event.remoteAddress}:${event.remotePort}`
    switch (event.type) {
      case 'console-opened': {
        stats.consoleOpened++
        const device = presence.lookup(event.deviceUuid)
        if (device !== undefined) device.consoleOpened++
        logger.info({ event: 'console-opened', deviceId: event.deviceUuid, port: event.port, protocol: event.protocol, remote }, 'console connection opened')
        return
      }
      case 'console-closed': {
        stats.consoleClosed++
        stats.consoleBytesToDevice += event.bytesToDevice
        stats.consoleBytesFromDevice += event.bytesToConsole
        const device = presence.lookup(event.deviceUuid)
        if (device !== undefined) {
          device.consoleClosed++
          device.consoleBytesToDevice += event.bytesToDevice
          device.consoleBytesFromDevice += event.bytesToConsole
        }
        const fields = { deviceId: event.deviceUuid, port: event.port, protocol: event.protocol, remote, bytesToDevice: event.bytesToDevice, bytesToConsole: event.bytesToConsole, durationMs: event.durationMs, aborted: event.aborted }
        logger.info({ event: 'console-closed', ...fields }, 'console connection closed')
        return
      }
      case 'proxy-auth-failed':
        // Clients commonly try once without credentials: only a wrong password is a failure.
        if (event.reason === 'missing') return void logger.debug({ event: 'proxy-auth-missing', remote }, 'proxy credentials requested')
        stats.proxyAuthFailures++
        logger.warn({ event: 'proxy-auth-failed', remote, reason: event.reason }, 'HTTP proxy authentication failed')
        events.emit({ type: 'auth-failed', time: now(), side: 'http-proxy', uuid: null, username: '', remote, reason: event.reason })
        return
      case 'socks-auth-failed':
        stats.socksAuthFailures++
        logger.warn({ event: 'socks-auth-failed', remote, reason: event.reason }, 'SOCKS5 authentication failed')
        events.emit({ type: 'auth-failed', time: now(), side: 'socks', uuid: null, username: '', remote, reason: event.reason })
        return
      case 'blocked-port':
        stats.consoleBlockedPorts++
        logger.warn({ event: 'console-blocked-port', remote, name: event.name, port: event.port, protocol: event.protocol }, 'console asked for a port that is not allowed')
        events.emit({ type: 'blocked', time: now(), protocol: 'console-port', uuid: presence.lookup(event.name)?.uuid ?? null, host: event.name, port: event.port })
        return
      case 'unknown-device':
        stats.consoleUnknownDevices++
        logger.info({ event: 'console-unknown-device', remote, name: event.name, protocol: event.protocol }, 'console asked for a device that is not connected')
        events.emit({ type: 'blocked', time: now(), protocol: 'unknown-device', uuid: null, host: event.name, port: 0 })
        return
      case 'channel-refused':
        stats.consoleChannelRefusals++
        logger.info({ event: 'console-channel-refused', deviceId: event.deviceUuid, port: event.port, kind: event.kind, reasonCode: event.reasonCode, remote }, 'channel to the device not opened')
        return
      case 'malformed-request':
        stats.consoleMalformedRequests++
        logger.info({ event: 'console-malformed', remote, protocol: event.protocol, code: event.code }, 'console input rejected')
        return
    }
  }
}
