/**
 * Value parsers for the gateway's settings. Each takes what a source gave (a JSON value from a
 * file, or text from the environment, a flag or mps.config) and returns the typed value or one
 * problem sentence; the loader attaches where the value came from.
 */

import { isIP } from 'node:net'
import { isUuidText } from '../protocol/apf/index.js'

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string }

export type ValueParser<T> = (raw: unknown) => Parsed<T>

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value })
const bad = (problem: string): Parsed<never> => ({ ok: false, problem })

function show(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw) ?? String(raw)
}

export function integerIn(min: number, max: number): ValueParser<number> {
  return (raw) => {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN
    if (!Number.isInteger(n) || n < min || n > max) return bad(`must be a whole number from ${min} to ${max}, got ${show(raw)}`)
    return ok(n)
  }
}

export const parseBoolean: ValueParser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return ok(raw)
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase()
    if (['1', 'true', 'yes', 'on'].includes(t)) return ok(true)
    if (['0', 'false', 'no', 'off'].includes(t)) return ok(false)
  }
  return bad(`must be true or false, got ${show(raw)}`)
}

export function oneOf<T extends string>(choices: readonly T[]): ValueParser<T> {
  return (raw) => {
    if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return ok(raw as T)
    return bad(`must be one of ${choices.join(', ')}, got ${show(raw)}`)
  }
}

/** A non-empty string, or null from JSON null / empty text. */
export const parseOptionalString: ValueParser<string | null> = (raw) => {
  if (raw === null) return ok(null)
  if (typeof raw !== 'string') return bad(`must be text, got ${show(raw)}`)
  return ok(raw === '' ? null : raw)
}

export const parseString: ValueParser<string> = (raw) => {
  if (typeof raw !== 'string' || raw === '') return bad(`must be non-empty text, got ${show(raw)}`)
  return ok(raw)
}

/** A list from a JSON array or comma-separated text, each item parsed by `item`. */
export function listOf<T>(item: ValueParser<T>): ValueParser<T[]> {
  return (raw) => {
    let items: unknown[]
    if (Array.isArray(raw)) items = raw
    else if (typeof raw === 'string') items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
    else return bad(`must be a list (JSON array or comma-separated text), got ${show(raw)}`)
    const out: T[] = []
    for (const [index, value] of items.entries()) {
      const parsed = item(value)
      if (!parsed.ok) return bad(`item ${index + 1}: ${parsed.problem}`)
      out.push(parsed.value)
    }
    return ok(out)
  }
}

export const parsePort = integerIn(1, 65535)

export const parseUuid: ValueParser<string> = (raw) => {
  if (typeof raw !== 'string' || !isUuidText(raw)) return bad(`must be a UUID like 4c4c4544-004b-4210-8033-b6c04f504633, got ${show(raw)}`)
  return ok(raw.toLowerCase())
}

/** `HOST:PORT`, `[IPv6]:PORT`, or `off`/null for a listener that is turned off. Port 0 = any free port. */
export const parseListen: ValueParser<ListenAddress | null> = (raw) => {
  if (raw === null || raw === false) return ok(null)
  if (typeof raw !== 'string') return bad(`must be HOST:PORT or off, got ${show(raw)}`)
  const text = raw.trim()
  if (text.toLowerCase() === 'off') return ok(null)
  const parsed = splitHostPort(text, 0)
  if (!parsed.ok) return parsed
  return ok(parsed.value)
}

/** `host:port` of a server a device may reach (alerts). Port 1..65535. */
export const parseServer: ValueParser<ListenAddress> = (raw) => {
  if (typeof raw !== 'string') return bad(`must be HOST:PORT, got ${show(raw)}`)
  return splitHostPort(raw.trim(), 1)
}

function splitHostPort(text: string, minPort: number): Parsed<ListenAddress> {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text)
  if (match === null) return bad(`must be HOST:PORT (IPv6 as [::1]:PORT), got ${show(text)}`)
  const host = (match[1] ?? match[2]) as string
  if (match[1] !== undefined && isIP(host) !== 6) return bad(`'${host}' is not an IPv6 address`)
  const port = Number(match[3])
  if (port < minPort || port > 65535) return bad(`port must be from ${minPort} to 65535, got ${port}`)
  return ok({ host, port })
}

