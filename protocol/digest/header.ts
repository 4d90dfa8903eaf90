/**
 * `WWW-Authenticate: Digest …` and `Authorization: Digest …` (RFC 2617 / RFC 7616 syntax), as
 * AMT sends the first and as the consoles send the second (redirection-wsman.md §4.2).
 *
 * Parsing is tolerant where real clients differ: values quoted or not (MeshCommander leaves
 * `qop` and `nc` bare, MPS and the go client quote everything), commas inside quoted strings,
 * qop lists such as `"auth-int, auth"`, empty list elements, any case in parameter names.
 * It is strict about structure: one scheme, `name=value` pairs separated by commas, no
 * duplicates, bounded length and count. Anything else is a DigestError with a stable code.
 */

import { ErrorCode } from '../errors.js'
import { DigestError } from './errors.js'

export interface DigestLimits {
  /** Longest header value accepted (characters). Real ones are under 400. */
  readonly maxHeaderLength: number
  /** Most `name=value` pairs in one header. */
  readonly maxParameters: number
}

export const DEFAULT_DIGEST_LIMITS: DigestLimits = Object.freeze({ maxHeaderLength: 4096, maxParameters: 24 })

export interface DigestParameter {
  /** Lower-cased parameter name. */
  readonly name: string
  readonly value: string
  readonly quoted: boolean
}

export interface DigestChallenge {
  readonly realm: string
  readonly nonce: string
  /** The qop options offered, in order; empty when the challenge has no qop (RFC 2069). */
  readonly qop: readonly string[]
  readonly stale: boolean
  readonly opaque: string | null
  readonly algorithm: string | null
}

export interface DigestAuthorization {
  readonly username: string
  readonly realm: string
  readonly nonce: string
  readonly uri: string
  /** 32 hex digits (case as sent). */
  readonly response: string
  /** null for RFC 2069 (no qop, nc or cnonce). */
  readonly qop: string | null
  readonly nc: string | null
  readonly cnonce: string | null
  readonly opaque: string | null
  readonly algorithm: string | null
}

/**
 * How a console formats its Authorization header (redirection-wsman.md §4.2):
 * - `meshcommander`: `qop` and `nc` bare, order username realm nonce uri qop response nc cnonce;
 * - `mps`: every value quoted, same order as MeshCommander;
 * - `go`: every value quoted, order username realm nonce uri response qop nc cnonce;
 * - `rfc2617`: the RFC's own example layout, `, ` separators.
 */
export type DigestClientStyle = 'meshcommander' | 'mps' | 'go' | 'rfc2617'

export const DIGEST_CLIENT_STYLES: readonly DigestClientStyle[] = ['meshcommander', 'mps', 'go', 'rfc2617']

// RFC 7230 tchar: what a parameter name (and a value safe to leave bare) may contain.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function isTokenChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return true
  return "!#$%&'*+.^_`|~-".includes(String.fromCharCode(code))
}

// A bare value: visible ASCII but the separators that would end it. Wider than tchar because
// clients leave base64 nonces and URIs bare too.
function isBareValueChar(code: number): boolean {
  return code > 0x20 && code < 0x7f && code !== 0x2c && code !== 0x22
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09
}

function malformed(message: string): DigestError {
  return new DigestError(ErrorCode.DIGEST_ERR_MALFORMED, message)
}

class Cursor {
  pos = 0
  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length
  }

  code(): number {
    return this.text.charCodeAt(this.pos)
  }

  skipWhitespace(): void {
    while (!this.atEnd && isWhitespace(this.code())) this.pos++
  }

  token(): string {
    const start = this.pos
    while (!this.atEnd && isTokenChar(this.code())) this.pos++
    return this.text.slice(start, this.pos)
  }

  // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
  quoted(): string {
    this.pos++ // opening quote
    let out = ''
    for (;;) {
      if (this.atEnd) throw malformed('unterminated quoted string')
      const c = this.code()
      if (c === 0x22) {
        this.pos++
        return out
      }
      if (c === 0x5c) {
        this.pos++
        if (this.atEnd) throw malformed('backslash at the end of a quoted string')
      }
      const next = this.code()
      if ((next < 0x20 && next !== 0x09) || next === 0x7f) throw malformed('control character in a quoted string')
      out += this.text[this.pos]
      this.pos++
    }
  }

  bare(): string {
    const start = this.pos
    while (!this.atEnd && isBareValueChar(this.code())) this.pos++
    return this.text.slice(start, this.pos)
  }
}

