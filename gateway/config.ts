/**
 * The gateway's configuration: one schema (config-schema.ts), sources merged
 * defaults < mps.config < JSON file < CIRALAB_* environment < flags, every problem reported at
 * once with where it came from, the result frozen and passed down (never a global).
 */

import { CiralabError, ErrorCode } from '../protocol/errors.js'
import { readMpsConfig } from './config-mps.js'
import { SETTINGS, SETTING_KEYS, envNameOf, type LogLevel, type SettingKey, type SettingValue } from './config-schema.js'
import type { CredentialSetting, ListenAddress, ProxyAuthSetting } from './config-values.js'
import { checkClusterConfig, type ClusterConfig } from './cluster/config-check.js'
import type { UnsafeSettingId } from './safety.js'

export type { CredentialSetting, ListenAddress, ProxyAuthSetting } from './config-values.js'
export type { LogLevel } from './config-schema.js'

export interface ListenConfig {
  readonly deviceTls: ListenAddress | null
  readonly devicePlain: ListenAddress | null
  readonly http: ListenAddress | null
  readonly socks: ListenAddress | null
  readonly api: ListenAddress | null
  readonly backlog: number
}

export interface DeviceConfig {
  readonly allowedPorts: readonly number[]
  readonly allowedUuids: readonly string[] | null
  readonly credentials: readonly CredentialSetting[]
  readonly maxAuthFailures: number
  readonly authTimeoutMs: number
  /** The plain listener's connections start with a PROXY protocol header naming the device. */
  readonly proxyProtocol: boolean
  readonly idleTimeoutMs: number
  readonly failureLimit: number
  readonly failureWindowMs: number
  readonly keepaliveIntervalSeconds: number
  readonly keepaliveTimeoutSeconds: number
  readonly keepaliveOptionsWhen: 'after-forwards' | 'first-forward'
  readonly windowSize: number
  readonly maxChannels: number
  readonly channelOpenTimeoutMs: number
  readonly authorisedServers: readonly ListenAddress[]
}

export interface GatewayConfig {
  readonly listen: ListenConfig
  readonly dataDir: string
  readonly logLevel: LogLevel
  /** Rotating log file (null: stderr, or the journal under systemd). */
  readonly logFile: string | null
  readonly logFileMaxBytes: number
  readonly logFileKeep: number
  /** Unsafe settings the operator accepts (gateway/safety.ts). */
  readonly allowUnsafe: readonly UnsafeSettingId[]
  readonly shutdownDrainMs: number
  readonly tls: { readonly cert: string | null; readonly key: string | null; readonly ca: string | null; readonly legacy: boolean; readonly fqdn: string }
  readonly devices: DeviceConfig
  readonly console: {
    readonly allowedPorts: readonly number[]
    readonly auth: ProxyAuthSetting | null
    readonly openTimeoutMs: number
    readonly addressMap: Readonly<Record<string, string>>
  }
  readonly api: { readonly token: string | null; readonly webhooks: readonly string[]; readonly webhookRetries: number; readonly webhookQueueSize: number }
  /** Several instances sharing presence (Redis), several processes (gateway/cluster/). */
  readonly cluster: ClusterConfig
}

export interface ConfigProblem {
  /** `flag --x`, `env CIRALAB_X`, `file gw.json`, `mps.config FILE [Network] ...`, `default`. */
  readonly source: string
  readonly key: string
  readonly problem: string
}

export class ConfigError extends CiralabError {
  readonly problems: readonly ConfigProblem[]

