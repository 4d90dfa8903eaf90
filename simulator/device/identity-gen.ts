/**
 * Who device N is, derived only from the seed and N: UUID, FQDN, firmware version, provisioning
 * mode, digest realm, power state and consent policy. Defaults (documented in `ciralab simulate
 * --help` and the README) give a plausible mixed fleet; a profile can change every mix.
 */

import type { ConsentPolicy, DeviceIdentity, ProvisioningMode } from '../identity.js'
import { deriveBytes, deviceRandom, pickWeighted } from './rng.js'

export type ConsentChoice = 'none' | 'kvm' | 'all'
export type PowerChoice = 'on' | 'off'

export interface IdentityMix {
  /** FQDNs are `dev-000123.<domain>`. */
  readonly domain: string
  /** Firmware versions ("M.m" or "M.m.p", major 11 to 19) by weight. */
  readonly versions: Readonly<Record<string, number>>
  readonly modes: Readonly<Record<ProvisioningMode, number>>
  readonly consent: Readonly<Record<ConsentChoice, number>>
  readonly power: Readonly<Record<PowerChoice, number>>
  /** Fraction of devices that carry the previous device's UUID (cloned SMBIOS data). */
  readonly sharedUuidFraction: number
  /** Fraction of devices whose SMBIOS UUID is all zeros (a blank board). */
  readonly blankUuidFraction: number
}

export const DEFAULT_IDENTITY_MIX: IdentityMix = Object.freeze({
  domain: 'fleet.test',
  versions: Object.freeze({ '11.8': 5, '12.0': 10, '14.1': 10, '15.0': 15, '16.1': 25, '18.1': 20, '19.0': 15 }),
  modes: Object.freeze({ ACM: 7, CCM: 3 }),
  consent: Object.freeze({ none: 5, kvm: 3, all: 2 }),
  power: Object.freeze({ on: 9, off: 1 }),
  sharedUuidFraction: 0,
  blankUuidFraction: 0,
})

/**
 * Representative patch level and build per "major.minor" (the shape of what AMT reports in
 * CIM_SoftwareIdentity; not a catalogue of shipped firmware). Other versions get patch 0 and a
 * build derived from the version.
 */
const KNOWN_BUILDS: Readonly<Record<string, readonly [patch: string, build: string]>> = {
  '11.8': ['92', '3744'],
  '12.0': ['93', '1503'],
  '14.1': ['72', '2330'],
  '15.0': ['50', '2579'],
  '16.1': ['30', '2049'],
  '18.1': ['10', '2050'],
  '19.0': ['5', '2001'],
}

export const BLANK_UUID = '00000000-0000-0000-0000-000000000000'

const CONSENT_VALUES: Readonly<Record<ConsentChoice, ConsentPolicy>> = { none: 0, kvm: 1, all: 0xffffffff }

/**
 * One flat string: a template literal makes a tree of string pieces (V8 cons strings) that a
 * device would hold for its whole life; 10,000 devices hold a few of these each.
 */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1')
}

/** `dev-000123.fleet.test` */
export function fleetFqdn(index: number, domain: string): string {
  return flat(`dev-${String(index).padStart(6, '0')}.${domain}`)
}

/** A random-looking (version 4) UUID that depends only on seed and index. */
export function fleetUuid(seed: string, index: number): string {
  const b = deriveBytes(seed, 'uuid', index).subarray(0, 16)
  b[6] = ((b[6] as number) & 0x0f) | 0x40
  b[8] = ((b[8] as number) & 0x3f) | 0x80
  const h = b.toString('hex')
  return flat(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`)
}

/** "16.1" → ["16.1.30", "2049"]; "16.1.7" → ["16.1.7", build of 16.1]. */
export function resolveVersion(version: string): { readonly amtVersion: string; readonly amtBuild: string } {
  const [major = '0', minor = '0', patch] = version.split('.')
  const known = KNOWN_BUILDS[`${major}.${minor}`]
  const build = known?.[1] ?? String(1000 + Number(major) * 10 + Number(minor))
  return { amtVersion: flat(`${major}.${minor}.${patch ?? known?.[0] ?? '0'}`), amtBuild: build }
}

export function generateIdentity(seed: string, index: number, mix: IdentityMix = DEFAULT_IDENTITY_MIX): DeviceIdentity {
  const random = deviceRandom(seed, 'identity', index)
  const { amtVersion, amtBuild } = resolveVersion(pickWeighted(mix.versions, random))
  const provisioningMode = pickWeighted(mix.modes, random)
  const consentChoice = pickWeighted(mix.consent, random)
  const power = pickWeighted(mix.power, random)
  const uuidRoll = random()
  let uuid = fleetUuid(seed, index)
  if (uuidRoll < mix.blankUuidFraction) uuid = BLANK_UUID
  else if (index > 0 && uuidRoll < mix.blankUuidFraction + mix.sharedUuidFraction) uuid = fleetUuid(seed, index - 1)
  return Object.freeze({
    index,
    uuid,
    fqdn: fleetFqdn(index, mix.domain),
    amtVersion,
    amtBuild,
    provisioningMode,
    digestRealm: flat(`Digest:${deriveBytes(seed, 'realm', index).subarray(0, 16).toString('hex').toUpperCase()}`),
    initialPowerState: power === 'on' ? 2 : 8,
    // Client Control Mode always asks the user before redirection or a remote boot.
    consentPolicy: provisioningMode === 'CCM' ? CONSENT_VALUES.all : CONSENT_VALUES[consentChoice],
  })
}
