/**
 * A slice of the fleet in this process: devices [firstIndex, firstIndex + count), started at
 * the ramp rate, sharing one environment (wheel, TLS context, services). The worker processes
 * of a large fleet each run one of these.
 */

import { SimulatedDevice } from '../device/device.js'
import type { ServiceTable } from '../device/services.js'
import type { PolicyKind } from '../device/policy.js'
import type { TransportOptions } from '../device/tls.js'
import { SimulatorEnvironment } from '../environment.js'
import type { FaultKind, FaultSpec } from '../faults.js'
import type { SimLogger } from '../log.js'
import type { WheelEntry } from '../wheel.js'
import { ConnectTimes } from './connect-times.js'
import { deviceConfigFactory, type RunSettings } from './device-config.js'
import type { Fleet, FleetProgress } from './fleet.js'
import type { FleetProfile } from './profile.js'
import { DEVICE_STATES, snapshotDevices, type FleetSnapshot } from './summary.js'
import { emptyTally } from '../reasons.js'
import type { DeviceState } from '../device/device.js'

export interface LocalFleetOptions {
  readonly profile: FleetProfile
  readonly run: RunSettings
  readonly transport: TransportOptions
  /** Index of the first device (worker slices of one fleet). */
  readonly firstIndex?: number
  readonly count: number
  /** Devices started per second; 0 = all at once. */
  readonly rampPerSecond: number
  readonly services?: ServiceTable
  readonly logger?: SimLogger
  readonly wheelTickMs?: number
  /** Devices connecting at once in this process (default 256; 0: no cap). */
  readonly maxConnecting?: number
}

const RAMP_STEP_MS = 20
export const DEFAULT_MAX_CONNECTING = 256

export class LocalFleet implements Fleet {
  readonly devices: SimulatedDevice[] = []
  readonly firstIndex: number
  private readonly env: SimulatorEnvironment
  private readonly times = new ConnectTimes()
  private readonly states: Record<DeviceState, number>
  private everConnected = 0
  private connects = 0
  private readonly rampPerSecond: number
  private rampEntry: WheelEntry<LocalFleet> | null = null
  private rampStartedAt = 0
  private started = 0
  private stopped = false

  constructor(options: LocalFleetOptions) {
    this.firstIndex = options.firstIndex ?? 0
    this.rampPerSecond = options.rampPerSecond
    this.env = new SimulatorEnvironment({
      transport: options.transport,
      ...(options.services === undefined ? {} : { services: options.services }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.wheelTickMs === undefined ? {} : { wheelTickMs: options.wheelTickMs }),
      onConnected: (device, ms) => {
        this.times.record(ms)
        this.connects++
        if (device.counters.connects === 1) this.everConnected++
      },
      onStateChange: (_device, from, to) => {
        this.states[from]--
        this.states[to]++
      },
      maxConnecting: options.maxConnecting ?? DEFAULT_MAX_CONNECTING,
    })
    this.states = { ...emptyTally(DEVICE_STATES), new: options.count }
    const make = deviceConfigFactory(options.profile, options.run)
    for (let i = 0; i < options.count; i++) this.devices.push(new SimulatedDevice(make(this.firstIndex + i), this.env))
  }

  /** Begin the ramp. Resolves at once; devices start over the next count/ramp seconds. */
  start(): Promise<void> {
    if (this.rampEntry !== null || this.stopped) return Promise.resolve()
    this.rampStartedAt = this.env.wheel.now()
    this.rampEntry = this.env.wheel.schedule<LocalFleet>(0, rampStep, this)
    return Promise.resolve()
  }

  /** The ramp's tick: start every device whose turn has come. */
  rampTick(): void {
    if (this.stopped) return
    const due =
      this.rampPerSecond <= 0
        ? this.devices.length
        : Math.min(this.devices.length, Math.floor(((this.env.wheel.now() - this.rampStartedAt) / 1000) * this.rampPerSecond) + 1)
    while (this.started < due) (this.devices[this.started++] as SimulatedDevice).start()
    if (this.started < this.devices.length && this.rampEntry !== null) this.env.wheel.reschedule(this.rampEntry, RAMP_STEP_MS)
  }

  /** Device by its fleet-wide index, when it lives in this process. */
  device(index: number): SimulatedDevice | undefined {
    return this.devices[index - this.firstIndex]
  }

  progress(): FleetProgress {
    return { devices: this.devices.length, connected: this.states.connected, everConnected: this.everConnected, connects: this.connects, states: { ...this.states } }
  }

  snapshot(): FleetSnapshot {
    return snapshotDevices(this.devices, this.times)
  }

  refresh(): Promise<FleetSnapshot> {
    return Promise.resolve(this.snapshot())
  }

  trigger(index: number, policy: PolicyKind): Promise<boolean> {
    return Promise.resolve(this.device(index)?.trigger(policy) ?? false)
  }

  injectFault(index: number, kind: FaultKind, overrides: Partial<FaultSpec> = {}): Promise<boolean> {
    return Promise.resolve(this.device(index)?.injectFault(kind, overrides) ?? false)
  }

  /** Stop every device (DISCONNECT to the gateway), then the timers. Resolves with the final counts. */
  async stop(): Promise<FleetSnapshot> {
    this.stopped = true
    if (this.rampEntry !== null) this.env.wheel.cancel(this.rampEntry)
    await Promise.all(this.devices.map((d) => d.stop()))
    const snapshot = this.snapshot()
    this.env.close()
    return snapshot
  }
}

function rampStep(fleet: LocalFleet): void {
  fleet.rampTick()
}
