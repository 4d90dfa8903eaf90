/**
 * Every gateway setting once: its key (the JSON file path), parser, default, and flag. The
 * environment name is derived from the key (`devices.idleTimeoutMs` is
 * `CIRALAB_DEVICES_IDLE_TIMEOUT_MS`), so file, env and flags can never drift apart.
 */

import {
  integerIn,
  listOf,
  oneOf,
  parseBoolean,
  parseCredential,
  parseAddressMap,
  parseListen,
  parseOptionalString,
  parsePort,
  parseProxyAuth,
  parseServer,
  parseString,
  parseUrl,
  parseUuid,
  type ValueParser,
} from './config-values.js'
import { parseInstanceId, parseRedisUrl } from './cluster/settings.js'
import { UNSAFE_SETTINGS } from './safety.js'

export interface Setting<T> {
  readonly parse: ValueParser<T>
  readonly default: T
  /** Command-line flag (without `--`), when the setting has one. */
  readonly flag?: string
  readonly placeholder?: string
  readonly description: string
}

function setting<T>(parse: ValueParser<T>, fallback: T, description: string, flag?: string, placeholder?: string): Setting<T> {
  return { parse, default: fallback, description, ...(flag === undefined ? {} : { flag }), ...(placeholder === undefined ? {} : { placeholder }) }
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** What firmware forwards (apf.md §2.1 step 6): WS-MAN, ASF-RMCP, redirection, KVM. */
export const DEFAULT_DEVICE_PORTS: readonly number[] = [16992, 16993, 16994, 16995, 623, 664, 5900]

const listenDefault = (port: number) => ({ host: '127.0.0.1', port })

export const SETTINGS = {
  'listen.deviceTls': setting(parseListen, listenDefault(4433), 'device APF over TLS, HOST:PORT or off', 'device-tls-listen', 'ADDR'),
  'listen.devicePlain': setting(parseListen, listenDefault(16982), 'device APF in the clear (behind a TLS terminator), or off', 'device-plain-listen', 'ADDR'),
  'listen.http': setting(parseListen, listenDefault(8080), 'console HTTP proxy, or off', 'http-listen', 'ADDR'),
  'listen.socks': setting(parseListen, listenDefault(8090), 'console SOCKS5 proxy, or off', 'socks-listen', 'ADDR'),
  'listen.api': setting(parseListen, listenDefault(7793), 'admin API (devices, stats, metrics, events), or off', 'api-listen', 'ADDR'),
  'listen.backlog': setting(integerIn(1, 65535), 4096, 'listen backlog of every listener', 'backlog', 'N'),
  dataDir: setting(parseString, '.data/gateway', 'folder for generated certificates', 'data-dir', 'DIR'),
  logLevel: setting(oneOf(LOG_LEVELS), 'info' as LogLevel, `log level (${LOG_LEVELS.join(', ')})`, 'log-level', 'LEVEL'),
  logFile: setting(parseOptionalString, null as string | null, 'log to this file instead of stderr, rotated by size (PATH, PATH.1 newest, ...)', 'log-file', 'PATH'),
  logFileMaxBytes: setting(integerIn(1024, 2 ** 40), 10 * 1024 * 1024, 'rotate the log file before it would grow past this', 'log-file-max-bytes', 'BYTES'),
  logFileKeep: setting(integerIn(0, 1000), 10, 'rotated log files kept', 'log-file-keep', 'N'),
  allowUnsafe: setting(listOf(oneOf(UNSAFE_SETTINGS)), [] as (typeof UNSAFE_SETTINGS)[number][], `start despite these unsafe settings (${UNSAFE_SETTINGS.join(', ')}); see gateway/SECURITY.md`, 'allow-unsafe', 'LIST'),
  shutdownDrainMs: setting(integerIn(0, 600_000), 5000, 'on SIGTERM, how long consoles may finish', 'drain-ms', 'MS'),
  'tls.cert': setting(parseOptionalString, null as string | null, 'device TLS certificate (PEM file)', 'cert', 'FILE'),
  'tls.key': setting(parseOptionalString, null as string | null, 'device TLS private key (PEM file)', 'key', 'FILE'),
  'tls.ca': setting(parseOptionalString, null as string | null, 'CA (PEM file) that device certificates must chain to: turns on mutual TLS', 'ca', 'FILE'),
  'tls.legacy': setting(parseBoolean, false, 'allow TLS 1.0/1.1 and AES128-SHA for old firmware', 'legacy-tls'),
  'tls.fqdn': setting(parseString, 'localhost', 'gateway FQDN for a generated certificate (default: host name)', 'fqdn', 'NAME'),
  'devices.allowedPorts': setting(listOf(parsePort), [...DEFAULT_DEVICE_PORTS], 'ports a device may forward', 'device-ports', 'LIST'),
  'devices.allowedUuids': setting(nullableList(parseUuid), null as string[] | null, 'only these device UUIDs may connect', 'allow-uuids', 'LIST'),
  'devices.credentials': setting(listOf(parseCredential), [], 'device credentials (file: [{username, password|passwordHash, uuids?}])'),
  'devices.maxAuthFailures': setting(integerIn(1, 100), 3, 'USERAUTH failures before a session ends'),
  'devices.proxyProtocol': setting(parseBoolean, false, 'the plain device listener reads a PROXY protocol header first (stunnel protocol = proxy, HAProxy send-proxy)', 'proxy-protocol'),
  'devices.authTimeoutMs': setting(integerIn(100, 600_000), 10_000, 'time from connect to USERAUTH_SUCCESS', 'auth-timeout-ms', 'MS'),
  'devices.idleTimeoutMs': setting(integerIn(100, 3_600_000), 90_000, 'a session with no message for this long ends', 'idle-timeout-ms', 'MS'),
  'devices.failureLimit': setting(integerIn(1, 1_000_000), 20, 'auth failures per source address before it is refused for a while'),
  'devices.failureWindowMs': setting(integerIn(1000, 86_400_000), 60_000, 'window of the per-address failure limit'),
  'devices.keepaliveIntervalSeconds': setting(integerIn(1, 86_400), 30, 'KEEPALIVE_OPTIONS_REQUEST interval'),
  'devices.keepaliveTimeoutSeconds': setting(integerIn(0, 86_400), 90, 'KEEPALIVE_OPTIONS_REQUEST timeout'),
  'devices.keepaliveOptionsWhen': setting(oneOf(['after-forwards', 'first-forward'] as const), 'after-forwards' as 'after-forwards' | 'first-forward', 'when to send KEEPALIVE_OPTIONS_REQUEST'),
  'devices.windowSize': setting(integerIn(256, 1024 * 1024), 81_920, 'receive window advertised per channel', 'window-size', 'BYTES'),
  'devices.maxChannels': setting(integerIn(1, 4096), 16, 'open channels per device', 'max-channels', 'N'),
  'devices.channelOpenTimeoutMs': setting(integerIn(100, 600_000), 15_000, 'how long a device may take to answer CHANNEL_OPEN'),
  'devices.authorisedServers': setting(listOf(parseServer), [], 'servers devices may reach (direct-tcpip, udp-send-to), HOST:PORT list', 'authorised-servers', 'LIST'),
  'console.allowedPorts': setting(listOf(parsePort), [...DEFAULT_DEVICE_PORTS], 'device ports consoles may reach (AllowCONNECT)', 'console-ports', 'LIST'),
  'console.auth': setting(parseProxyAuth, null, 'proxy credentials consoles must give, USER:PASSWORD', 'proxy-auth', 'USER:PASS'),
  'console.addressMap': setting(parseAddressMap, {} as Readonly<Record<string, string>>, 'IP literals consoles may use for devices (file: {"10.0.0.5": "amt-1.example"})'),
  'console.openTimeoutMs': setting(integerIn(100, 600_000), 15_000, 'console wait for a channel to open'),
  'api.token': setting(parseOptionalString, null as string | null, 'bearer token the admin API requires', 'api-token', 'TOKEN'),
  'api.webhooks': setting(listOf(parseUrl), [], 'URLs to POST connect/disconnect events to', 'webhook', 'URL'),
  'api.webhookRetries': setting(integerIn(0, 20), 3, 'retries per webhook delivery'),
  'api.webhookQueueSize': setting(integerIn(1, 1_000_000), 1000, 'most webhook deliveries waiting'),
  redis: setting(parseRedisUrl, null as string | null, 'share presence with other instances through Redis, redis://HOST:PORT', 'redis', 'URL'),
  instanceId: setting(parseInstanceId, null as string | null, 'this instance in the shared presence (default: host name and pid)', 'instance-id', 'NAME'),
  internalListen: setting(parseListen, null, 'where other instances reach this one\'s devices (default: 127.0.0.1, any port)', 'internal-listen', 'ADDR'),
  processes: setting(integerIn(1, 64), 1, 'gateway processes on this machine sharing the ports', 'processes', 'N'),
  clusterSecretFile: setting(parseOptionalString, null as string | null, 'file with the secret instances seal hops with (32+ characters: openssl rand -hex 32)', 'cluster-secret-file', 'FILE'),
  presenceTtlMs: setting(integerIn(500, 3_600_000), 90_000, 'a shared presence entry expires this long after its last refresh'),
} as const

export type SettingKey = keyof typeof SETTINGS
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[]

export function envNameOf(key: string): string {
  return `CIRALAB_${key.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}

function nullableList<T>(item: ValueParser<T>): ValueParser<T[] | null> {
  const list = listOf(item)
  return (raw) => (raw === null || raw === '' ? { ok: true, value: null } : list(raw))
}
