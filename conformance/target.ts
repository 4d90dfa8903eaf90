/**
 * Target files: the JSON that describes a gateway to put through the suite. Validated once,
 * every problem reported together (one line each, naming the field), then frozen.
 *
 * Paths inside a target file (CA, credentials file) are relative to the file. Every host must
 * be a loopback address: this lab never sends traffic anywhere else.
 */

import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname, resolve } from 'node:path'
import { CiralabError, ErrorCode } from '../protocol/errors.js'

export interface HostPort {
  readonly host: string
  readonly port: number
}

export interface Credentials {
  readonly username: string
  readonly password: string
}

export interface DeviceEndpoint extends HostPort {
  readonly tls: boolean
  /** PEM of the root the gateway's certificate chains to (what firmware was given); null: trust nothing extra. */
  readonly caPem: string | null
  /** The name firmware checks in the certificate (the configured MPS FQDN). */
  readonly serverName: string | null
}

export interface ConsoleEndpoints {
  readonly httpProxy: HostPort | null
  readonly socks5: HostPort | null
  /** Proxy credentials the target requires from consoles; null when it requires none. */
  readonly auth: Credentials | null
}

export interface PresenceApi {
  readonly kind: 'ciralab'
  readonly url: string
  readonly token: string | null
}

export interface ResolvedTarget {
  readonly name: string
  readonly description: string
  /** The file it came from, or `reference` for the gateway the suite started itself. */
  readonly origin: string
  readonly device: DeviceEndpoint
  readonly credentials: Credentials
  readonly console: ConsoleEndpoints
  readonly presence: PresenceApi | null
  /** Destinations the gateway lets devices reach (direct-tcpip, udp-send-to). */
  readonly deviceOriginatedAllowed: readonly HostPort[]
  /** The gateway's idle deadline for a silent device session, when known. */
  readonly idleTimeoutSeconds: number | null
  /** The AMT account the simulated devices accept (WS-MAN Digest, redirection). */
  readonly amt: Credentials
}

export const DEFAULT_AMT_ACCOUNT: Credentials = Object.freeze({ username: 'admin', password: 'P@ssw0rd1' })

export class TargetError extends CiralabError {
  readonly problems: readonly string[]

  constructor(file: string, problems: readonly string[]) {
    super(ErrorCode.CFG_ERR_INVALID, `target ${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'TargetError'
    this.problems = problems
  }
}

type Json = unknown

/** Collects problems while reading one object, so all are reported at once. */
class Reader {
  readonly problems: string[] = []

  constructor(readonly baseDir: string) {}

  object(value: Json, path: string): Record<string, Json> | null {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, Json>
    this.problems.push(`${path} must be an object`)
    return null
  }

  string(obj: Record<string, Json>, key: string, path: string, optional = false): string | null {
    const v = obj[key]
    if (v === undefined || v === null) {
      if (!optional) this.problems.push(`${path}.${key} is required`)
      return null
    }
    if (typeof v === 'string' && v.length > 0) return v
    this.problems.push(`${path}.${key} must be a non-empty string, got ${JSON.stringify(v)}`)
    return null
  }

  hostPort(value: Json, path: string): HostPort | null {
    if (typeof value !== 'string') {
      this.problems.push(`${path} must be "HOST:PORT", got ${JSON.stringify(value)}`)
      return null
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(value)
    if (m === null) {
      this.problems.push(`${path} must be "HOST:PORT", got ${JSON.stringify(value)}`)
      return null
    }
    return this.checked(m[1] as string, Number(m[2]), path)
  }

  checked(host: string, port: number, path: string): HostPort | null {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      this.problems.push(`${path}: port must be 1-65535, got ${port}`)
      return null
    }
    if (!isLoopback(host)) {
      this.problems.push(`${path}: host ${host} is not a loopback address (this lab only targets 127.0.0.0/8, ::1 or localhost)`)
      return null
    }
    return { host, port }
  }

  file(relative: string, path: string): string | null {
    const full = resolve(this.baseDir, relative)
    try {
      return readFileSync(full, 'utf8')
    } catch (error) {
      this.problems.push(`${path}: cannot read ${full} (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
      return null
    }
  }
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** Peers the suite can install and start itself (see conformance/peers/). */
export const KNOWN_PEERS = ['meshcentral'] as const
export type PeerName = (typeof KNOWN_PEERS)[number]

/** The `peer` a target file names, read before the rest (its files may not exist until the peer is set up). */
export function peerOfTargetFile(file: string): PeerName | null {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  const peer = json !== null && typeof json === 'object' ? (json as { peer?: unknown }).peer : undefined
  if (peer === undefined || peer === null) return null
  if (typeof peer === 'string' && (KNOWN_PEERS as readonly string[]).includes(peer)) return peer as PeerName
  throw new TargetError(file, [`peer must be one of ${KNOWN_PEERS.join(', ')}, got ${JSON.stringify(peer)}`])
}

export function loadTargetFile(file: string): ResolvedTarget {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new TargetError(file, [`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`])
  }
  let json: Json
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new TargetError(file, [`not JSON: ${(error as Error).message}`])
  }
  return parseTarget(json, file, dirname(resolve(file)))
}

