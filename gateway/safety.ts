/**
 * Start-up review of settings that are unsafe for a gateway in a DMZ. The defaults are safe
 * (every listener on 127.0.0.1, TLS 1.2+); what an operator changes can make them unsafe, and
 * then the gateway refuses to start and says what to do, unless the operator names that risk in
 * `allowUnsafe` (`--allow-unsafe ID,...`). Lesser risks are warnings in the log.
 *
 * "Public" here means any address other than loopback: a wildcard (0.0.0.0, ::), a LAN address
 * or a host name. Consoles sit on the internal network, but "internal" is exactly where the
 * vendor's guide wants every hop authenticated.
 */

import { isIP } from 'node:net'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import type { GatewayConfig, ListenAddress } from './config.js'
import { formatHostPort } from './config-values.js'

/** Refusals an operator may override, one id per risk. */
export const UNSAFE_SETTINGS = ['console-without-auth', 'api-without-token', 'plain-device-public', 'legacy-tls-public', 'no-device-credentials', 'cluster-without-secret'] as const
export type UnsafeSettingId = (typeof UNSAFE_SETTINGS)[number]

export type SafetyWarningId = 'running-as-root' | 'clear-text-password' | 'api-token-in-clear' | 'webhook-in-clear'

export interface SafetyFinding<Id extends string = string> {
  readonly id: Id
  /** The setting at fault, as in the config file (`listen.http`). */
  readonly setting: string
  readonly problem: string
  /** What to do instead. */
  readonly fix: string
}

export interface SafetyReview {
  /** Unsafe settings not allowed by the operator: the gateway must not start. */
  readonly refused: readonly SafetyFinding<UnsafeSettingId>[]
  /** Allowed unsafe settings and lesser risks: logged as warnings. */
  readonly warnings: readonly SafetyFinding[]
}

export interface SafetyFacts {
  /** The process runs as root (uid 0). */
  readonly root: boolean
}

export class UnsafeConfigError extends CiralabError {
  readonly refused: readonly SafetyFinding<UnsafeSettingId>[]

