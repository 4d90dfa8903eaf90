/**
 * The fleet profile: a JSON file (`--profile`) that sets the fleet's mix and firmware knobs.
 * Every section and field is optional; what is left out keeps the documented default. The file
 * is validated once, every problem reported together with the field's path, then frozen.
 */

import { readFileSync } from 'node:fs'
import { CiralabError, ErrorCode } from '../../protocol/errors.js'
import { FIRMWARE_FORWARD_ORDER } from '../../protocol/apf/index.js'
import { DEFAULT_IDENTITY_MIX, type IdentityMix } from '../device/identity-gen.js'
import { FAULT_KINDS, type FaultSpec } from '../faults.js'
import type { LinkProfile } from '../link.js'
import { Checker } from './checker.js'

export interface FirmwareMix {
  /** Keepalive interval in seconds → weight (firmware: 30, 60 or 90). */
  readonly keepaliveSeconds: Readonly<Record<string, number>>
  /** Fraction of devices that adopt the interval a KEEPALIVE_OPTIONS_REQUEST asks for. */
  readonly honourKeepaliveOptions: number
  readonly forwardPorts: readonly number[]
  /** Channel window the device offers (real firmware: 32768; 499 seen too). */
  readonly initialWindow: number
  /** Concurrent channels before RESOURCE_SHORTAGE. [inferred] 16 */
  readonly maxChannels: number
  readonly amt12RequiresNsCertType: boolean
  readonly amt19PasswordRule: boolean
  readonly handshakeTimeoutSeconds: number
  /** Highest TLS version devices offer: "1.2" (default) or "1.3". */
  readonly maxTlsVersion: '1.2' | '1.3'
}

export interface PolicyProfile {
  readonly periodic: { readonly enabled: boolean; readonly intervalSeconds: number; readonly tunnelLifetimeSeconds: number }
  readonly user: { readonly tunnelLifetimeSeconds: number }
  readonly alert: { readonly tunnelLifetimeSeconds: number }
}

export interface ReconnectProfile {
  readonly retryDelaySeconds: number
  readonly backoffSeconds: number
  readonly giveUpAfterSeconds: number
}

export interface ServiceProfile {
  readonly solMode: 'interactive' | 'stream'
  readonly solStreamBytesPerSecond: number
  readonly kvmIdleTimeoutSeconds: number
  readonly iderExpectedImage: { readonly size: number; readonly sha256: string } | null
}

export interface FleetProfile {
  readonly identity: IdentityMix
  readonly firmware: FirmwareMix
  readonly policies: PolicyProfile
  readonly reconnect: ReconnectProfile
  readonly services: ServiceProfile
  readonly link: LinkProfile
  readonly faults: readonly FaultSpec[]
}

export const DEFAULT_PROFILE: FleetProfile = deepFreeze({
  identity: DEFAULT_IDENTITY_MIX,
  firmware: {
    keepaliveSeconds: { '30': 8, '60': 1, '90': 1 },
    honourKeepaliveOptions: 1,
    forwardPorts: [...FIRMWARE_FORWARD_ORDER],
    initialWindow: 32768,
    maxChannels: 16,
    amt12RequiresNsCertType: true,
    amt19PasswordRule: true,
    handshakeTimeoutSeconds: 60,
    // [inferred] No source shows AMT negotiating TLS 1.3; gateways add TLS 1.2 RSA suites for it.
    maxTlsVersion: '1.2',
  },
  policies: {
    // What RPS writes: periodic, tunnel lifetime 0 (stay open).
    periodic: { enabled: true, intervalSeconds: 25, tunnelLifetimeSeconds: 0 },
    user: { tunnelLifetimeSeconds: 0 },
    alert: { tunnelLifetimeSeconds: 300 },
  },
  reconnect: { retryDelaySeconds: 2, backoffSeconds: 900, giveUpAfterSeconds: 172_800 },
  services: { solMode: 'interactive', solStreamBytesPerSecond: 1200, kvmIdleTimeoutSeconds: 180, iderExpectedImage: null },
  link: { downlinkBytesPerSecond: 0, uplinkBytesPerSecond: 0, rttMs: 0, maxQueuedBytes: 256 * 1024 },
  faults: [],
})

