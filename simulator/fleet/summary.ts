/**
 * What a fleet reports: a snapshot of counts that sums across devices and across worker
 * processes (plain JSON, so it crosses IPC), the run's verdict, and the text forms of both.
 */

import type { DeviceState, SimulatedDevice } from '../device/device.js'
import { CHANNEL_REFUSALS, type ChannelRefusal } from '../device/counters.js'
import { POLICY_KINDS, type PolicyKind } from '../device/policy.js'
import { FAULT_KINDS, type FaultKind } from '../faults.js'
import { DISCONNECT_REASONS, emptyTally, FAILURE_REASONS, type DisconnectReason, type FailureReason, type Tally } from '../reasons.js'
import { newServiceCounters, type ServiceCounters } from '../services/types.js'
import { ConnectTimes, type ConnectTimesSummary } from './connect-times.js'

export const DEVICE_STATES: readonly DeviceState[] = ['new', 'idle', 'waiting', 'connecting', 'handshaking', 'connected', 'gave-up', 'refused', 'stopped']

export interface FleetSnapshot {
  readonly devices: number
  readonly connected: number
  /** Devices that reached a ready tunnel at least once. */
  readonly everConnected: number
  readonly states: Tally<DeviceState>
  readonly attempts: number
  readonly connects: number
  readonly disconnects: number
  readonly gaveUp: number
  readonly failures: Tally<FailureReason>
  readonly disconnectReasons: Tally<DisconnectReason>
  readonly faults: Tally<FaultKind>
  readonly triggers: Tally<PolicyKind>
  readonly channelsOpened: number
  readonly channelRefusals: Tally<ChannelRefusal>
  readonly portsRefused: number
  readonly keepalives: { readonly sent: number; readonly answered: number; readonly skipped: number }
  readonly versionEchoes: number
  readonly bytes: { readonly apfSent: number; readonly apfReceived: number; readonly channelIn: number; readonly channelOut: number }
  readonly services: ServiceCounters
  /** Time from TCP connect to a ready tunnel, ms (bucketed so it merges across processes). */
  readonly connectMs: { readonly buckets: Readonly<Record<string, number>> } & ConnectTimesSummary
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] }

export function emptySnapshot(): Mutable<FleetSnapshot> {
  return {
    devices: 0,
    connected: 0,
    everConnected: 0,
    states: emptyTally(DEVICE_STATES),
    attempts: 0,
    connects: 0,
    disconnects: 0,
    gaveUp: 0,
    failures: emptyTally(FAILURE_REASONS),
    disconnectReasons: emptyTally(DISCONNECT_REASONS),
    faults: emptyTally(FAULT_KINDS),
    triggers: emptyTally(POLICY_KINDS),
    channelsOpened: 0,
    channelRefusals: emptyTally(CHANNEL_REFUSALS),
    portsRefused: 0,
    keepalives: { sent: 0, answered: 0, skipped: 0 },
    versionEchoes: 0,
    bytes: { apfSent: 0, apfReceived: 0, channelIn: 0, channelOut: 0 },
    services: newServiceCounters(),
    connectMs: { buckets: {}, ...new ConnectTimes().summary() },
  }
}

function addTally<K extends string>(into: Record<K, number>, from: Partial<Record<K, number>>): void {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v
}

/** Count a process's devices. */
export function snapshotDevices(devices: Iterable<SimulatedDevice>, times: ConnectTimes): FleetSnapshot {
  const s = emptySnapshot()
  for (const d of devices) {
    const c = d.counters
    s.devices++
    s.states[d.state]++
    if (d.state === 'connected') s.connected++
    if (c.connects > 0) s.everConnected++
    s.attempts += c.attempts
    s.connects += c.connects
    s.disconnects += c.disconnects
    s.gaveUp += c.gaveUp
    addTally(s.failures, c.failures)
    addTally(s.disconnectReasons, c.disconnectReasons)
    addTally(s.faults, c.faults)
    addTally(s.triggers, c.triggers)
    addTally(s.channelRefusals, c.channelRefusals)
    s.channelsOpened += c.channelsOpened
    s.portsRefused += c.portsRefused
    s.keepalives.sent += c.keepalivesSent
    s.keepalives.answered += c.keepalivesAnswered
    s.keepalives.skipped += c.keepalivesSkipped
    s.versionEchoes += c.versionEchoes
    s.bytes.apfSent += c.apfBytesSent
    s.bytes.apfReceived += c.apfBytesReceived
    s.bytes.channelIn += c.channelBytesIn
    s.bytes.channelOut += c.channelBytesOut
    if (c.channelsOpened > 0) addTally(s.services as unknown as Record<string, number>, d.serviceCounters as unknown as Record<string, number>)
  }
  s.connectMs = { buckets: times.toJSON(), ...times.summary() }
  return s
}