  constructor(refused: readonly SafetyFinding<UnsafeSettingId>[]) {
    const lines = refused.map((f) => `  ${f.setting}: ${f.problem}\n    ${f.fix}, or accept the risk with --allow-unsafe ${f.id}`)
    super(ErrorCode.GW_ERR_UNSAFE_CONFIG, `refusing to start with ${refused.length} unsafe setting${refused.length === 1 ? '' : 's'}:\n${lines.join('\n')}`)
    this.name = 'UnsafeConfigError'
    this.refused = refused
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return isIP(v4) === 4 && v4.startsWith('127.')
}

const isPublic = (a: ListenAddress | null): a is ListenAddress => a !== null && !isLoopbackHost(a.host)

/** Console and admin listeners that anyone who reaches them could use. */
function openListeners(config: GatewayConfig): SafetyFinding<UnsafeSettingId>[] {
  const found: SafetyFinding<UnsafeSettingId>[] = []
  const { listen } = config
  for (const [name, address] of [['http', listen.http], ['socks', listen.socks]] as const) {
    if (isPublic(address) && config.console.auth === null) {
      found.push({
        id: 'console-without-auth',
        setting: `listen.${name}`,
        problem: `the console ${name === 'http' ? 'HTTP proxy' : 'SOCKS5 listener'} listens on ${formatHostPort(address)} without proxy authentication: anyone who reaches it can open channels to every connected device's AMT ports`,
        fix: 'set console.auth (--proxy-auth USER:PASSWORD) or bind it to 127.0.0.1',
      })
    }
  }
  const cluster = config.cluster
  if (cluster.redis !== null && isPublic(cluster.internalListen) && cluster.secretFile === null) {
    found.push({
      id: 'cluster-without-secret',
      setting: 'internalListen',
      problem: `the internal listener for other instances listens on ${formatHostPort(cluster.internalListen)} without a cluster secret: anyone who reaches it can open channels to this instance's devices`,
      fix: 'give every instance the same clusterSecretFile (--cluster-secret-file FILE, made with openssl rand -hex 32) or bind it to 127.0.0.1',
    })
  }
  if (isPublic(listen.api) && config.api.token === null) {
    found.push({
      id: 'api-without-token',
      setting: 'listen.api',
      problem: `the admin API listens on ${formatHostPort(listen.api)} without a token: anyone who reaches it can list devices, read events and disconnect devices`,
      fix: 'set api.token (--api-token) or bind it to 127.0.0.1',
    })
  }
  return found
}

/** Device listeners that would expose passwords, weaken TLS, or let no device in. */
function deviceRisks(config: GatewayConfig): SafetyFinding<UnsafeSettingId>[] {
  const found: SafetyFinding<UnsafeSettingId>[] = []
  const { listen } = config
  if (isPublic(listen.devicePlain)) {
    found.push({
      id: 'plain-device-public',
      setting: 'listen.devicePlain',
      problem: `APF in the clear listens on ${formatHostPort(listen.devicePlain)}: device passwords and every console session would cross the network unencrypted`,
      fix: 'bind it to 127.0.0.1 behind a TLS terminator on this machine (stunnel), or use listen.deviceTls',
    })
  }
  if (config.tls.legacy && isPublic(listen.deviceTls)) {
    found.push({
      id: 'legacy-tls-public',
      setting: 'tls.legacy',
      problem: `TLS 1.0/1.1 and AES128-SHA are enabled on ${formatHostPort(listen.deviceTls)}, a public address`,
      fix: 'turn tls.legacy off, or serve the old devices from a separate gateway instance',
    })
  }
  if (config.devices.credentials.length === 0 && (listen.deviceTls !== null || listen.devicePlain !== null)) {
    found.push({
      id: 'no-device-credentials',
      setting: 'devices.credentials',
      problem: 'no device credentials are configured: every device would fail authentication',
      fix: 'add devices.credentials to the config file (passwordHash from ciralab gateway --hash-password) or give --user and --password',
    })
  }
  return found
}

function lesserRisks(config: GatewayConfig, facts: SafetyFacts): SafetyFinding<SafetyWarningId>[] {
  const found: SafetyFinding<SafetyWarningId>[] = []
  if (facts.root) {
    found.push({ id: 'running-as-root', setting: '(process)', problem: 'the gateway runs as root', fix: 'run it as an unprivileged user (the systemd unit uses User=ciralab and CAP_NET_BIND_SERVICE for port 443)' })
  }
  const clear = config.devices.credentials.filter((c) => c.password !== null).map((c) => c.username)
  if (clear.length > 0) {
    found.push({
      id: 'clear-text-password',
      setting: 'devices.credentials',
      problem: `device password${clear.length === 1 ? '' : 's'} for ${clear.join(', ')} given in clear text`,
      fix: 'store passwordHash (ciralab gateway --hash-password) in a file only root and the gateway can read',
    })
  }
  if (isPublic(config.listen.api) && config.api.token !== null) {
    found.push({ id: 'api-token-in-clear', setting: 'listen.api', problem: 'the admin API is plain HTTP: its bearer token crosses the network in the clear', fix: 'keep it on 127.0.0.1 and reach it over SSH, or firewall it to the management hosts' })
  }
  for (const url of config.api.webhooks) {
    const u = new URL(url)
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname.replace(/^\[|\]$/g, ''))) {
      found.push({ id: 'webhook-in-clear', setting: 'api.webhooks', problem: `webhook ${url} is plain HTTP to another host: device events cross the network in the clear`, fix: 'use https://' })
    }
  }
  return found
}

/** Review a loaded configuration. Pure: the caller refuses to start when `refused` is not empty. */
export function reviewSafety(config: GatewayConfig, facts: SafetyFacts): SafetyReview {
  const allowed = new Set<string>(config.allowUnsafe)
  const unsafe = [...openListeners(config), ...deviceRisks(config)]
  const allowedUnsafe = unsafe
    .filter((f) => allowed.has(f.id))
    .map((f): SafetyFinding => ({ ...f, problem: `${f.problem} (allowed by allowUnsafe ${f.id})` }))
  return { refused: unsafe.filter((f) => !allowed.has(f.id)), warnings: [...allowedUnsafe, ...lesserRisks(config, facts)] }
}