/** Read and validate a profile file; throws CFG_ERR_INVALID naming every bad field. */
export function loadProfile(path: string): FleetProfile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `cannot read profile ${path}: ${(error as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `profile ${path} is not JSON: ${(error as Error).message}`)
  }
  return parseProfile(json, path)
}

export function parseProfile(json: unknown, source = 'profile'): FleetProfile {
  const c = new Checker()
  const root = c.object(json, '', ['identity', 'firmware', 'policies', 'reconnect', 'services', 'link', 'faults'])
  const d = DEFAULT_PROFILE
  const profile: FleetProfile = {
    identity: checkIdentity(c, root['identity'], d.identity),
    firmware: checkFirmware(c, root['firmware'], d.firmware),
    policies: checkPolicies(c, root['policies'], d.policies),
    reconnect: checkReconnect(c, root['reconnect'], d.reconnect),
    services: checkServices(c, root['services'], d.services),
    link: checkLink(c, root['link'], d.link),
    faults: root['faults'] === undefined ? d.faults : c.array(root['faults'], 'faults', (v, p) => checkFault(c, v, p)),
  }
  if (c.problems.length > 0) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `${source}: ${c.problems.join('; ')}`)
  return deepFreeze(profile)
}

function checkIdentity(c: Checker, value: unknown, d: IdentityMix): IdentityMix {
  const o = c.object(value, 'identity', ['domain', 'versions', 'modes', 'consent', 'power', 'sharedUuidFraction', 'blankUuidFraction'])
  const versions = c.weights(o['versions'], 'identity.versions', d.versions, (key) =>
    /^(1[1-9])\.\d+(\.\d+)?$/.test(key) ? null : 'must be a firmware version from 11.x to 19.x ("16.1" or "16.1.30")',
  )
  const shared = c.number(o['sharedUuidFraction'], 'identity.sharedUuidFraction', d.sharedUuidFraction, 0, 1)
  const blank = c.number(o['blankUuidFraction'], 'identity.blankUuidFraction', d.blankUuidFraction, 0, 1)
  if (shared + blank > 1) c.problem('identity', 'sharedUuidFraction + blankUuidFraction must not exceed 1')
  return {
    domain: c.string(o['domain'], 'identity.domain', d.domain, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/),
    versions,
    modes: c.weights(o['modes'], 'identity.modes', d.modes, (key) => (key === 'ACM' || key === 'CCM' ? null : 'must be ACM or CCM')),
    consent: c.weights(o['consent'], 'identity.consent', d.consent, (key) => (['none', 'kvm', 'all'].includes(key) ? null : 'must be none, kvm or all')),
    power: c.weights(o['power'], 'identity.power', d.power, (key) => (key === 'on' || key === 'off' ? null : 'must be on or off')),
    sharedUuidFraction: shared,
    blankUuidFraction: blank,
  } as IdentityMix
}

function checkFirmware(c: Checker, value: unknown, d: FirmwareMix): FirmwareMix {
  const p = 'firmware'
  const o = c.object(value, p, Object.keys(d))
  return {
    keepaliveSeconds: c.weights(o['keepaliveSeconds'], `${p}.keepaliveSeconds`, d.keepaliveSeconds, (key) =>
      /^[1-9]\d{0,4}$/.test(key) ? null : 'must be a whole number of seconds (30, 60, 90)',
    ),
    honourKeepaliveOptions: c.number(o['honourKeepaliveOptions'], `${p}.honourKeepaliveOptions`, d.honourKeepaliveOptions, 0, 1),
    forwardPorts:
      o['forwardPorts'] === undefined
        ? d.forwardPorts
        : c.array(o['forwardPorts'], `${p}.forwardPorts`, (v, path) => c.integer(v, path, 0, 1, 65535)),
    initialWindow: c.integer(o['initialWindow'], `${p}.initialWindow`, d.initialWindow, 1, 0xffffffff),
    maxChannels: c.integer(o['maxChannels'], `${p}.maxChannels`, d.maxChannels, 1, 1024),
    amt12RequiresNsCertType: c.boolean(o['amt12RequiresNsCertType'], `${p}.amt12RequiresNsCertType`, d.amt12RequiresNsCertType),
    amt19PasswordRule: c.boolean(o['amt19PasswordRule'], `${p}.amt19PasswordRule`, d.amt19PasswordRule),
    handshakeTimeoutSeconds: c.number(o['handshakeTimeoutSeconds'], `${p}.handshakeTimeoutSeconds`, d.handshakeTimeoutSeconds, 0.01, 3600),
    maxTlsVersion: checkTlsVersion(c, o['maxTlsVersion'], d.maxTlsVersion),
  }
}

function checkTlsVersion(c: Checker, value: unknown, fallback: '1.2' | '1.3'): '1.2' | '1.3' {
  if (value === undefined) return fallback
  if (value === '1.2' || value === '1.3') return value
  c.problem('firmware.maxTlsVersion', `must be "1.2" or "1.3", got ${JSON.stringify(value)}`)
  return fallback
}

function checkPolicies(c: Checker, value: unknown, d: PolicyProfile): PolicyProfile {
  const o = c.object(value, 'policies', ['periodic', 'user', 'alert'])
  const periodic = c.object(o['periodic'], 'policies.periodic', ['enabled', 'intervalSeconds', 'tunnelLifetimeSeconds'])
  const lifetime = (v: unknown, path: string, fallback: number) => c.number(v, path, fallback, 0, 31_536_000)
  const user = c.object(o['user'], 'policies.user', ['tunnelLifetimeSeconds'])
  const alert = c.object(o['alert'], 'policies.alert', ['tunnelLifetimeSeconds'])
  return {
    periodic: {
      enabled: c.boolean(periodic['enabled'], 'policies.periodic.enabled', d.periodic.enabled),
      intervalSeconds: c.number(periodic['intervalSeconds'], 'policies.periodic.intervalSeconds', d.periodic.intervalSeconds, 0.01, 31_536_000),
      tunnelLifetimeSeconds: lifetime(periodic['tunnelLifetimeSeconds'], 'policies.periodic.tunnelLifetimeSeconds', d.periodic.tunnelLifetimeSeconds),
    },
    user: { tunnelLifetimeSeconds: lifetime(user['tunnelLifetimeSeconds'], 'policies.user.tunnelLifetimeSeconds', d.user.tunnelLifetimeSeconds) },
    alert: { tunnelLifetimeSeconds: lifetime(alert['tunnelLifetimeSeconds'], 'policies.alert.tunnelLifetimeSeconds', d.alert.tunnelLifetimeSeconds) },
  }
}

function checkReconnect(c: Checker, value: unknown, d: ReconnectProfile): ReconnectProfile {
  const o = c.object(value, 'reconnect', Object.keys(d))
  return {
    retryDelaySeconds: c.number(o['retryDelaySeconds'], 'reconnect.retryDelaySeconds', d.retryDelaySeconds, 0, 86_400),
    backoffSeconds: c.number(o['backoffSeconds'], 'reconnect.backoffSeconds', d.backoffSeconds, 0, 31_536_000),
    giveUpAfterSeconds: c.number(o['giveUpAfterSeconds'], 'reconnect.giveUpAfterSeconds', d.giveUpAfterSeconds, 0, 31_536_000),
  }
}

function checkServices(c: Checker, value: unknown, d: ServiceProfile): ServiceProfile {
  const o = c.object(value, 'services', Object.keys(d))
  const mode = o['solMode'] === undefined ? d.solMode : o['solMode']
  if (mode !== 'interactive' && mode !== 'stream') c.problem('services.solMode', 'must be "interactive" or "stream"')
  let image = d.iderExpectedImage
  if (o['iderExpectedImage'] !== undefined && o['iderExpectedImage'] !== null) {
    const i = c.object(o['iderExpectedImage'], 'services.iderExpectedImage', ['size', 'sha256'])
    image = {
      size: c.integer(i['size'], 'services.iderExpectedImage.size', 0, 1, Number.MAX_SAFE_INTEGER),
      sha256: c.string(i['sha256'], 'services.iderExpectedImage.sha256', '', /^[0-9a-f]{64}$/),
    }
  }
  return {
    solMode: mode === 'stream' ? 'stream' : 'interactive',
    solStreamBytesPerSecond: c.integer(o['solStreamBytesPerSecond'], 'services.solStreamBytesPerSecond', d.solStreamBytesPerSecond, 1, 100_000_000),
    kvmIdleTimeoutSeconds: c.number(o['kvmIdleTimeoutSeconds'], 'services.kvmIdleTimeoutSeconds', d.kvmIdleTimeoutSeconds, 0.01, 86_400),
    iderExpectedImage: image,
  }
}

function checkLink(c: Checker, value: unknown, d: LinkProfile): LinkProfile {
  const o = c.object(value, 'link', ['downlinkBytesPerSecond', 'uplinkBytesPerSecond', 'rttMs', 'maxQueuedBytes'])
  return {
    downlinkBytesPerSecond: c.integer(o['downlinkBytesPerSecond'], 'link.downlinkBytesPerSecond', d.downlinkBytesPerSecond, 0, 10_000_000_000),
    uplinkBytesPerSecond: c.integer(o['uplinkBytesPerSecond'], 'link.uplinkBytesPerSecond', d.uplinkBytesPerSecond, 0, 10_000_000_000),
    rttMs: c.number(o['rttMs'], 'link.rttMs', d.rttMs, 0, 60_000),
    maxQueuedBytes: c.integer(o['maxQueuedBytes'], 'link.maxQueuedBytes', d.maxQueuedBytes ?? 262_144, 1024, 1 << 30),
  }
}

function checkFault(c: Checker, value: unknown, path: string): FaultSpec {
  const o = c.object(value, path, ['kind', 'ratePerHour', 'atSeconds', 'fraction', 'durationSeconds', 'count', 'bytesPerSecond', 'bytes'])
  const kind = o['kind']
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    c.problem(`${path}.kind`, `must be one of ${FAULT_KINDS.join(', ')}`)
  }
  if (o['ratePerHour'] === undefined && o['atSeconds'] === undefined) c.problem(path, 'needs ratePerHour or atSeconds')
  const spec: Record<string, unknown> = { kind }
  if (o['ratePerHour'] !== undefined) spec['ratePerHour'] = c.number(o['ratePerHour'], `${path}.ratePerHour`, 0, 0, 3_600_000)
  if (o['atSeconds'] !== undefined) {
    const at = c.array(o['atSeconds'], `${path}.atSeconds`, (v, p) => c.number(v, p, 0, 0, 31_536_000))
    if (at.some((t, i) => i > 0 && t < (at[i - 1] as number))) c.problem(`${path}.atSeconds`, 'must be in ascending order')
    spec['atSeconds'] = at
  }
  if (o['fraction'] !== undefined) spec['fraction'] = c.number(o['fraction'], `${path}.fraction`, 1, 0, 1)
  if (o['durationSeconds'] !== undefined) spec['durationSeconds'] = c.number(o['durationSeconds'], `${path}.durationSeconds`, 30, 0, 86_400)
  if (o['count'] !== undefined) spec['count'] = c.integer(o['count'], `${path}.count`, 1, 1, 1000)
  if (o['bytesPerSecond'] !== undefined) spec['bytesPerSecond'] = c.integer(o['bytesPerSecond'], `${path}.bytesPerSecond`, 512, 1, 1_000_000_000)
  if (o['bytes'] !== undefined) spec['bytes'] = c.integer(o['bytes'], `${path}.bytes`, 16, 1, 65_536)
  return spec as unknown as FaultSpec
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
