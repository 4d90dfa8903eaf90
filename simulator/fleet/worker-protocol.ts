/**
 * Messages between `ciralab simulate` and its worker processes (node IPC, JSON). A worker runs
 * one LocalFleet slice and reports its snapshot every `reportIntervalMs`.
 */

import type { PolicyKind } from '../device/policy.js'
import type { TransportOptions } from '../device/tls.js'
import type { FaultKind, FaultSpec } from '../faults.js'
import type { RunSettings } from './device-config.js'
import type { FleetProfile } from './profile.js'
import type { ServiceModule } from './service-modules.js'
import type { FleetSnapshot } from './summary.js'

export interface WorkerStart {
  readonly profile: FleetProfile
  readonly run: RunSettings
  readonly transport: TransportOptions
  readonly firstIndex: number
  readonly count: number
  readonly rampPerSecond: number
  readonly reportIntervalMs: number
  readonly wheelTickMs?: number
  readonly maxConnecting?: number
  /** Services beyond WS-MAN and redirection, imported by the worker. */
  readonly serviceModules?: readonly ServiceModule[]
}

export type ToWorker =
  | { readonly type: 'start'; readonly options: WorkerStart }
  | { readonly type: 'trigger'; readonly id: number; readonly index: number; readonly policy: PolicyKind }
  | { readonly type: 'fault'; readonly id: number; readonly index: number; readonly kind: FaultKind; readonly overrides: Partial<FaultSpec> }
  /** Report a snapshot now, tagged with `id` (counts at a measurement boundary). */
  | { readonly type: 'snapshot-now'; readonly id: number }
  | { readonly type: 'stop' }

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'snapshot'; readonly snapshot: FleetSnapshot; readonly id?: number }
  | { readonly type: 'reply'; readonly id: number; readonly value: boolean }
  | { readonly type: 'stopped'; readonly snapshot: FleetSnapshot }
  | { readonly type: 'error'; readonly message: string }
