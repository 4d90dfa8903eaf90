/**
 * One device's observable state as a plain object, for the library API, conformance and bench:
 * where it is in its life, its tunnel, its channels with their bytes, its counters and what
 * the services behind its ports have counted (integrity checks included).
 */

import type { ServiceCounters } from '../services/types.js'
import type { DeviceCounters } from './counters.js'
import type { DeviceState, SimulatedDevice } from './device.js'
import type { Endpoint } from './policy.js'

export interface ChannelSnapshot {
  readonly localId: number
  readonly remoteId: number
  readonly port: number
  readonly bytesIn: number
  readonly bytesOut: number
  readonly sendCredit: number
}

export interface DeviceSnapshot {
  readonly index: number
  readonly uuid: string
  readonly fqdn: string
  readonly amtVersion: string
  readonly state: DeviceState
  readonly connected: boolean
  readonly gateway: Endpoint | null
  readonly forwardedPorts: readonly number[]
  readonly keepaliveIntervalSeconds: number | null
  readonly channels: readonly ChannelSnapshot[]
  readonly powerState: number
  readonly counters: DeviceCounters
  readonly services: ServiceCounters
}

export function snapshotDevice(device: SimulatedDevice): DeviceSnapshot {
  const tunnel = device.tunnel
  return {
    index: device.identity.index,
    uuid: device.identity.uuid,
    fqdn: device.identity.fqdn,
    amtVersion: device.identity.amtVersion,
    state: device.state,
    connected: device.connected,
    gateway: device.gateway,
    forwardedPorts: tunnel?.forwardedPorts ?? [],
    keepaliveIntervalSeconds: tunnel?.keepaliveIntervalSeconds ?? null,
    channels: (tunnel?.openChannels ?? []).map((c) => ({
      localId: c.localId,
      remoteId: c.remoteId,
      port: c.port,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      sendCredit: c.sendCredit,
    })),
    powerState: device.powerState,
    counters: structuredClone(device.counters),
    services: { ...device.serviceCounters },
  }
}