  constructor(problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  ${p.source}: ${p.key}: ${p.problem}`)
    super(ErrorCode.CFG_ERR_INVALID, `configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${lines.join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export interface ConfigSources {
  /** Parsed command-line values by flag name (`device-tls-listen`, `config`, `user`, ...). */
  readonly flags: Readonly<Record<string, unknown>>
  readonly env: Readonly<Record<string, string | undefined>>
  readonly readFile: (path: string) => string
  /** Default FQDN for a generated certificate. */
  readonly hostname?: string
}

interface Candidate {
  readonly raw: unknown
  readonly source: string
}

/** Merge, validate and freeze. Throws ConfigError naming every problem and its source. */
export function loadConfig(sources: ConfigSources): GatewayConfig {
  const problems: ConfigProblem[] = []
  const chosen = new Map<SettingKey, Candidate>()
  const offer = (key: SettingKey, raw: unknown, source: string) => chosen.set(key, { raw, source })

  readMpsSource(sources, offer, problems)
  readFileSource(sources, offer, problems)
  for (const key of SETTING_KEYS) {
    const text = sources.env[envNameOf(key)]
    if (text !== undefined && text !== '') offer(key, text, `env ${envNameOf(key)}`)
  }
  for (const key of SETTING_KEYS) {
    const flag = (SETTINGS[key] as { flag?: string }).flag
    const value = flag === undefined ? undefined : sources.flags[flag]
    if (value !== undefined) offer(key, Array.isArray(value) ? value.join(',') : value, `flag --${flag}`)
  }
  const values = new Map<SettingKey, unknown>()
  for (const key of SETTING_KEYS) {
    const candidate = chosen.get(key)
    if (candidate === undefined) {
      values.set(key, key === 'tls.fqdn' && sources.hostname ? sources.hostname : SETTINGS[key].default)
      continue
    }
    const parsed = SETTINGS[key].parse(candidate.raw)
    if (parsed.ok) values.set(key, parsed.value)
    else problems.push({ source: candidate.source, key, problem: parsed.problem })
  }
  addFlagCredential(sources, values, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  const get = <K extends SettingKey>(key: K) => values.get(key) as SettingValue<K>
  const config = assemble(get)
  checkCombinations(config, chosen, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return deepFreeze(config)
}

function configPath(sources: ConfigSources, flag: string, env: string): { path: string; source: string } | null {
  const fromFlag = sources.flags[flag]
  if (typeof fromFlag === 'string' && fromFlag !== '') return { path: fromFlag, source: `flag --${flag}` }
  const fromEnv = sources.env[env]
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, source: `env ${env}` }
  return null
}

function readText(sources: ConfigSources, path: string, source: string, problems: ConfigProblem[]): string | null {
  try {
    return sources.readFile(path)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    problems.push({ source, key: 'file', problem: `cannot read ${path}: ${reason}` })
    return null
  }
}

type Offer = (key: SettingKey, raw: unknown, source: string) => void

function readMpsSource(sources: ConfigSources, offer: Offer, problems: ConfigProblem[]): void {
  const where = configPath(sources, 'mps-config', 'CIRALAB_MPS_CONFIG')
  if (where === null) return
  const text = readText(sources, where.path, where.source, problems)
  if (text === null) return
  const result = readMpsConfig(text)
  for (const problem of result.problems) problems.push({ source: `mps.config ${where.path}`, key: '[Network]', problem })
  for (const v of result.values) offer(v.key as SettingKey, v.value, `mps.config ${where.path} ${v.origin}`)
}

function readFileSource(sources: ConfigSources, offer: Offer, problems: ConfigProblem[]): void {
  const where = configPath(sources, 'config', 'CIRALAB_CONFIG')
  if (where === null) return
  const text = readText(sources, where.path, where.source, problems)
  if (text === null) return
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    problems.push({ source: `file ${where.path}`, key: '(file)', problem: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` })
    return
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    problems.push({ source: `file ${where.path}`, key: '(file)', problem: 'must hold a JSON object' })
    return
  }
  walkFile(json as Record<string, unknown>, '', `file ${where.path}`, offer, problems)
}

function walkFile(node: Record<string, unknown>, prefix: string, source: string, offer: Offer, problems: ConfigProblem[]): void {
  for (const [name, value] of Object.entries(node)) {
    const key = prefix === '' ? name : `${prefix}.${name}`
    if (key in SETTINGS) {
      offer(key as SettingKey, value, source)
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value) && SETTING_KEYS.some((k) => k.startsWith(`${key}.`))) {
      walkFile(value as Record<string, unknown>, key, source, offer, problems)
    } else {
      problems.push({ source, key, problem: 'unknown setting' })
    }
  }
}

/** --user/--password (or CIRALAB_USER/CIRALAB_PASSWORD): one more credential pair, for any device. */
function addFlagCredential(sources: ConfigSources, values: Map<SettingKey, unknown>, problems: ConfigProblem[]): void {
  const pick = (flag: string, env: string): { value: string; source: string } | null => {
    const f = sources.flags[flag]
    if (typeof f === 'string') return { value: f, source: `flag --${flag}` }
    const e = sources.env[env]
    return e !== undefined && e !== '' ? { value: e, source: `env ${env}` } : null
  }
  const user = pick('user', 'CIRALAB_USER')
  const password = pick('password', 'CIRALAB_PASSWORD')
  if (user === null && password === null) return
  if (user === null || user.value === '') {
    problems.push({ source: password?.source ?? 'flag --user', key: 'devices.credentials', problem: 'a password needs --user too' })
    return
  }
  if (password === null || password.value === '') {
    problems.push({ source: user.source, key: 'devices.credentials', problem: '--user needs --password too' })
    return
  }
  const list = (values.get('devices.credentials') as CredentialSetting[] | undefined) ?? []
  values.set('devices.credentials', [...list, { username: user.value, password: password.value, passwordHash: null, uuids: null }])
}

function assemble(get: <K extends SettingKey>(key: K) => SettingValue<K>): GatewayConfig {
  return {
    listen: {
      deviceTls: get('listen.deviceTls'),
      devicePlain: get('listen.devicePlain'),
      http: get('listen.http'),
      socks: get('listen.socks'),
      api: get('listen.api'),
      backlog: get('listen.backlog'),
    },
    dataDir: get('dataDir'),
    logLevel: get('logLevel'),
    logFile: get('logFile'),
    logFileMaxBytes: get('logFileMaxBytes'),
    logFileKeep: get('logFileKeep'),
    allowUnsafe: get('allowUnsafe'),
    shutdownDrainMs: get('shutdownDrainMs'),
    tls: { cert: get('tls.cert'), key: get('tls.key'), ca: get('tls.ca'), legacy: get('tls.legacy'), fqdn: get('tls.fqdn') },
    devices: {
      allowedPorts: get('devices.allowedPorts'),
      allowedUuids: get('devices.allowedUuids'),
      credentials: get('devices.credentials'),
      maxAuthFailures: get('devices.maxAuthFailures'),
      authTimeoutMs: get('devices.authTimeoutMs'),
      proxyProtocol: get('devices.proxyProtocol'),
      idleTimeoutMs: get('devices.idleTimeoutMs'),
      failureLimit: get('devices.failureLimit'),
      failureWindowMs: get('devices.failureWindowMs'),
      keepaliveIntervalSeconds: get('devices.keepaliveIntervalSeconds'),
      keepaliveTimeoutSeconds: get('devices.keepaliveTimeoutSeconds'),
      keepaliveOptionsWhen: get('devices.keepaliveOptionsWhen'),
      windowSize: get('devices.windowSize'),
      maxChannels: get('devices.maxChannels'),
      channelOpenTimeoutMs: get('devices.channelOpenTimeoutMs'),
      authorisedServers: get('devices.authorisedServers'),
    },
    console: { allowedPorts: get('console.allowedPorts'), auth: get('console.auth'), openTimeoutMs: get('console.openTimeoutMs'), addressMap: get('console.addressMap') },
    api: { token: get('api.token'), webhooks: get('api.webhooks'), webhookRetries: get('api.webhookRetries'), webhookQueueSize: get('api.webhookQueueSize') },
    cluster: { redis: get('redis'), instanceId: get('instanceId'), internalListen: get('internalListen'), processes: get('processes'), presenceTtlMs: get('presenceTtlMs'), secretFile: get('clusterSecretFile') },
  }
}

function checkCombinations(config: GatewayConfig, chosen: Map<SettingKey, Candidate>, problems: ConfigProblem[]): void {
  const sourceOf = (key: SettingKey) => chosen.get(key)?.source ?? 'default'
  if ((config.tls.cert === null) !== (config.tls.key === null)) {
    const key: SettingKey = config.tls.cert === null ? 'tls.key' : 'tls.cert'
    problems.push({ source: sourceOf(key), key, problem: 'give both --cert and --key, or neither (a certificate is then generated)' })
  }
  const seen = new Map<string, SettingKey>()
  for (const key of ['listen.deviceTls', 'listen.devicePlain', 'listen.http', 'listen.socks', 'listen.api'] as const) {
    const address = config.listen[key.slice('listen.'.length) as keyof Omit<ListenConfig, 'backlog'>]
    if (address === null || address.port === 0) continue
    const id = `${address.host}:${address.port}`
    const other = seen.get(id)
    if (other !== undefined) problems.push({ source: sourceOf(key), key, problem: `${id} is also used by ${other}` })
    seen.set(id, key)
  }
  const l = config.listen
  if (l.deviceTls === null && l.devicePlain === null) {
    problems.push({ source: sourceOf('listen.deviceTls'), key: 'listen.deviceTls', problem: 'both device listeners are off: no device could connect' })
  }
  if (config.devices.allowedPorts.length === 0) problems.push({ source: sourceOf('devices.allowedPorts'), key: 'devices.allowedPorts', problem: 'must name at least one port' })
  for (const p of checkClusterConfig(config.cluster, seen)) problems.push({ source: sourceOf(p.key), ...p })
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