/** The parameters of a `Digest` header value, in order, names lower-cased. */
export function parseDigestParameters(header: string, limits: DigestLimits = DEFAULT_DIGEST_LIMITS): DigestParameter[] {
  if (header.length > limits.maxHeaderLength) {
    throw new DigestError(ErrorCode.DIGEST_ERR_TOO_LONG, `Digest header of ${header.length} characters exceeds ${limits.maxHeaderLength}`)
  }
  const c = new Cursor(header)
  c.skipWhitespace()
  const scheme = c.token()
  if (scheme.toLowerCase() !== 'digest') throw new DigestError(ErrorCode.DIGEST_ERR_NOT_DIGEST, `not a Digest header (scheme ${JSON.stringify(scheme)})`)
  if (!c.atEnd && !isWhitespace(c.code())) throw malformed('no space after the Digest scheme')
  const params: DigestParameter[] = []
  const seen = new Set<string>()
  for (;;) {
    while (!c.atEnd && (isWhitespace(c.code()) || c.code() === 0x2c)) c.pos++
    if (c.atEnd) return params
    const param = readParameter(c)
    if (seen.has(param.name)) throw new DigestError(ErrorCode.DIGEST_ERR_DUPLICATE_PARAMETER, `parameter ${param.name} appears twice`)
    seen.add(param.name)
    params.push(param)
    if (params.length > limits.maxParameters) {
      throw new DigestError(ErrorCode.DIGEST_ERR_TOO_LONG, `more than ${limits.maxParameters} Digest parameters`)
    }
    c.skipWhitespace()
    if (!c.atEnd && c.code() !== 0x2c) throw malformed(`unexpected character after parameter ${param.name}`)
  }
}

// auth-param = token BWS "=" BWS ( token / quoted-string )
function readParameter(c: Cursor): DigestParameter {
  const name = c.token().toLowerCase()
  if (name === '') throw malformed(`expected a parameter name at offset ${c.pos}`)
  c.skipWhitespace()
  if (c.atEnd || c.code() !== 0x3d) throw malformed(`parameter ${name} has no '='`)
  c.pos++
  c.skipWhitespace()
  if (!c.atEnd && c.code() === 0x22) return { name, value: c.quoted(), quoted: true }
  const value = c.bare()
  if (value === '') throw malformed(`parameter ${name} has no value`)
  return { name, value, quoted: false }
}

function toMap(params: readonly DigestParameter[]): Map<string, string> {
  return new Map(params.map((p) => [p.name, p.value]))
}

function required(map: Map<string, string>, name: string, what: string): string {
  const value = map.get(name)
  if (value === undefined) throw new DigestError(ErrorCode.DIGEST_ERR_MISSING_PARAMETER, `${what} has no ${name}`)
  return value
}

/** `qop="auth-int, auth"` → ["auth-int", "auth"]. */
export function splitQopList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

export function parseDigestChallenge(header: string, limits: DigestLimits = DEFAULT_DIGEST_LIMITS): DigestChallenge {
  const map = toMap(parseDigestParameters(header, limits))
  const qop = map.get('qop')
  return {
    realm: required(map, 'realm', 'challenge'),
    nonce: required(map, 'nonce', 'challenge'),
    qop: qop === undefined ? [] : splitQopList(qop),
    stale: (map.get('stale') ?? '').toLowerCase() === 'true',
    opaque: map.get('opaque') ?? null,
    algorithm: map.get('algorithm') ?? null,
  }
}

