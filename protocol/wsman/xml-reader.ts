/**
 * A small XML reader for SOAP envelopes: elements with namespace prefixes resolved, attributes,
 * character data (entities, character references and CDATA decoded), comments and processing
 * instructions skipped. No DOCTYPE, so no entity expansion; every input is bounded in size,
 * depth, element count and attribute count before it can cost memory. Errors are WsmanErrors
 * with WSMAN_ERR_XML_* codes.
 *
 * Not a general XML parser: no DTDs, no external anything, XML 1.0 names checked loosely
 * (non-ASCII letters accepted without the full production tables).
 */

import { ErrorCode } from '../errors.js'
import { WsmanError, type WsmanErrorCode } from './errors.js'

export interface XmlLimits {
  /** Largest document, in bytes (UTF-8) or characters for a string input. */
  readonly maxBytes: number
  /** Deepest element nesting; an envelope with an EPR selector needs about 10. */
  readonly maxDepth: number
  readonly maxElements: number
  /** Attributes on one element, namespace declarations included. */
  readonly maxAttributes: number
  readonly maxNameLength: number
}

export const DEFAULT_XML_LIMITS: XmlLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 32,
  maxElements: 20_000,
  maxAttributes: 32,
  maxNameLength: 256,
})

export interface XmlAttribute {
  /** As written, e.g. `a:mustUnderstand`. */
  readonly name: string
  readonly prefix: string
  readonly local: string
  /** Namespace URI; '' for an unprefixed attribute. */
  readonly ns: string
  readonly value: string
}

export interface XmlElement {
  readonly name: string
  readonly prefix: string
  readonly local: string
  /** Namespace URI; '' when none is in scope. */
  readonly ns: string
  readonly attributes: readonly XmlAttribute[]
  readonly children: readonly XmlElement[]
  /** Character data directly inside this element, in document order, exactly as decoded. */
  readonly text: string
}

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace'
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/'

// XML 1.0 Char: anything else (NUL, most C0 controls, lone surrogates, U+FFFE/F) is refused.
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function fail(code: WsmanErrorCode, message: string): WsmanError {
  return new WsmanError(code, message)
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0xc0
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7
}

function isXmlWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** Decode a document: bytes must be UTF-8 (what WS-MAN uses), a string is taken as is. */
export function decodeXmlText(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): string {
  if (input.length > limits.maxBytes) {
    throw fail(ErrorCode.WSMAN_ERR_XML_TOO_LARGE, `document of ${input.length} bytes exceeds ${limits.maxBytes}`)
  }
  let text: string
  if (typeof input === 'string') {
    text = input
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(input)
    } catch {
      throw fail(ErrorCode.WSMAN_ERR_XML_ENCODING, 'document is not valid UTF-8')
    }
  }
  if (INVALID_CHAR.test(text)) throw fail(ErrorCode.WSMAN_ERR_XML_MALFORMED, 'document contains a character XML does not allow')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** Replace entity and character references in already line-normalized text. */
export function decodeXmlEntities(raw: string): string {
  if (!raw.includes('&')) return raw
  let out = ''
  let from = 0
  for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
    const semi = raw.indexOf(';', amp)
    if (semi === -1 || semi - amp > 12) throw fail(ErrorCode.WSMAN_ERR_XML_ENTITY, `unterminated reference at ${amp}`)
    out += raw.slice(from, amp) + decodeReference(raw.slice(amp + 1, semi))
    from = semi + 1
  }
  return out + raw.slice(from)
}

function decodeReference(name: string): string {
  const named = NAMED_ENTITIES[name]
  if (named !== undefined) return named
  let code = Number.NaN
  if (/^#[0-9]{1,7}$/.test(name)) code = Number.parseInt(name.slice(1), 10)
  else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) code = Number.parseInt(name.slice(2), 16)
  if (Number.isNaN(code)) throw fail(ErrorCode.WSMAN_ERR_XML_ENTITY, `unknown entity &${name};`)
  if (code > 0x10ffff) throw fail(ErrorCode.WSMAN_ERR_XML_ENTITY, `character reference &${name}; out of range`)
  const ch = String.fromCodePoint(code)
  if (INVALID_CHAR.test(ch)) throw fail(ErrorCode.WSMAN_ERR_XML_ENTITY, `character reference &${name}; is not an XML character`)
  return ch
}

interface Frame {
  readonly name: string
  readonly prefix: string
  readonly local: string
  readonly declarations: ReadonlyMap<string, string> | null
  readonly rawAttributes: readonly (readonly [string, string])[]
  readonly children: XmlElement[]
  text: string
}

class XmlReader {
  private pos = 0
  private elements = 0
  private readonly stack: Frame[] = []
  private root: XmlElement | null = null

  constructor(
    private readonly src: string,
    private readonly limits: XmlLimits,
  ) {}

