/**
 * What one device is configured with: the resolved, per-device form of the fleet profile and
 * the run's settings (fleet/device-config.ts builds it), and what it shares with every device of
 * its process (environment.ts).
 */

import type { AmtAccount, DeviceIdentity } from '../identity.js'
import type { FaultSpec } from '../faults.js'
import type { LinkProfile } from '../link.js'
import type { SimLogger } from '../log.js'
import type { ChannelService, ServiceOptions } from '../services/types.js'
import type { TimerWheel } from '../wheel.js'
import type { DeviceState, SimulatedDevice } from './device.js'
import type { GatewayPair, PolicyTiming, ReconnectTiming } from './policy.js'
import type { ConnectGate } from './connect-gate.js'
import type { SessionConfig } from './session-machine.js'
import type { DeviceTls, TlsCeiling } from './tls.js'

export interface DeviceFirmware {
  readonly keepaliveIntervalSeconds: number
  readonly honourKeepaliveOptions: boolean
  readonly forwardPorts: readonly number[]
  /** Initial window offered per channel (AMT: 32768; 499 seen too). */
  readonly receiveWindow: number
  readonly maxChannels: number
  /** AMT 12: refuse a gateway certificate without nsCertType. */
  readonly requireNsCertType: boolean
  /** Highest TLS version the firmware offers. [inferred] 1.2: gateways add TLS 1.2 RSA suites for AMT. */
  readonly tlsCeiling: TlsCeiling
  /** AMT 19: refuse to use a gateway password outside 8–16 characters (rps#2756). */
  readonly enforcePasswordRule: boolean
  readonly handshakeTimeoutMs: number
}

export interface DeviceConfig {
  readonly identity: DeviceIdentity
  readonly gateways: GatewayPair
  /** Gateway (MPS) credentials the device was provisioned with. */
  readonly credentials: { readonly username: string; readonly password: string }
  /** The AMT admin account consoles log in with. */
  readonly account: AmtAccount
  readonly firmware: DeviceFirmware
  readonly policies: PolicyTiming
  readonly reconnect: ReconnectTiming
  readonly link: LinkProfile
  readonly localAddress?: string
  readonly faults: readonly FaultSpec[]
  readonly serviceOptions: ServiceOptions
  readonly seed: string
}

export interface DeviceEnvironment {
  /** The process's wheel for keepalives, policies, retries and faults. */
  readonly wheel: TimerWheel
  /** A fine-grained wheel for link shaping. */
  readonly linkWheel: TimerWheel
  readonly tls: DeviceTls
  /** Port → service (16992 WS-MAN, 16994 redirection). */
  readonly services: ReadonlyMap<number, ChannelService>
  readonly logger: SimLogger
  /** Caps how many devices of the process are connecting at once (absent: no cap). */
  readonly connectGate?: ConnectGate
  /** Told when a tunnel comes up, with the time from TCP connect to ready. */
  readonly onConnected?: (device: SimulatedDevice, connectMs: number) => void
  /** Told on every state change, so a fleet can keep live counts without walking its devices. */
  readonly onStateChange?: (device: SimulatedDevice, from: DeviceState, to: DeviceState) => void
}

/** What the APF session of one tunnel needs, for the policy that called home. */
export function sessionConfigFor(config: DeviceConfig, triggerReason: number, services: { has(port: number): boolean }): SessionConfig {
  const fw = config.firmware
  return {
    uuid: config.identity.uuid,
    triggerReason,
    username: config.credentials.username,
    password: config.credentials.password,
    fqdn: config.identity.fqdn,
    ports: fw.forwardPorts,
    servedPorts: services,
    keepaliveIntervalSeconds: fw.keepaliveIntervalSeconds,
    honourKeepaliveOptions: fw.honourKeepaliveOptions,
    maxChannels: fw.maxChannels,
    receiveWindow: fw.receiveWindow,
  }
}