export function parseDigestAuthorization(header: string, limits: DigestLimits = DEFAULT_DIGEST_LIMITS): DigestAuthorization {
  const map = toMap(parseDigestParameters(header, limits))
  const what = 'Authorization'
  const auth: DigestAuthorization = {
    username: required(map, 'username', what),
    realm: required(map, 'realm', what),
    nonce: required(map, 'nonce', what),
    uri: required(map, 'uri', what),
    response: required(map, 'response', what),
    qop: map.get('qop') ?? null,
    nc: null,
    cnonce: null,
    opaque: map.get('opaque') ?? null,
    algorithm: map.get('algorithm') ?? null,
  }
  if (!/^[0-9a-fA-F]{32}$/.test(auth.response)) {
    throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, 'response is not 32 hex digits')
  }
  if (auth.qop === null) return auth
  // RFC 2617 §3.2.2: with qop, nc and cnonce are mandatory; nc is exactly 8 hex digits.
  const nc = required(map, 'nc', what)
  if (!/^[0-9a-fA-F]{8}$/.test(nc)) throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, 'nc is not 8 hex digits')
  return { ...auth, nc, cnonce: required(map, 'cnonce', what) }
}

function checkValue(name: string, value: string): void {
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new DigestError(ErrorCode.DIGEST_ERR_INVALID_PARAMETER, `${name} contains a control character`)
  }
}

function quoted(name: string, value: string): string {
  checkValue(name, value)
  return `${name}="${value.replace(/[\\"]/g, '\\$&')}"`
}

/** Bare when the value is a token, quoted otherwise (so the header always parses back). */
function bare(name: string, value: string): string {
  return TOKEN.test(value) ? `${name}=${value}` : quoted(name, value)
}

/**
 * The challenge exactly as AMT words it: `Digest realm="…", nonce="…",stale="false",qop="auth"`
 * (one space after the first comma only, as captured).
 */
export function buildDigestChallenge(challenge: DigestChallenge): string {
  let out = `Digest ${quoted('realm', challenge.realm)}, ${quoted('nonce', challenge.nonce)},${quoted('stale', challenge.stale ? 'true' : 'false')}`
  if (challenge.qop.length > 0) out += `,${quoted('qop', challenge.qop.join(', '))}`
  if (challenge.opaque !== null) out += `,${quoted('opaque', challenge.opaque)}`
  if (challenge.algorithm !== null) out += `,${bare('algorithm', challenge.algorithm)}`
  return out
}

type Field = readonly [name: keyof DigestAuthorization, form: 'q' | 'b']

const STYLE_FIELDS: Record<DigestClientStyle, readonly Field[]> = {
  meshcommander: [['username', 'q'], ['realm', 'q'], ['nonce', 'q'], ['uri', 'q'], ['qop', 'b'], ['response', 'q'], ['nc', 'b'], ['cnonce', 'q'], ['opaque', 'q']],
  mps: [['username', 'q'], ['realm', 'q'], ['nonce', 'q'], ['uri', 'q'], ['qop', 'q'], ['response', 'q'], ['nc', 'q'], ['cnonce', 'q'], ['opaque', 'q']],
  go: [['username', 'q'], ['realm', 'q'], ['nonce', 'q'], ['uri', 'q'], ['response', 'q'], ['opaque', 'q'], ['qop', 'q'], ['nc', 'q'], ['cnonce', 'q']],
  rfc2617: [['username', 'q'], ['realm', 'q'], ['nonce', 'q'], ['uri', 'q'], ['qop', 'b'], ['nc', 'b'], ['cnonce', 'q'], ['response', 'q'], ['opaque', 'q']],
}

/** The Authorization header value a console of `style` sends. */
export function buildDigestAuthorization(auth: DigestAuthorization, style: DigestClientStyle): string {
  const parts: string[] = []
  for (const [name, form] of STYLE_FIELDS[style]) {
    const value = auth[name]
    if (value === null) continue
    if (auth.qop === null && (name === 'nc' || name === 'cnonce')) continue
    parts.push(form === 'q' ? quoted(name, value) : bare(name, value))
  }
  if (auth.algorithm !== null) parts.push(bare('algorithm', auth.algorithm))
  return `Digest ${parts.join(style === 'rfc2617' ? ', ' : ',')}`
}