/** Validate a parsed target document; `baseDir` resolves the paths inside it. */
export function parseTarget(json: Json, origin: string, baseDir: string): ResolvedTarget {
  const r = new Reader(baseDir)
  const root = r.object(json, 'target')
  if (root === null) throw new TargetError(origin, r.problems)
  const known = new Set(['$comment', 'peer', 'name', 'description', 'device', 'credentials', 'console', 'presence', 'deviceOriginated', 'timing', 'amt'])
  for (const key of Object.keys(root)) if (!known.has(key)) r.problems.push(`unknown field "${key}" (fields: ${[...known].join(', ')})`)
  const name = r.string(root, 'name', 'target')
  const device = readDevice(r, root['device'])
  const credentials = readCredentials(r, root['credentials'], 'credentials')
  const consoles = readConsole(r, root['console'])
  const presence = readPresence(r, root['presence'])
  const allowed = readAllowed(r, root['deviceOriginated'])
  const idle = readIdle(r, root['timing'])
  const amt = root['amt'] === undefined ? DEFAULT_AMT_ACCOUNT : readCredentials(r, root['amt'], 'amt')
  if (r.problems.length > 0 || name === null || device === null || credentials === null || amt === null) throw new TargetError(origin, r.problems)
  const description = typeof root['description'] === 'string' ? root['description'] : ''
  return Object.freeze({
    name,
    description,
    origin,
    device,
    credentials,
    console: consoles,
    presence,
    deviceOriginatedAllowed: allowed,
    idleTimeoutSeconds: idle,
    amt,
  })
}

function readDevice(r: Reader, value: Json): DeviceEndpoint | null {
  const d = r.object(value, 'device')
  if (d === null) return null
  const host = r.string(d, 'host', 'device')
  const port = d['port']
  if (typeof port !== 'number') r.problems.push(`device.port must be a number, got ${JSON.stringify(port)}`)
  if (typeof d['tls'] !== 'boolean') r.problems.push(`device.tls must be true or false, got ${JSON.stringify(d['tls'])}`)
  const caPath = r.string(d, 'ca', 'device', true)
  const caPem = caPath === null ? null : r.file(caPath, 'device.ca')
  const serverName = r.string(d, 'serverName', 'device', true)
  if (d['tls'] === true && caPath === null) r.problems.push('device.ca is required when device.tls is true (the root firmware trusts)')
  if (host === null || typeof port !== 'number') return null
  const hp = r.checked(host, port, 'device')
  if (hp === null) return null
  return { ...hp, tls: d['tls'] === true, caPem, serverName }
}

function readCredentials(r: Reader, value: Json, path: string): Credentials | null {
  const c = r.object(value, path)
  if (c === null) return null
  if (typeof c['file'] === 'string') {
    const text = r.file(c['file'], `${path}.file`)
    if (text === null) return null
    let parsed: Json
    try {
      parsed = JSON.parse(text)
    } catch {
      r.problems.push(`${path}.file ${c['file']} is not JSON`)
      return null
    }
    const inner = r.object(parsed, `${path}.file`)
    if (inner === null) return null
    return pair(r, inner, `${path}.file`)
  }
  return pair(r, c, path)
}

function pair(r: Reader, c: Record<string, Json>, path: string): Credentials | null {
  const username = r.string(c, 'username', path)
  const password = r.string(c, 'password', path)
  return username === null || password === null ? null : { username, password }
}

function readConsole(r: Reader, value: Json): ConsoleEndpoints {
  if (value === undefined || value === null) return { httpProxy: null, socks5: null, auth: null }
  const c = r.object(value, 'console')
  if (c === null) return { httpProxy: null, socks5: null, auth: null }
  const endpoint = (key: string) => (c[key] === undefined || c[key] === null ? null : r.hostPort(c[key], `console.${key}`))
  const auth = c['auth'] === undefined || c['auth'] === null ? null : readCredentials(r, c['auth'], 'console.auth')
  return { httpProxy: endpoint('httpProxy'), socks5: endpoint('socks5'), auth }
}

function readPresence(r: Reader, value: Json): PresenceApi | null {
  if (value === undefined || value === null) return null
  const p = r.object(value, 'presence')
  if (p === null) return null
  if (p['kind'] !== 'ciralab') r.problems.push(`presence.kind must be "ciralab" (the only presence API the suite reads), got ${JSON.stringify(p['kind'])}`)
  const url = r.string(p, 'url', 'presence')
  if (url !== null) {
    try {
      const u = new URL(url)
      if (!isLoopback(u.hostname.replace(/^\[|\]$/g, ''))) r.problems.push(`presence.url: host ${u.hostname} is not a loopback address`)
    } catch {
      r.problems.push(`presence.url is not a URL: ${JSON.stringify(url)}`)
    }
  }
  const token = r.string(p, 'token', 'presence', true)
  return url === null ? null : { kind: 'ciralab', url: url.replace(/\/$/, ''), token }
}

function readAllowed(r: Reader, value: Json): HostPort[] {
  if (value === undefined || value === null) return []
  const d = r.object(value, 'deviceOriginated')
  if (d === null) return []
  const list = d['allowed']
  if (!Array.isArray(list)) {
    r.problems.push('deviceOriginated.allowed must be a list of "HOST:PORT"')
    return []
  }
  return list.map((v, i) => r.hostPort(v, `deviceOriginated.allowed[${i}]`)).filter((v): v is HostPort => v !== null)
}

function readIdle(r: Reader, value: Json): number | null {
  if (value === undefined || value === null) return null
  const t = r.object(value, 'timing')
  if (t === null) return null
  const idle = t['idleTimeoutSeconds']
  if (idle === undefined || idle === null) return null
  if (typeof idle !== 'number' || !(idle > 0) || idle > 3600) {
    r.problems.push(`timing.idleTimeoutSeconds must be a number of seconds from 0 to 3600, got ${JSON.stringify(idle)}`)
    return null
  }
  return idle
}
