/**
 * Request targets and headers for the HTTP proxy: absolute-form (`http://host:port/path`) and
 * authority-form (`host:port`, CONNECT) parsed strictly by hand rather than by the WHATWG URL
 * parser, which would quietly turn `010.0.0.1` into `8.0.0.1`; hop-by-hop headers dropped
 * both ways (RFC 9110 §7.6.1).
 */

import { isValidDomainName } from '../../protocol/socks5/index.js'

export interface HttpTarget {
  /** As the console wrote it, brackets removed from IPv6. */
  readonly host: string
  readonly port: number
  /** origin-form: path and query, at least `/`. */
  readonly path: string
  /** `host:port` as written, for a Host header when the console sent none. */
  readonly authority: string
}

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string }

const ABSOLUTE_FORM = /^http:\/\/([^/?#]*)([/?][^#]*)?$/i
const PORT = /^[0-9]{1,5}$/

/** `http://authority[/path][?query]`; the default port is 80 (then refused by AllowCONNECT). */
export function parseAbsoluteForm(url: string): ParseResult<HttpTarget> {
  const match = ABSOLUTE_FORM.exec(url)
  if (match === null) {
    const reason = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? 'only http:// targets are proxied' : 'the proxy needs an absolute-form target (http://host:port/path)'
    return { ok: false, reason }
  }
  const authority = parseAuthority(match[1] as string, 80)
  if (!authority.ok) return authority
  const rest = match[2] ?? ''
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest
  return { ok: true, value: { ...authority.value, path, authority: match[1] as string } }
}

/** CONNECT's `host:port` (port required). */
export function parseAuthorityForm(text: string): ParseResult<{ host: string; port: number }> {
  return parseAuthority(text, null)
}

function parseAuthority(text: string, defaultPort: number | null): ParseResult<{ host: string; port: number }> {
  if (text.includes('@')) return { ok: false, reason: 'user information in the target is not allowed' }
  let host: string
  let portText: string | null
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return { ok: false, reason: 'unterminated [IPv6] host' }
    host = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, reason: 'junk after the [IPv6] host' }
    portText = rest === '' ? null : rest.slice(1)
  } else {
    const colon = text.indexOf(':')
    if (colon !== text.lastIndexOf(':')) return { ok: false, reason: 'an IPv6 host must be in brackets' }
    host = colon < 0 ? text : text.slice(0, colon)
    portText = colon < 0 ? null : text.slice(colon + 1)
  }
  if (!isValidDomainName(Buffer.from(host, 'latin1')) || Buffer.byteLength(host) !== host.length) {
    return { ok: false, reason: 'the host is empty or not printable ASCII' }
  }
  if (portText === null) {
    if (defaultPort === null) return { ok: false, reason: 'the target needs a port (host:port)' }
    return { ok: true, value: { host, port: defaultPort } }
  }
  const port = Number(portText)
  if (!PORT.test(portText) || port < 1 || port > 65535) return { ok: false, reason: `port ${JSON.stringify(portText)} is not in 1..65535` }
  return { ok: true, value: { host, port } }
}

// Hop-by-hop: meaningful for one connection only, never relayed (RFC 9110 §7.6.1, RFC 9112 §9.6,
// plus the de-facto Proxy-Connection and Keep-Alive). Expect is answered by us (100 Continue).
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
])

// A Connection header cannot strip these: the body's framing and the target depend on them.
const NEVER_NAMED = new Set(['host', 'content-length'])

/**
 * `rawHeaders` (flat name/value list) without hop-by-hop headers or any header a Connection
 * header names. Names keep their case and order; Proxy-Support and Host pass.
 */
export function withoutHopByHop(rawHeaders: readonly string[]): string[] {
  const named = new Set<string>()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase()
    if (name === 'connection' || name === 'proxy-connection') {
      for (const token of (rawHeaders[i + 1] as string).split(',')) {
        const tokenName = token.trim().toLowerCase()
        if (!NEVER_NAMED.has(tokenName)) named.add(tokenName)
      }
    }
  }
  const out: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase()
    if (HOP_BY_HOP.has(name) || named.has(name)) continue
    out.push(rawHeaders[i] as string, rawHeaders[i + 1] as string)
  }
  return out
}

/** First value of header `name` (lower case) in a flat list. */
export function headerValue(rawHeaders: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) return rawHeaders[i + 1]
  }
  return undefined
}
