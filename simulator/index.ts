/**
 * The simulator as a library: conformance and bench create fleets and single devices in-process,
 * watch them (connected, channels, bytes, counters, integrity) and poke them ("device 17 presses
 * Fast Call for Help", "reset device 3's connection").
 *
 *   const fleet = createFleet({ gateway: { host: '127.0.0.1', port }, devices: 100, transport: { mode: 'plain' } })
 *   await fleet.start()
 *   await fleet.trigger(17, 'user')
 *   const summary = await fleet.stop()
 */

import { SimulatedDevice } from './device/device.js'
import type { Endpoint } from './device/policy.js'
import type { ServiceTable } from './device/services.js'
import type { TransportOptions } from './device/tls.js'
import { SimulatorEnvironment } from './environment.js'
import type { AmtAccount } from './identity.js'
import type { SimLogger } from './log.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS, DEFAULT_SEED, deviceConfigFactory, type RunSettings } from './fleet/device-config.js'
import { LocalFleet } from './fleet/local-fleet.js'
import { ProcessFleet } from './fleet/process-fleet.js'
import { DEFAULT_PROFILE, parseProfile, type FleetProfile } from './fleet/profile.js'
import type { ServiceModule } from './fleet/service-modules.js'
import { SimulatorError } from './errors.js'
import { ErrorCode } from '../protocol/errors.js'

export { SimulatedDevice, type DeviceState } from './device/device.js'
export type { DeviceConfig, DeviceEnvironment, DeviceFirmware } from './device/config.js'
export { snapshotDevice, type DeviceSnapshot, type ChannelSnapshot } from './device/snapshot.js'
export type { DeviceCounters } from './device/counters.js'
export type { DeviceChannel } from './device/channel.js'
export { POLICY_KINDS, TRIGGER_OF, type Endpoint, type GatewayPair, type PolicyKind } from './device/policy.js'
export { defaultServices, WSMAN_PORT, REDIRECTION_PORT, type ServiceTable } from './device/services.js'
export type { TransportOptions } from './device/tls.js'
export { generateIdentity, DEFAULT_IDENTITY_MIX, type IdentityMix } from './device/identity-gen.js'
export { SimulatorEnvironment, type EnvironmentOptions } from './environment.js'
export { FAULT_KINDS, type FaultKind, type FaultSpec } from './faults.js'
export type { LinkProfile } from './link.js'
export { FAILURE_REASONS, DISCONNECT_REASONS, type FailureReason, type DisconnectReason } from './reasons.js'
export { LocalFleet } from './fleet/local-fleet.js'
export { ProcessFleet } from './fleet/process-fleet.js'
export type { Fleet } from './fleet/fleet.js'
export { DEFAULT_PROFILE, parseProfile, loadProfile, type FleetProfile } from './fleet/profile.js'
export { judge, mergeSnapshots, formatSummary, type FleetSnapshot, type Verdict } from './fleet/summary.js'
export type { RunSettings } from './fleet/device-config.js'
export type { ServiceModule } from './fleet/service-modules.js'

export interface CommonOptions {
  readonly gateway: Endpoint
  readonly alternativeGateway?: Endpoint
  readonly transport: TransportOptions
  /** A FleetProfile, or profile JSON (validated). Default: DEFAULT_PROFILE. */
  readonly profile?: FleetProfile | unknown
  readonly seed?: string
  readonly credentials?: { readonly username: string; readonly password: string }
  readonly account?: AmtAccount
  readonly sourceIps?: readonly string[]
}

function runSettings(o: CommonOptions): RunSettings {
  return {
    seed: o.seed ?? DEFAULT_SEED,
    gateways: { primary: o.gateway, alternative: o.alternativeGateway ?? null },
    credentials: o.credentials ?? DEFAULT_GATEWAY_CREDENTIALS,
    account: o.account ?? DEFAULT_AMT_ACCOUNT,
    sourceIps: o.sourceIps ?? [],
  }
}

/** A FleetProfile is itself valid profile JSON, so one parse covers both forms. */
function profileOf(o: CommonOptions): FleetProfile {
  return o.profile === undefined ? DEFAULT_PROFILE : parseProfile(o.profile)
}

export interface CreateFleetOptions extends CommonOptions {
  readonly devices: number
  /** Devices started per second (default 0: all at once). */
  readonly rampPerSecond?: number
  /** Worker processes; 0 (default) keeps every device in this process. */
  readonly workers?: number
  /** Devices connecting at once per process (default 256; 0: no cap). */
  readonly maxConnecting?: number
  /** Port → service, in-process fleets only (default: WS-MAN on 16992, redirection on 16994). */
  readonly services?: ServiceTable
  /**
   * Services beyond WS-MAN and redirection for worker fleets, named by module (functions do not
   * cross processes); workers serve the same port table as an in-process fleet plus these.
   */
  readonly serviceModules?: readonly ServiceModule[]
  readonly logger?: SimLogger
}

/** A fleet in this process (workers 0: devices reachable with `device(i)`) or over worker processes. */
export function createFleet(options: CreateFleetOptions & { readonly workers?: 0 }): LocalFleet
export function createFleet(options: CreateFleetOptions): LocalFleet | ProcessFleet
export function createFleet(options: CreateFleetOptions): LocalFleet | ProcessFleet {
  const common = { profile: profileOf(options), run: runSettings(options), transport: options.transport, rampPerSecond: options.rampPerSecond ?? 0 }
  if ((options.workers ?? 0) === 0) {
    if (options.serviceModules !== undefined && options.serviceModules.length > 0) {
      throw new SimulatorError(ErrorCode.SIM_ERR_WORKER, 'serviceModules are for worker fleets; an in-process fleet takes its extra services as `services`')
    }
    return new LocalFleet({
      ...common,
      count: options.devices,
      ...(options.maxConnecting === undefined ? {} : { maxConnecting: options.maxConnecting }),
      ...(options.services === undefined ? {} : { services: options.services }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    })
  }
  if (options.services !== undefined) {
    throw new SimulatorError(ErrorCode.SIM_ERR_WORKER, 'a service table cannot reach worker processes: name extra services with serviceModules')
  }
  return new ProcessFleet({
    ...common,
    devices: options.devices,
    workers: options.workers ?? 1,
    ...(options.maxConnecting === undefined ? {} : { maxConnecting: options.maxConnecting }),
    ...(options.serviceModules === undefined ? {} : { serviceModules: options.serviceModules }),
  })
}

export interface CreateDeviceOptions extends CommonOptions {
  /** Which device of the (seeded) fleet this is (default 0). */
  readonly index?: number
  readonly services?: ServiceTable
  readonly logger?: SimLogger
  /** Resolution of its timers (default 50 ms). */
  readonly wheelTickMs?: number
}

export interface SingleDevice {
  readonly device: SimulatedDevice
  readonly environment: SimulatorEnvironment
  /** Stop the device (DISCONNECT) and release its timers. */
  close(): Promise<void>
}

/** One device with its own environment; call `device.start()` (periodic policy) or `device.trigger(...)`. */
export function createDevice(options: CreateDeviceOptions): SingleDevice {
  const environment = new SimulatorEnvironment({
    transport: options.transport,
    ...(options.services === undefined ? {} : { services: options.services }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.wheelTickMs === undefined ? {} : { wheelTickMs: options.wheelTickMs }),
  })
  const device = new SimulatedDevice(deviceConfigFactory(profileOf(options), runSettings(options))(options.index ?? 0), environment)
  return {
    device,
    environment,
    async close() {
      await device.stop()
      environment.close()
    },
  }
}