/** `host:port` text for logs and the ready line: IPv6 in brackets. */
export function formatHostPort(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

export interface CredentialSetting {
  readonly username: string
  /** Exactly one of password and passwordHash is set. */
  readonly password: string | null
  /** `scrypt$N$r$p$salt$hash` (base64 salt and hash), as made by `ciralab gateway --hash-password`. */
  readonly passwordHash: string | null
  /** Devices this pair may authenticate; null = any device. */
  readonly uuids: readonly string[] | null
}

const SCRYPT_HASH = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/

export const parseCredential: ValueParser<CredentialSetting> = (raw) => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad(`must be an object {username, password | passwordHash, uuids?}`)
  const o = raw as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!['username', 'password', 'passwordHash', 'uuids'].includes(key)) return bad(`unknown field '${key}'`)
  }
  if (typeof o['username'] !== 'string' || o['username'] === '') return bad('username must be non-empty text')
  const password = o['password'] ?? null
  const passwordHash = o['passwordHash'] ?? null
  if ((password === null) === (passwordHash === null)) return bad('give exactly one of password and passwordHash')
  if (password !== null && (typeof password !== 'string' || password === '')) return bad('password must be non-empty text')
  if (passwordHash !== null && (typeof passwordHash !== 'string' || !SCRYPT_HASH.test(passwordHash))) {
    return bad('passwordHash must look like scrypt$N$r$p$salt$hash (ciralab gateway --hash-password makes one)')
  }
  let uuids: string[] | null = null
  if (o['uuids'] !== undefined && o['uuids'] !== null) {
    const parsed = listOf(parseUuid)(o['uuids'])
    if (!parsed.ok) return bad(`uuids: ${parsed.problem}`)
    uuids = parsed.value
  }
  return ok({ username: o['username'], password: password as string | null, passwordHash: passwordHash as string | null, uuids })
}

export interface ProxyAuthSetting {
  readonly username: string
  readonly password: string
}

export const parseProxyAuth: ValueParser<ProxyAuthSetting | null> = (raw) => {
  if (raw === null) return ok(null)
  if (typeof raw === 'string') {
    const colon = raw.indexOf(':')
    if (colon <= 0 || colon === raw.length - 1) return bad(`must be USER:PASSWORD, got a value without both parts`)
    return ok({ username: raw.slice(0, colon), password: raw.slice(colon + 1) })
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>
    if (typeof o['username'] === 'string' && o['username'] !== '' && typeof o['password'] === 'string' && o['password'] !== '') {
      return ok({ username: o['username'], password: o['password'] })
    }
  }
  return bad('must be {username, password} or USER:PASSWORD text')
}

export const parseUrl: ValueParser<string> = (raw) => {
  if (typeof raw !== 'string') return bad(`must be an http(s) URL, got ${show(raw)}`)
  try {
    const url = new URL(raw)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad(`must be an http(s) URL, got ${show(raw)}`)
    return ok(url.href)
  } catch {
    return bad(`must be an http(s) URL, got ${show(raw)}`)
  }
}

/** `{"10.0.0.5": "amt-1.example"}`: an IP literal a console may use for a device name (SOCKS5 ATYP 1/4, HTTP IP hosts). */
export const parseAddressMap: ValueParser<Readonly<Record<string, string>>> = (raw) => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad('must be an object {"IP": "device name or UUID"}')
  const out: Record<string, string> = {}
  for (const [ip, name] of Object.entries(raw as Record<string, unknown>)) {
    if (isIP(ip) === 0) return bad(`'${ip}' is not an IP address`)
    if (typeof name !== 'string' || name === '') return bad(`the name for ${ip} must be non-empty text`)
    out[ip] = name
  }
  return ok(out)
}
