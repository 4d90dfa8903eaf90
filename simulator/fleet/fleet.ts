/**
 * A fleet as callers see it, whether its devices live in this process (LocalFleet) or in worker
 * processes (ProcessFleet): start, watch, poke individual devices, stop with a final count.
 */

import type { DeviceState } from '../device/device.js'
import type { PolicyKind } from '../device/policy.js'
import type { FaultKind, FaultSpec } from '../faults.js'
import type { FleetSnapshot } from './summary.js'

/** The counts a progress line needs, cheap enough to read every few milliseconds. */
export interface FleetProgress {
  readonly devices: number
  readonly connected: number
  readonly everConnected: number
  readonly connects: number
  readonly states: Readonly<Record<DeviceState, number>>
}

export interface Fleet {
  start(): Promise<void>
  progress(): FleetProgress
  /** Counts as of now (for worker fleets: as of their last report, at most a second old). */
  snapshot(): FleetSnapshot
  /** Counts as of now, also from worker processes (one IPC round trip): read at measurement boundaries. */
  refresh(): Promise<FleetSnapshot>
  /** Fire a policy on device `index` ("device 17 presses Fast Call for Help"). */
  trigger(index: number, policy: PolicyKind): Promise<boolean>
  injectFault(index: number, kind: FaultKind, overrides?: Partial<FaultSpec>): Promise<boolean>
  stop(): Promise<FleetSnapshot>
}