/** Sum snapshots from several processes. */
export function mergeSnapshots(parts: readonly FleetSnapshot[]): FleetSnapshot {
  const s = emptySnapshot()
  const times = new ConnectTimes()
  for (const p of parts) {
    s.devices += p.devices
    s.connected += p.connected
    s.everConnected += p.everConnected
    addTally(s.states, p.states)
    s.attempts += p.attempts
    s.connects += p.connects
    s.disconnects += p.disconnects
    s.gaveUp += p.gaveUp
    addTally(s.failures, p.failures)
    addTally(s.disconnectReasons, p.disconnectReasons)
    addTally(s.faults, p.faults)
    addTally(s.triggers, p.triggers)
    addTally(s.channelRefusals, p.channelRefusals)
    s.channelsOpened += p.channelsOpened
    s.portsRefused += p.portsRefused
    addTally(s.keepalives, p.keepalives)
    s.versionEchoes += p.versionEchoes
    addTally(s.bytes, p.bytes)
    addTally(s.services as unknown as Record<string, number>, p.services as unknown as Record<string, number>)
    times.merge(p.connectMs.buckets)
  }
  s.connectMs = { buckets: times.toJSON(), ...times.summary() }
  return s
}

export interface Verdict {
  readonly ok: boolean
  readonly problems: readonly string[]
}

/** The run's own success criteria: every device connected at least once, no integrity failure. */
export function judge(s: FleetSnapshot): Verdict {
  const problems: string[] = []
  if (s.everConnected < s.devices) problems.push(`${s.devices - s.everConnected} of ${s.devices} devices never connected`)
  if (s.services.iderIntegrityFailures > 0) problems.push(`${s.services.iderIntegrityFailures} IDE-R integrity failures`)
  return { ok: problems.length === 0, problems }
}

function nonZero(tally: Readonly<Record<string, number>>): string {
  const parts = Object.entries(tally)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
  return parts.length === 0 ? 'none' : parts.join(', ')
}

/** One progress line for stderr. */
export function formatProgress(s: FleetSnapshot, elapsedSeconds: number, connectsPerSecond: number): string {
  const failures = nonZero(s.failures)
  return `[${elapsedSeconds.toFixed(1).padStart(6)} s] connected ${s.connected}/${s.devices}, ${connectsPerSecond.toFixed(0)} connects/s, attempts ${s.attempts}, failures: ${failures}`
}

export function formatSummary(s: FleetSnapshot, verdict: Verdict, elapsedSeconds: number): string {
  const t = s.connectMs
  const lines = [
    `simulate: ${verdict.ok ? 'OK' : 'FAILED'} after ${elapsedSeconds.toFixed(1)} s`,
    `  devices            ${s.devices} (connected now ${s.connected}, ever ${s.everConnected})`,
    `  states             ${nonZero(s.states)}`,
    `  attempts           ${s.attempts}, tunnels ${s.connects}, disconnects ${s.disconnects}, gave up ${s.gaveUp}`,
    `  connect time (ms)  p50 ${t.p50} p95 ${t.p95} p99 ${t.p99} max ${t.max} (n ${t.count})`,
    `  failures           ${nonZero(s.failures)}`,
    `  disconnects        ${nonZero(s.disconnectReasons)}`,
    `  faults             ${nonZero(s.faults)}`,
    `  triggers           ${nonZero(s.triggers)}`,
    `  channels           opened ${s.channelsOpened}, refused: ${nonZero(s.channelRefusals)}; forwards refused ${s.portsRefused}`,
    `  keepalives         sent ${s.keepalives.sent}, answered ${s.keepalives.answered}, skipped ${s.keepalives.skipped}`,
    `  bytes              APF out ${s.bytes.apfSent}, in ${s.bytes.apfReceived}; channel out ${s.bytes.channelOut}, in ${s.bytes.channelIn}`,
    `  services           ${nonZero(s.services as unknown as Record<string, number>)}`,
    ...verdict.problems.map((p) => `  problem            ${p}`),
  ]
  return `${lines.join('\n')}\n`
}
