/**
 * A fleet as callers see it, whether its devices live in this process (LocalFleet) or in worker
 * processes (ProcessFleet): start, watch, poke individual devices, stop with a final count.
 */

import type { PolicyKind } from '../device/policy.js'
import type { FaultKind, FaultSpec } from '../faults.js'
import type { FleetSnapshot } from './summary.js'

export interface Fleet {
  start(): Promise<void>
  /** Counts as of now (for worker fleets: as of their last report, at most a second old). */
  snapshot(): FleetSnapshot
  /** Fire a policy on device `index` ("device 17 presses Fast Call for Help"). */
  trigger(index: number, policy: PolicyKind): Promise<boolean>
  injectFault(index: number, kind: FaultKind, overrides?: Partial<FaultSpec>): Promise<boolean>
  stop(): Promise<FleetSnapshot>
}
