/**
 * `ciralab simulate` arguments → the run's settings, checked once with one-line errors that name
 * the option. Defaults are documented in the help text (cli.ts) and the README.
 */

import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { integerOption, stringOption, type ParsedValues } from '../cli/args.js'
import { UsageError } from '../protocol/errors.js'
import type { Endpoint } from './device/policy.js'
import type { TransportOptions } from './device/tls.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS, DEFAULT_SEED, type RunSettings } from './fleet/device-config.js'
import { DEFAULT_PROFILE, loadProfile, type FleetProfile } from './fleet/profile.js'
import { DEFAULT_MAX_CONNECTING } from './fleet/local-fleet.js'
import { parseSourceIps } from './fleet/source-ips.js'

/** Devices one worker process takes before the fleet spreads over more (20,000 open files each here). */
export const DEVICES_PER_WORKER = 15_000
export const MAX_DEVICES = 200_000

export interface SimulateSettings {
  readonly devices: number
  readonly rampPerSecond: number
  /** Seconds to run; null = until interrupted (or all connected with --until-connected). */
  readonly durationSeconds: number | null
  readonly untilConnected: boolean
  /** 0 = in this process. */
  readonly workers: number
  /** Devices connecting at once per process. */
  readonly maxConnecting: number
  readonly profile: FleetProfile
  readonly run: RunSettings
  readonly transport: TransportOptions
  readonly json: boolean
}

/** `host:port` or `[v6]:port`. */
export function parseEndpoint(text: string, option: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--${option} must be HOST:PORT (e.g. 127.0.0.1:4433), got '${text}'`)
  }
  return { host, port }
}

function decimalOption(values: ParsedValues, name: string, min: number, max: number): number | null {
  const text = stringOption(values, name)
  if (text === undefined) return null
  const n = Number(text)
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${text}'`)
  return n
}

function transportOf(values: ParsedValues, gateway: Endpoint): TransportOptions {
  const plain = values['plain'] === true
  const insecure = values['insecure'] === true
  const caPath = stringOption(values, 'ca')
  const servername = stringOption(values, 'servername')
  if (plain && (insecure || caPath !== undefined || servername !== undefined)) {
    throw new UsageError('--plain speaks APF without TLS: it cannot be combined with --ca, --servername or --insecure')
  }
  if (plain) return { mode: 'plain' }
  if (insecure && caPath !== undefined) throw new UsageError('--insecure skips certificate checks: drop --ca, or drop --insecure')
  let caPem: string | undefined
  if (caPath !== undefined) {
    try {
      caPem = readFileSync(caPath, 'utf8')
    } catch (error) {
      throw new UsageError(`--ca ${caPath}: ${(error as Error).message}`)
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca ${caPath} holds no PEM certificate`)
  }
  const name = servername ?? (isIP(gateway.host) === 0 ? gateway.host : undefined)
  return { mode: 'tls', ...(caPem === undefined ? {} : { caPem }), ...(name === undefined ? {} : { servername: name }), insecure }
}

export function resolveSettings(values: ParsedValues): SimulateSettings {
  const gatewayText = stringOption(values, 'gateway')
  if (gatewayText === undefined) throw new UsageError('--gateway HOST:PORT is required')
  const primary = parseEndpoint(gatewayText, 'gateway')
  const altText = stringOption(values, 'alt-gateway')
  const alternative = altText === undefined ? null : parseEndpoint(altText, 'alt-gateway')
  const devices = integerOption(values, 'devices', 1, 1, MAX_DEVICES)
  const ipsText = stringOption(values, 'source-ips')
  const sourceIps = ipsText === undefined ? [] : parseSourceIps(ipsText)
  if (typeof sourceIps === 'string') throw new UsageError(`--source-ips: ${sourceIps}`)
  const auto = devices <= DEVICES_PER_WORKER ? 0 : Math.ceil(devices / DEVICES_PER_WORKER)
  const workers = integerOption(values, 'workers', auto, 0, 64)
  if (workers === 0 && devices > DEVICES_PER_WORKER) {
    throw new UsageError(`--workers 0 runs every device in this process, which holds at most ${DEVICES_PER_WORKER}; use --workers ${auto}`)
  }
  const profilePath = stringOption(values, 'profile')
  const user = stringOption(values, 'user') ?? DEFAULT_GATEWAY_CREDENTIALS.username
  const password = stringOption(values, 'password') ?? DEFAULT_GATEWAY_CREDENTIALS.password
  return {
    devices,
    rampPerSecond: integerOption(values, 'ramp', 500, 0, 100_000),
    durationSeconds: decimalOption(values, 'duration', 0.1, 30 * 86_400),
    untilConnected: values['until-connected'] === true,
    workers,
    maxConnecting: integerOption(values, 'max-connecting', DEFAULT_MAX_CONNECTING, 0, 100_000),
    profile: profilePath === undefined ? DEFAULT_PROFILE : loadProfile(profilePath),
    run: {
      seed: stringOption(values, 'seed') ?? DEFAULT_SEED,
      gateways: { primary, alternative },
      credentials: { username: user, password },
      account: {
        user: stringOption(values, 'amt-user') ?? DEFAULT_AMT_ACCOUNT.user,
        password: stringOption(values, 'amt-password') ?? DEFAULT_AMT_ACCOUNT.password,
      },
      sourceIps,
    },
    transport: transportOf(values, primary),
    json: values['json'] === true,
  }
}
