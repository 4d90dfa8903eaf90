/**
 * What one device counts. Plain numbers mutated in place; the fleet sums them for progress
 * lines and the summary. Keyed tallies hold only the keys that happened (small per device);
 * the fleet's totals list every key.
 */

import type { FaultKind } from '../faults.js'
import type { DisconnectReason, FailureReason } from '../reasons.js'
import type { PolicyKind } from './policy.js'

export const CHANNEL_REFUSALS = ['administratively-prohibited', 'connect-failed', 'unknown-channel-type', 'resource-shortage'] as const
export type ChannelRefusal = (typeof CHANNEL_REFUSALS)[number]

/** CHANNEL_OPEN_FAILURE reason code (1..4) → name. */
export function channelRefusalName(reasonCode: number): ChannelRefusal {
  return CHANNEL_REFUSALS[reasonCode - 1] ?? 'connect-failed'
}

export interface DeviceCounters {
  /** Connect attempts started (TCP). */
  attempts: number
  /** Tunnels that reached ready (every forward answered). */
  connects: number
  disconnects: number
  failures: Partial<Record<FailureReason, number>>
  disconnectReasons: Partial<Record<DisconnectReason, number>>
  faults: Partial<Record<FaultKind, number>>
  triggers: Partial<Record<PolicyKind, number>>
  /** Campaigns abandoned after the give-up time. */
  gaveUp: number
  keepalivesSent: number
  keepalivesAnswered: number
  keepalivesSkipped: number
  /** PROTOCOLVERSION received from the gateway (Console/GoAPF echo it). */
  versionEchoes: number
  portsRefused: number
  channelsOpened: number
  channelRefusals: Partial<Record<ChannelRefusal, number>>
  /** Messages the device ignored (for unknown channels, requests it does not serve). */
  ignoredMessages: number
  apfBytesSent: number
  apfBytesReceived: number
  channelBytesIn: number
  channelBytesOut: number
}

/** The tallies of a device that has counted nothing yet: one shared, frozen object. */
const NOTHING: Readonly<Record<string, number>> = Object.freeze({})

export type TallyField = 'failures' | 'disconnectReasons' | 'faults' | 'triggers' | 'channelRefusals'

export function newDeviceCounters(): DeviceCounters {
  return {
    attempts: 0,
    connects: 0,
    disconnects: 0,
    failures: NOTHING,
    disconnectReasons: NOTHING,
    faults: NOTHING,
    triggers: NOTHING,
    gaveUp: 0,
    keepalivesSent: 0,
    keepalivesAnswered: 0,
    keepalivesSkipped: 0,
    versionEchoes: 0,
    portsRefused: 0,
    channelsOpened: 0,
    channelRefusals: NOTHING,
    ignoredMessages: 0,
    apfBytesSent: 0,
    apfBytesReceived: 0,
    channelBytesIn: 0,
    channelBytesOut: 0,
  }
}

/** Count one `key` in a tally, giving the device its own tally object on its first count. */
export function bump<F extends TallyField>(counters: DeviceCounters, field: F, key: keyof DeviceCounters[F] & string): void {
  const tally = counters[field] as Record<string, number>
  if (tally === NOTHING) (counters[field] as Record<string, number>) = { [key]: 1 }
  else tally[key] = (tally[key] ?? 0) + 1
}