  read(): XmlElement {
    this.skipMisc()
    if (!this.src.startsWith('<', this.pos)) throw this.malformed('expected the root element')
    while (this.pos < this.src.length) {
      if (this.stack.length === 0 && this.root !== null) {
        this.skipMisc()
        if (this.pos < this.src.length) throw this.malformed('content after the root element')
        break
      }
      if (this.src.charCodeAt(this.pos) === 0x3c) this.markup()
      else this.charData()
    }
    if (this.root === null || this.stack.length > 0) throw this.malformed('document ends inside an element')
    return this.root
  }

  private malformed(message: string): WsmanError {
    return fail(ErrorCode.WSMAN_ERR_XML_MALFORMED, `${message} (offset ${this.pos})`)
  }

  /** Whitespace, comments and processing instructions (the XML declaration among them). */
  private skipMisc(): void {
    for (;;) {
      while (this.pos < this.src.length && isXmlWhitespace(this.src.charCodeAt(this.pos))) this.pos++
      if (this.src.startsWith('<?', this.pos)) this.skipPast('?>', 2)
      else if (this.src.startsWith('<!--', this.pos)) this.skipPast('-->', 4)
      else if (this.src.startsWith('<!', this.pos)) throw this.malformed('DOCTYPE and declarations are not accepted')
      else return
    }
  }

  private skipPast(terminator: string, openLength: number): void {
    const end = this.src.indexOf(terminator, this.pos + openLength)
    if (end === -1) throw this.malformed(`unterminated markup, expected ${terminator}`)
    this.pos = end + terminator.length
  }

  private markup(): void {
    const src = this.src
    if (src.startsWith('</', this.pos)) this.endTag()
    else if (src.startsWith('<!--', this.pos)) this.skipPast('-->', 4)
    else if (src.startsWith('<![CDATA[', this.pos)) {
      const end = src.indexOf(']]>', this.pos + 9)
      if (end === -1) throw this.malformed('unterminated CDATA section')
      this.appendText(src.slice(this.pos + 9, end).replace(/\r\n?/g, '\n'))
      this.pos = end + 3
    } else if (src.startsWith('<?', this.pos)) this.skipPast('?>', 2)
    else if (src.startsWith('<!', this.pos)) throw this.malformed('DOCTYPE and declarations are not accepted')
    else this.startTag()
  }

  private charData(): void {
    const next = this.src.indexOf('<', this.pos)
    const end = next === -1 ? this.src.length : next
    const raw = this.src.slice(this.pos, end)
    this.pos = end
    this.appendText(decodeXmlEntities(raw.replace(/\r\n?/g, '\n')))
  }

  private appendText(text: string): void {
    const top = this.stack[this.stack.length - 1]
    if (top === undefined) throw this.malformed('text outside the root element')
    top.text += text
  }

  private name(): string {
    const start = this.pos
    if (!isNameStart(this.src.charCodeAt(this.pos))) throw this.malformed('expected a name')
    while (this.pos < this.src.length && (isNameChar(this.src.charCodeAt(this.pos)) || this.src.charCodeAt(this.pos) === 0x3a)) {
      this.pos++
      if (this.pos - start > this.limits.maxNameLength) throw fail(ErrorCode.WSMAN_ERR_XML_TOO_MANY_NODES, 'name too long')
    }
    const name = this.src.slice(start, this.pos)
    const colon = name.indexOf(':')
    if (colon !== name.lastIndexOf(':') || colon === 0 || colon === name.length - 1) throw this.malformed(`bad qualified name ${name}`)
    if (colon > 0 && !isNameStart(name.charCodeAt(colon + 1))) throw this.malformed(`bad qualified name ${name}`)
    return name
  }

  private skipWhitespace(): boolean {
    const start = this.pos
    while (this.pos < this.src.length && isXmlWhitespace(this.src.charCodeAt(this.pos))) this.pos++
    return this.pos > start
  }

  private startTag(): void {
    this.pos++ // '<'
    const name = this.name()
    const attributes: (readonly [string, string])[] = []
    for (;;) {
      const spaced = this.skipWhitespace()
      if (this.src.startsWith('/>', this.pos) || this.src.startsWith('>', this.pos)) break
      if (!spaced) throw this.malformed('expected whitespace before an attribute')
      attributes.push(this.attribute())
      if (attributes.length > this.limits.maxAttributes) throw fail(ErrorCode.WSMAN_ERR_XML_TOO_MANY_NODES, `more than ${this.limits.maxAttributes} attributes`)
    }
    const selfClosing = this.src.startsWith('/>', this.pos)
    this.pos += selfClosing ? 2 : 1
    this.elements++
    if (this.elements > this.limits.maxElements) throw fail(ErrorCode.WSMAN_ERR_XML_TOO_MANY_NODES, `more than ${this.limits.maxElements} elements`)
    if (this.stack.length >= this.limits.maxDepth) throw fail(ErrorCode.WSMAN_ERR_XML_TOO_DEEP, `elements nested deeper than ${this.limits.maxDepth}`)
    if (this.root !== null && this.stack.length === 0) throw this.malformed('a second root element')
    const colon = name.indexOf(':')
    this.stack.push({
      name,
      prefix: colon === -1 ? '' : name.slice(0, colon),
      local: colon === -1 ? name : name.slice(colon + 1),
      declarations: declarationsOf(attributes),
      rawAttributes: attributes,
      children: [],
      text: '',
    })
    if (selfClosing) this.closeTop()
  }

