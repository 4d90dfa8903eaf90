/**
 * Who a simulated device is. The fleet makes these deterministically from `--seed` and the
 * device's index (see fleet code); services read them to answer consoles.
 */

export type ProvisioningMode = 'ACM' | 'CCM'

/** IPS_OptInService.OptInRequired: 0 none, 1 KVM only, 0xFFFFFFFF all redirection and boot. */
export type ConsentPolicy = 0 | 1 | 0xffffffff

export interface DeviceIdentity {
  /** Position in the fleet, from 0. */
  readonly index: number
  /** Canonical lower-case UUID (as PROTOCOLVERSION carries it, mixed-endian on the wire). */
  readonly uuid: string
  /** e.g. dev-000123.fleet.test; sent as the tcpip-forward address. */
  readonly fqdn: string
  /** Firmware version as AMT reports it in the Server header, e.g. "16.1.25". */
  readonly amtVersion: string
  /** Build number, e.g. "2049" (CIM_SoftwareIdentity "Build Number"). */
  readonly amtBuild: string
  readonly provisioningMode: ProvisioningMode
  /** `Digest:` + 32 upper-case hex digits; also AMT_GeneralSettings.DigestRealm. */
  readonly digestRealm: string
  /** CIM PowerState at start: 2 on, 8 off (soft). */
  readonly initialPowerState: number
  readonly consentPolicy: ConsentPolicy
}

/** The AMT admin account consoles use (WS-MAN Digest and redirection auth), one per fleet. */
export interface AmtAccount {
  readonly user: string
  readonly password: string
}

/** Major version as a number: "11.8.50" → 11. */
export function amtMajor(identity: DeviceIdentity): number {
  return Number.parseInt(identity.amtVersion, 10)
}
