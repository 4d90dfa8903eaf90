/**
 * WS-MAN responses in the shape AMT sends them (captured, redirection-wsman.md §4.3–§5), built
 * and parsed. One line, no whitespace between elements.
 *
 * Namespace prefixes, in declaration order:
 *   a soap12, b addressing, c wsman, d trust, e wss-secext, f cimbinding, then
 *   Get/Put/Invoke: g = the class namespace;
 *   Enumerate:      g = enumeration;
 *   Pull:           g = enumeration, h… = each item class namespace, next = wscim common
 *                   (only when there are items);
 *   and xsi last.
 *   Faults use their own captured order: g cimbinding, f eventing, e wsman, d transfer,
 *   c enumeration, b addressing, a soap12, h trust, i wss-secext, xsi.
 * Header order: b:To (anonymous), b:RelatesTo, b:Action a:mustUnderstand="true", b:MessageID,
 * c:ResourceURI (absent from the DestinationUnreachable fault).
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'
import { faultAction, type WsmanFault } from './faults.js'
import { makeProperties, type Properties, type WsmanInstance } from './model.js'
import { ACTION, ANONYMOUS, NS, resourceUriFor } from './namespaces.js'
import { checkMethodName, headerText, splitEnvelope } from './request.js'
import { parseProperties, renderProperties, type Prefixes } from './values.js'
import { childNamed, childrenNamed, DEFAULT_XML_LIMITS, parseXml, XML_NAMESPACE, type XmlElement, type XmlLimits } from './xml-reader.js'
import { checkXmlName, escapeXmlAttribute, escapeXmlText } from './xml-writer.js'

export interface ResponseHeader {
  /** The request's MessageID, echoed: MPS routes replies by it. */
  readonly relatesTo: string
  readonly messageId: string
  readonly resourceUri: string | null
}

export interface IdentifyInfo {
  readonly protocolVersion: string
  readonly productVendor: string
  /** e.g. "AMT 11.8" */
  readonly productVersion: string
  readonly dashVersion: string | null
  readonly securityProfiles: readonly string[]
}

export type WsmanResponse =
  | { readonly kind: 'get' | 'put'; readonly header: ResponseHeader; readonly instance: WsmanInstance }
  | { readonly kind: 'delete' | 'release'; readonly header: ResponseHeader }
  | { readonly kind: 'enumerate'; readonly header: ResponseHeader; readonly context: string }
  | {
      readonly kind: 'pull'
      readonly header: ResponseHeader
      readonly items: readonly WsmanInstance[]
      /** null on the last page: MeshCommander keeps pulling while a context is present. */
      readonly context: string | null
      readonly endOfSequence: boolean
    }
  | { readonly kind: 'invoke'; readonly header: ResponseHeader; readonly method: string; readonly output: Properties }
  | { readonly kind: 'fault'; readonly header: ResponseHeader; readonly fault: WsmanFault }
  | { readonly kind: 'identify'; readonly identity: IdentifyInfo }
  /** Parsed only: an action this codec has no shape for. */
  | { readonly kind: 'other'; readonly header: ResponseHeader; readonly action: string; readonly body: Properties }

export const AMT_MESSAGE_ID_PREFIX = 'uuid:00000000-8086-8086-8086-'

/** `uuid:00000000-8086-8086-8086-` + 12 upper-case hex digits of a counter (captured). */
export function formatAmtMessageId(counter: number): string {
  return AMT_MESSAGE_ID_PREFIX + (counter % 2 ** 48).toString(16).toUpperCase().padStart(12, '0')
}

/** `01000000-0000-0000-0000-000000000000`: the context number as a little-endian u32 (captured `5E1A0000-…`). */
export function formatEnumerationContext(counter: number): string {
  const le = Buffer.alloc(4)
  le.writeUInt32LE(counter >>> 0)
  return `${le.toString('hex').toUpperCase()}-0000-0000-0000-000000000000`
}

const BASE_DECLARATIONS: readonly (readonly [string, string])[] = [
  ['a', NS.SOAP],
  ['b', NS.ADDRESSING],
  ['c', NS.WSMAN],
  ['d', NS.TRUST],
  ['e', NS.WSS],
  ['f', NS.CIMBINDING],
]

const FAULT_DECLARATIONS: readonly (readonly [string, string])[] = [
  ['g', NS.CIMBINDING],
  ['f', NS.EVENTING],
  ['e', NS.WSMAN],
  ['d', NS.TRANSFER],
  ['c', NS.ENUMERATION],
  ['b', NS.ADDRESSING],
  ['a', NS.SOAP],
  ['h', NS.TRUST],
  ['i', NS.WSS],
]

