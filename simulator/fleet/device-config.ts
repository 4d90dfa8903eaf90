/**
 * From a fleet profile and the run's settings to one device's configuration: identity and every
 * per-device roll (keepalive interval, whether it honours KEEPALIVE_OPTIONS) come from the seed
 * and the index only, so any worker process builds the same device N.
 */

import type { AmtAccount } from '../identity.js'
import { amtMajor } from '../identity.js'
import type { DeviceConfig } from '../device/config.js'
import { generateIdentity } from '../device/identity-gen.js'
import type { GatewayPair } from '../device/policy.js'
import { deviceRandom, pickWeighted } from '../device/rng.js'
import type { FleetProfile } from './profile.js'

/** What the command line (or a library caller) sets for the whole run. */
export interface RunSettings {
  readonly seed: string
  readonly gateways: GatewayPair
  /** Gateway (MPS) credentials, --user / --password. */
  readonly credentials: { readonly username: string; readonly password: string }
  /** AMT admin account consoles use, --amt-user / --amt-password. */
  readonly account: AmtAccount
  /** Source addresses, used round-robin by device index (--source-ips). */
  readonly sourceIps: readonly string[]
}

export const DEFAULT_GATEWAY_CREDENTIALS = Object.freeze({ username: 'admin', password: 'P@ssw0rd' })
export const DEFAULT_AMT_ACCOUNT: AmtAccount = Object.freeze({ user: 'admin', password: 'P@ssw0rd' })
export const DEFAULT_SEED = 'ciralab'

/**
 * A maker of device configurations for one run. The parts every device shares (policies,
 * reconnect timing, service options) are built once, so 10,000 devices hold one copy.
 */
export function deviceConfigFactory(profile: FleetProfile, run: RunSettings): (index: number) => DeviceConfig {
  const p = profile.policies
  const policies: DeviceConfig['policies'] = Object.freeze({
    periodicIntervalMs: p.periodic.enabled ? p.periodic.intervalSeconds * 1000 : null,
    tunnelLifetimeMs: Object.freeze({
      periodic: p.periodic.tunnelLifetimeSeconds * 1000,
      user: p.user.tunnelLifetimeSeconds * 1000,
      alert: p.alert.tunnelLifetimeSeconds * 1000,
    }),
  })
  const reconnect: DeviceConfig['reconnect'] = Object.freeze({
    retryDelayMs: profile.reconnect.retryDelaySeconds * 1000,
    backoffMs: profile.reconnect.backoffSeconds * 1000,
    giveUpAfterMs: profile.reconnect.giveUpAfterSeconds * 1000,
  })
  const serviceOptions: DeviceConfig['serviceOptions'] = Object.freeze({
    solMode: profile.services.solMode,
    solStreamBytesPerSecond: profile.services.solStreamBytesPerSecond,
    kvmIdleTimeoutMs: profile.services.kvmIdleTimeoutSeconds * 1000,
    iderExpectedImage: profile.services.iderExpectedImage,
  })
  const fw = profile.firmware
  // Devices differ in a few firmware rolls only: one shared object per combination.
  const firmwares = new Map<string, DeviceConfig['firmware']>()
  const firmwareOf = (keepalive: number, honour: boolean, requireNsCertType: boolean): DeviceConfig['firmware'] => {
    const key = `${keepalive}/${honour}/${requireNsCertType}`
    let shared = firmwares.get(key)
    if (shared === undefined) {
      shared = Object.freeze({
        keepaliveIntervalSeconds: keepalive,
        honourKeepaliveOptions: honour,
        forwardPorts: fw.forwardPorts,
        receiveWindow: fw.initialWindow,
        maxChannels: fw.maxChannels,
        requireNsCertType,
        enforcePasswordRule: fw.amt19PasswordRule,
        tlsCeiling: fw.maxTlsVersion,
        handshakeTimeoutMs: fw.handshakeTimeoutSeconds * 1000,
      })
      firmwares.set(key, shared)
    }
    return shared
  }
  return (index) => {
    const identity = generateIdentity(run.seed, index, profile.identity)
    const roll = deviceRandom(run.seed, 'firmware', index)
    const keepalive = Number(pickWeighted(fw.keepaliveSeconds, roll))
    const honour = roll() < fw.honourKeepaliveOptions
    const localAddress = run.sourceIps.length === 0 ? undefined : run.sourceIps[index % run.sourceIps.length]
    return {
      identity,
      gateways: run.gateways,
      credentials: run.credentials,
      account: run.account,
      firmware: firmwareOf(keepalive, honour, fw.amt12RequiresNsCertType && amtMajor(identity) === 12),
      policies,
      reconnect,
      link: profile.link,
      ...(localAddress === undefined ? {} : { localAddress }),
      faults: profile.faults,
      serviceOptions,
      seed: run.seed,
    }
  }
}

export function resolveDeviceConfig(profile: FleetProfile, run: RunSettings, index: number): DeviceConfig {
  return deviceConfigFactory(profile, run)(index)
}
