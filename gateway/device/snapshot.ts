/** What the admin API shows for one connected device. */

import type { DeviceConnection } from './connection.js'

export interface DeviceSnapshot {
  readonly uuid: string
  readonly hostname: string | null
  readonly remoteAddress: string
  readonly transport: 'tls' | 'plain'
  readonly connectedSince: string
  readonly lastSeen: string
  readonly triggerReason: number
  readonly forwardedPorts: number[]
  readonly openChannels: number
  readonly bytesFromDevice: number
  readonly bytesToDevice: number
  readonly console: { readonly opened: number; readonly closed: number; readonly bytesToDevice: number; readonly bytesFromDevice: number }
  readonly connId: number
}

export function snapshotOf(c: DeviceConnection): DeviceSnapshot {
  return {
    uuid: c.uuid,
    hostname: c.fqdn,
    remoteAddress: c.remote,
    transport: c.transport,
    connectedSince: new Date(c.authenticatedAt || c.connectedAt).toISOString(),
    lastSeen: new Date(c.lastMessageAt).toISOString(),
    triggerReason: c.triggerReason,
    forwardedPorts: [...c.forwardedPorts].sort((a, b) => a - b),
    openChannels: c.openChannels,
    bytesFromDevice: c.bytesFromDevice,
    bytesToDevice: c.bytesToDevice,
    console: { opened: c.consoleOpened, closed: c.consoleClosed, bytesToDevice: c.consoleBytesToDevice, bytesFromDevice: c.consoleBytesFromDevice },
    connId: c.connId,
  }
}