const RESPONSE_PREFIXES: Prefixes = { addressing: 'b', wsman: 'c' }
const LETTERS = 'ghijklmnopqrstuvwxyz'

function envelopeStart(declarations: readonly (readonly [string, string])[], withXsi = true): string {
  const all = withXsi ? [...declarations, ['xsi', NS.XSI] as const] : declarations
  return `<?xml version="1.0" encoding="UTF-8"?><a:Envelope ${all.map(([p, uri]) => `xmlns:${p}="${escapeXmlAttribute(uri)}"`).join(' ')}>`
}

function renderHeader(h: ResponseHeader, action: string, wsmanPrefix: string): string {
  const resource = h.resourceUri === null ? '' : `<${wsmanPrefix}:ResourceURI>${escapeXmlText(h.resourceUri)}</${wsmanPrefix}:ResourceURI>`
  return (
    `<a:Header><b:To>${ANONYMOUS}</b:To><b:RelatesTo>${escapeXmlText(h.relatesTo)}</b:RelatesTo>` +
    `<b:Action a:mustUnderstand="true">${escapeXmlText(action)}</b:Action><b:MessageID>${escapeXmlText(h.messageId)}</b:MessageID>${resource}</a:Header>`
  )
}

function requireResource(h: ResponseHeader, what: string): string {
  if (h.resourceUri === null) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `${what} response needs a ResourceURI`)
  return h.resourceUri
}

function classNamespace(className: string, fallback: string | null): string {
  try {
    return resourceUriFor(className)
  } catch (error) {
    if (fallback === null) throw error
    return fallback
  }
}

function renderInstance(instance: WsmanInstance, prefix: string): string {
  const name = checkXmlName(instance.className, 'class')
  return `<${prefix}:${name}>${renderProperties(instance.properties, prefix, RESPONSE_PREFIXES)}</${prefix}:${name}>`
}

function buildPull(r: Extract<WsmanResponse, { kind: 'pull' }>): string {
  const namespaces: string[] = []
  for (const item of r.items) {
    const ns = classNamespace(item.className, r.header.resourceUri)
    if (!namespaces.includes(ns)) namespaces.push(ns)
  }
  if (namespaces.length + 1 >= LETTERS.length) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, 'too many item classes in one pull')
  const declarations = [...BASE_DECLARATIONS, ['g', NS.ENUMERATION] as const]
  namespaces.forEach((ns, i) => declarations.push([LETTERS[i + 1] as string, ns]))
  // Captured: the wscim common namespace is declared only when the page carries items.
  if (namespaces.length > 0) declarations.push([LETTERS[namespaces.length + 1] as string, NS.COMMON])
  const prefixOf = (item: WsmanInstance): string => LETTERS[namespaces.indexOf(classNamespace(item.className, r.header.resourceUri)) + 1] as string
  const context = r.context === null ? '' : `<g:EnumerationContext>${escapeXmlText(r.context)}</g:EnumerationContext>`
  const items = r.items.map((item) => renderInstance(item, prefixOf(item))).join('')
  const end = r.endOfSequence ? '<g:EndOfSequence></g:EndOfSequence>' : ''
  return `${envelopeStart(declarations)}${renderHeader(r.header, `${ACTION.PULL}Response`, 'c')}<a:Body><g:PullResponse>${context}<g:Items>${items}</g:Items>${end}</g:PullResponse></a:Body></a:Envelope>`
}

const FAULT_PREFIX: Readonly<Record<string, string>> = {
  [NS.ADDRESSING]: 'b',
  [NS.ENUMERATION]: 'c',
  [NS.TRANSFER]: 'd',
  [NS.WSMAN]: 'e',
  [NS.EVENTING]: 'f',
  [NS.CIMBINDING]: 'g',
}

function buildFault(header: ResponseHeader, f: WsmanFault): string {
  const prefix = FAULT_PREFIX[f.subcodeNamespace]
  if (prefix === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `no prefix for fault namespace ${f.subcodeNamespace}`)
  const code = `a:${checkXmlName(f.code, 'fault code')}`
  const subcode = `${prefix}:${checkXmlName(f.subcode, 'fault subcode')}`
  return (
    `${envelopeStart(FAULT_DECLARATIONS)}${renderHeader(header, faultAction(f), 'e')}<a:Body><a:Fault>` +
    `<a:Code><a:Value>${code}</a:Value><a:Subcode><a:Value>${subcode}</a:Value></a:Subcode></a:Code>` +
    `<a:Reason><a:Text xml:lang="en-US">${escapeXmlText(f.reason)}</a:Text></a:Reason><a:Detail>${escapeXmlText(f.detail)}</a:Detail></a:Fault></a:Body></a:Envelope>`
  )
}