  private attribute(): readonly [string, string] {
    const name = this.name()
    this.skipWhitespace()
    if (this.src.charCodeAt(this.pos) !== 0x3d) throw this.malformed(`attribute ${name} has no '='`)
    this.pos++
    this.skipWhitespace()
    const quote = this.src[this.pos]
    if (quote !== '"' && quote !== "'") throw this.malformed(`attribute ${name} value is not quoted`)
    const end = this.src.indexOf(quote, this.pos + 1)
    if (end === -1) throw this.malformed(`unterminated value of attribute ${name}`)
    const raw = this.src.slice(this.pos + 1, end)
    if (raw.includes('<')) throw this.malformed(`'<' in the value of attribute ${name}`)
    this.pos = end + 1
    // Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace becomes a space.
    return [name, decodeXmlEntities(raw.replace(/\r\n|[\r\n\t]/g, ' '))]
  }

  private endTag(): void {
    this.pos += 2
    const name = this.name()
    this.skipWhitespace()
    if (this.src.charCodeAt(this.pos) !== 0x3e) throw this.malformed(`end tag ${name} not closed`)
    this.pos++
    const top = this.stack[this.stack.length - 1]
    if (top === undefined || top.name !== name) throw this.malformed(`end tag ${name} does not match ${top?.name ?? 'nothing'}`)
    this.closeTop()
  }

  private closeTop(): void {
    const frame = this.stack[this.stack.length - 1] as Frame
    const element: XmlElement = {
      name: frame.name,
      prefix: frame.prefix,
      local: frame.local,
      ns: this.resolve(frame.prefix, true),
      attributes: this.resolveAttributes(frame.rawAttributes),
      children: frame.children,
      text: frame.text,
    }
    this.stack.pop()
    const parent = this.stack[this.stack.length - 1]
    if (parent === undefined) this.root = element
    else parent.children.push(element)
  }

  /** Namespace of `prefix` in the scope of the top frame. */
  private resolve(prefix: string, forElement: boolean): string {
    if (prefix === 'xml') return XML_NAMESPACE
    if (prefix === 'xmlns') {
      if (forElement) throw fail(ErrorCode.WSMAN_ERR_XML_NAMESPACE, 'the xmlns prefix cannot name an element')
      return XMLNS_NAMESPACE
    }
    if (prefix === '' && !forElement) return ''
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const uri = this.stack[i]?.declarations?.get(prefix)
      if (uri !== undefined) return uri
    }
    if (prefix === '') return ''
    throw fail(ErrorCode.WSMAN_ERR_XML_NAMESPACE, `undeclared namespace prefix ${prefix}`)
  }

  private resolveAttributes(raw: readonly (readonly [string, string])[]): XmlAttribute[] {
    const out: XmlAttribute[] = []
    const seen = new Set<string>()
    for (const [name, value] of raw) {
      const colon = name.indexOf(':')
      const prefix = colon === -1 ? '' : name.slice(0, colon)
      const local = colon === -1 ? name : name.slice(colon + 1)
      const ns = name === 'xmlns' ? XMLNS_NAMESPACE : this.resolve(prefix, false)
      const key = `${ns} ${local}`
      if (seen.has(key)) throw this.malformed(`attribute ${name} appears twice`)
      seen.add(key)
      out.push({ name, prefix, local, ns, value })
    }
    return out
  }
}

function declarationsOf(attributes: readonly (readonly [string, string])[]): Map<string, string> | null {
  let map: Map<string, string> | null = null
  for (const [name, value] of attributes) {
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue
    const prefix = name === 'xmlns' ? '' : name.slice(6)
    if (prefix !== '' && value === '') throw fail(ErrorCode.WSMAN_ERR_XML_NAMESPACE, `prefix ${prefix} bound to the empty namespace`)
    if (prefix === 'xml' || prefix === 'xmlns') throw fail(ErrorCode.WSMAN_ERR_XML_NAMESPACE, `prefix ${prefix} cannot be redeclared`)
    map ??= new Map()
    map.set(prefix, value)
  }
  return map
}

/** Parse a document into its root element, or throw a WsmanError. */
export function parseXml(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  return new XmlReader(decodeXmlText(input, limits), limits).read()
}

/** Child elements with this namespace and local name. */
export function childrenNamed(element: XmlElement, ns: string, local: string): XmlElement[] {
  return element.children.filter((c) => c.local === local && c.ns === ns)
}

export function childNamed(element: XmlElement, ns: string, local: string): XmlElement | undefined {
  return element.children.find((c) => c.local === local && c.ns === ns)
}

export function attributeValue(element: XmlElement, local: string, ns = ''): string | undefined {
  return element.attributes.find((a) => a.local === local && a.ns === ns)?.value
}