function buildIdentify(id: IdentifyInfo): string {
  const dash = id.dashVersion === null ? '' : `<c:DASHVersion>${escapeXmlText(id.dashVersion)}</c:DASHVersion>`
  const profiles = id.securityProfiles.map((p) => `<b:SecurityProfileName>${escapeXmlText(p)}</b:SecurityProfileName>`).join('')
  return (
    `${envelopeStart([['a', NS.SOAP], ['b', NS.IDENTITY], ['c', NS.DASH]], false)}<a:Header></a:Header><a:Body><b:IdentifyResponse>` +
    `<b:ProtocolVersion>${escapeXmlText(id.protocolVersion)}</b:ProtocolVersion><b:ProductVendor>${escapeXmlText(id.productVendor)}</b:ProductVendor>` +
    `<b:ProductVersion>${escapeXmlText(id.productVersion)}</b:ProductVersion>${dash}<b:SecurityProfiles>${profiles}</b:SecurityProfiles>` +
    `</b:IdentifyResponse></a:Body></a:Envelope>`
  )
}

export function buildWsmanResponse(r: WsmanResponse): string {
  switch (r.kind) {
    case 'get':
    case 'put': {
      const ns = r.header.resourceUri ?? classNamespace(r.instance.className, null)
      const action = r.kind === 'get' ? `${ACTION.GET}Response` : `${ACTION.PUT}Response`
      return `${envelopeStart([...BASE_DECLARATIONS, ['g', ns]])}${renderHeader(r.header, action, 'c')}<a:Body>${renderInstance(r.instance, 'g')}</a:Body></a:Envelope>`
    }
    case 'delete':
    case 'release': {
      const action = r.kind === 'delete' ? `${ACTION.DELETE}Response` : `${ACTION.RELEASE}Response`
      return `${envelopeStart(BASE_DECLARATIONS)}${renderHeader(r.header, action, 'c')}<a:Body></a:Body></a:Envelope>`
    }
    case 'enumerate':
      return (
        `${envelopeStart([...BASE_DECLARATIONS, ['g', NS.ENUMERATION]])}${renderHeader(r.header, `${ACTION.ENUMERATE}Response`, 'c')}` +
        `<a:Body><g:EnumerateResponse><g:EnumerationContext>${escapeXmlText(r.context)}</g:EnumerationContext></g:EnumerateResponse></a:Body></a:Envelope>`
      )
    case 'pull':
      return buildPull(r)
    case 'invoke': {
      const uri = requireResource(r.header, 'an invoke')
      const method = checkMethodName(r.method)
      return (
        `${envelopeStart([...BASE_DECLARATIONS, ['g', uri]])}${renderHeader(r.header, `${uri}/${method}Response`, 'c')}` +
        `<a:Body><g:${method}_OUTPUT>${renderProperties(r.output, 'g', RESPONSE_PREFIXES)}</g:${method}_OUTPUT></a:Body></a:Envelope>`
      )
    }
    case 'fault':
      return buildFault(r.header, r.fault)
    case 'identify':
      return buildIdentify(r.identity)
    case 'other':
      throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `cannot build a response for action ${r.action}`)
    default: {
      const never: never = r
      throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `unknown response ${JSON.stringify(never)}`)
    }
  }
}

// ---- parsing -------------------------------------------------------------------------------

function invalidBody(message: string): WsmanError {
  return new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, message)
}

/** Namespace bound to `prefix` where `path` (outermost first) ends: for QName values in text. */
function namespaceOfPrefix(path: readonly XmlElement[], prefix: string): string {
  if (prefix === 'xml') return XML_NAMESPACE
  for (let i = path.length - 1; i >= 0; i--) {
    const element = path[i] as XmlElement
    const found = element.attributes.find((a) => (prefix === '' ? a.name === 'xmlns' : a.name === `xmlns:${prefix}`))
    if (found !== undefined) return found.value
  }
  return ''
}

function splitQName(text: string): [string, string] {
  const colon = text.indexOf(':')
  return colon === -1 ? ['', text] : [text.slice(0, colon), text.slice(colon + 1)]
}

function parseFault(root: XmlElement, body: XmlElement, fault: XmlElement): WsmanFault {
  const code = childNamed(fault, NS.SOAP, 'Code')
  const codeValue = code && childNamed(code, NS.SOAP, 'Value')
  if (code === undefined || codeValue === undefined) throw invalidBody('fault without Code/Value')
  const subcode = childNamed(code, NS.SOAP, 'Subcode')
  const subValue = subcode && childNamed(subcode, NS.SOAP, 'Value')
  const [subPrefix, subLocal] = splitQName(subValue?.text.trim() ?? '')
  const reason = childNamed(fault, NS.SOAP, 'Reason')
  const detail = childNamed(fault, NS.SOAP, 'Detail')
  const path = subcode && subValue ? [root, body, fault, code, subcode, subValue] : [root]
  return {
    code: splitQName(codeValue.text.trim())[1],
    subcode: subLocal,
    subcodeNamespace: subLocal === '' ? '' : namespaceOfPrefix(path, subPrefix),
    reason: (reason && childNamed(reason, NS.SOAP, 'Text'))?.text ?? '',
    detail: detail === undefined ? '' : detail.children.length > 0 ? (detail.children[0]?.text ?? '') : detail.text,
  }
}

function parseIdentify(payload: XmlElement): IdentifyInfo {
  const text = (local: string): string => childNamed(payload, NS.IDENTITY, local)?.text ?? ''
  const profiles = childNamed(payload, NS.IDENTITY, 'SecurityProfiles')
  return {
    protocolVersion: text('ProtocolVersion'),
    productVendor: text('ProductVendor'),
    productVersion: text('ProductVersion'),
    dashVersion: childNamed(payload, NS.DASH, 'DASHVersion')?.text ?? null,
    securityProfiles: profiles === undefined ? [] : childrenNamed(profiles, NS.IDENTITY, 'SecurityProfileName').map((p) => p.text),
  }
}

function instanceOf(element: XmlElement | undefined, what: string): WsmanInstance {
  if (element === undefined) throw invalidBody(`${what} response has an empty body`)
  return { className: element.local, properties: parseProperties(element) }
}

function parsePull(header: ResponseHeader, payload: XmlElement | undefined): WsmanResponse {
  if (payload === undefined || payload.local !== 'PullResponse') throw invalidBody('PullResponse body expected')
  const items = childNamed(payload, NS.ENUMERATION, 'Items')
  return {
    kind: 'pull',
    header,
    items: items === undefined ? [] : items.children.map((c) => instanceOf(c, 'pull')),
    context: childNamed(payload, NS.ENUMERATION, 'EnumerationContext')?.text.trim() ?? null,
    endOfSequence: childNamed(payload, NS.ENUMERATION, 'EndOfSequence') !== undefined,
  }
}

/** Parse a response envelope (bytes or text) or throw a WsmanError. */
export function parseWsmanResponse(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): WsmanResponse {
  const root = parseXml(input, limits)
  const { header: h, body, payload } = splitEnvelope(root)
  if (payload !== undefined && payload.ns === NS.IDENTITY && payload.local === 'IdentifyResponse') return { kind: 'identify', identity: parseIdentify(payload) }
  const action = headerText(h, NS.ADDRESSING, 'Action')
  if (action === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_MISSING_HEADER, 'response has no Action header')
  const header: ResponseHeader = {
    relatesTo: headerText(h, NS.ADDRESSING, 'RelatesTo') ?? '',
    messageId: headerText(h, NS.ADDRESSING, 'MessageID') ?? '',
    resourceUri: headerText(h, NS.WSMAN, 'ResourceURI') ?? null,
  }
  if (payload !== undefined && payload.ns === NS.SOAP && payload.local === 'Fault') return { kind: 'fault', header, fault: parseFault(root, body, payload) }
  switch (action) {
    case `${ACTION.GET}Response`:
      return { kind: 'get', header, instance: instanceOf(payload, 'Get') }
    case `${ACTION.PUT}Response`:
      return { kind: 'put', header, instance: instanceOf(payload, 'Put') }
    case `${ACTION.DELETE}Response`:
      return { kind: 'delete', header }
    case `${ACTION.RELEASE}Response`:
      return { kind: 'release', header }
    case `${ACTION.ENUMERATE}Response`: {
      const context = payload && childNamed(payload, NS.ENUMERATION, 'EnumerationContext')
      if (context === undefined) throw invalidBody('EnumerateResponse without EnumerationContext')
      return { kind: 'enumerate', header, context: context.text.trim() }
    }
    case `${ACTION.PULL}Response`:
      return parsePull(header, payload)
    default: {
      const uri = header.resourceUri
      if (uri !== null && action.startsWith(`${uri}/`) && action.endsWith('Response') && payload !== undefined) {
        return { kind: 'invoke', header, method: action.slice(uri.length + 1, -'Response'.length), output: parseProperties(payload) }
      }
      return { kind: 'other', header, action, body: payload === undefined ? makeProperties([]) : parseProperties(payload) }
    }
  }
}

