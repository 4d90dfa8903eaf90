/**
 * WS-MAN requests as consoles send them (MeshCommander / wsman-messages layout,
 * redirection-wsman.md §4.3, §4.4), built and parsed.
 *
 * Built layout:
 *   <?xml version="1.0" encoding="utf-8"?>
 *   <Envelope xmlns=soap12 xmlns:a=addressing xmlns:w=wsman>
 *     <Header> a:Action, a:To (/wsman), w:ResourceURI, a:MessageID, a:ReplyTo/a:Address (anonymous),
 *              w:OperationTimeout (optional), w:SelectorSet (optional) </Header>
 *     <Body> nothing (Get, Delete) | <Enumerate xmlns=enumeration/> | <Pull …> | <r:Class xmlns:r=ResourceURI> (Put)
 *            | <r:Method_INPUT xmlns:r=ResourceURI> (Invoke) </Body>
 *   </Envelope>
 * Identify is its own short envelope (`s:`/`wsmid:` prefixes, empty header).
 *
 * Parsing resolves namespaces, so any prefix choice a client makes reads the same.
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'
import type { Properties, Selector } from './model.js'
import { makeProperties } from './model.js'
import { ACTION, ANONYMOUS, NS } from './namespaces.js'
import { parseProperties, parseSelectorSet, renderProperties, renderSelectorSet, type Prefixes } from './values.js'
import { childNamed, DEFAULT_XML_LIMITS, parseXml, type XmlElement, type XmlLimits } from './xml-reader.js'
import { checkXmlName, escapeXmlAttribute, escapeXmlText } from './xml-writer.js'

export interface RequestCommon {
  readonly resourceUri: string
  /** MeshCommander sends a plain counter; RelatesTo in the reply echoes it. */
  readonly messageId: string
  readonly selectors: readonly Selector[]
  /** e.g. PT60S; null to leave the header out. */
  readonly operationTimeout: string | null
}

export type WsmanRequest =
  | { readonly kind: 'identify' }
  | (RequestCommon & { readonly kind: 'get' | 'delete' | 'enumerate' })
  | (RequestCommon & { readonly kind: 'put' | 'create'; readonly properties: Properties })
  | (RequestCommon & { readonly kind: 'pull'; readonly context: string; readonly maxElements: number | null; readonly maxCharacters: number | null })
  | (RequestCommon & { readonly kind: 'release'; readonly context: string })
  | (RequestCommon & { readonly kind: 'invoke'; readonly method: string; readonly input: Properties })
  /** Any other action (eventing, a typo): the device answers ActionNotSupported. */
  | (RequestCommon & { readonly kind: 'other'; readonly action: string })

export type WsmanRequestKind = WsmanRequest['kind']

const REQUEST_PREFIXES: Prefixes = { addressing: 'a', wsman: 'w' }

/** The wsa:Action a request of this shape carries. */
export function requestAction(request: Exclude<WsmanRequest, { kind: 'identify' }>): string {
  switch (request.kind) {
    case 'get':
      return ACTION.GET
    case 'put':
      return ACTION.PUT
    case 'create':
      return ACTION.CREATE
    case 'delete':
      return ACTION.DELETE
    case 'enumerate':
      return ACTION.ENUMERATE
    case 'pull':
      return ACTION.PULL
    case 'release':
      return ACTION.RELEASE
    case 'invoke':
      return `${request.resourceUri}/${checkMethodName(request.method)}`
    case 'other':
      return request.action
    default: {
      const never: never = request
      throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `unknown request ${JSON.stringify(never)}`)
    }
  }
}

const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** CIM method names are plain identifiers; the action `<ResourceURI>/<Method>` must read back. */
export function checkMethodName(method: string): string {
  if (!METHOD_NAME.test(method) || method.length > 128) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `method ${JSON.stringify(method)} is not an identifier`)
  return method
}

/** Last path segment of a ResourceURI: the element name of a Put body. */
export function classNameFromUri(resourceUri: string): string {
  return checkXmlName(resourceUri.slice(resourceUri.lastIndexOf('/') + 1), 'class')
}

const IDENTIFY_REQUEST =
  `<s:Envelope xmlns:s="${NS.SOAP}" xmlns:wsmid="${NS.IDENTITY}"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`

function renderBody(request: Exclude<WsmanRequest, { kind: 'identify' }>): string {
  const uri = escapeXmlAttribute(request.resourceUri)
  switch (request.kind) {
    case 'enumerate':
      return `<Enumerate xmlns="${NS.ENUMERATION}" />`
    case 'pull': {
      const max = request.maxElements === null ? '' : `<MaxElements>${request.maxElements}</MaxElements>`
      const chars = request.maxCharacters === null ? '' : `<MaxCharacters>${request.maxCharacters}</MaxCharacters>`
      return `<Pull xmlns="${NS.ENUMERATION}"><EnumerationContext>${escapeXmlText(request.context)}</EnumerationContext>${max}${chars}</Pull>`
    }
    case 'release':
      return `<Release xmlns="${NS.ENUMERATION}"><EnumerationContext>${escapeXmlText(request.context)}</EnumerationContext></Release>`
    case 'put':
    case 'create': {
      const name = classNameFromUri(request.resourceUri)
      return `<r:${name} xmlns:r="${uri}">${renderProperties(request.properties, 'r', REQUEST_PREFIXES)}</r:${name}>`
    }
    case 'invoke': {
      const name = `${checkMethodName(request.method)}_INPUT`
      return `<r:${name} xmlns:r="${uri}">${renderProperties(request.input, 'r', REQUEST_PREFIXES)}</r:${name}>`
    }
    default:
      return ''
  }
}

export function buildWsmanRequest(request: WsmanRequest): string {
  if (request.kind === 'identify') return IDENTIFY_REQUEST
  const timeout = request.operationTimeout === null ? '' : `<w:OperationTimeout>${escapeXmlText(request.operationTimeout)}</w:OperationTimeout>`
  return (
    `<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="${NS.SOAP}" xmlns:a="${NS.ADDRESSING}" xmlns:w="${NS.WSMAN}"><Header>` +
    `<a:Action>${escapeXmlText(requestAction(request))}</a:Action><a:To>/wsman</a:To>` +
    `<w:ResourceURI>${escapeXmlText(request.resourceUri)}</w:ResourceURI><a:MessageID>${escapeXmlText(request.messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>${ANONYMOUS}</a:Address></a:ReplyTo>${timeout}${renderSelectorSet(request.selectors, REQUEST_PREFIXES)}` +
    `</Header><Body>${renderBody(request)}</Body></Envelope>`
  )
}

export interface Envelope {
  readonly header: XmlElement | undefined
  readonly body: XmlElement
  /** First element inside Body, if any. */
  readonly payload: XmlElement | undefined
}

export function splitEnvelope(root: XmlElement): Envelope {
  if (root.ns !== NS.SOAP || root.local !== 'Envelope') throw new WsmanError(ErrorCode.WSMAN_ERR_NOT_ENVELOPE, `root element ${root.name} is not a SOAP 1.2 Envelope`)
  const body = childNamed(root, NS.SOAP, 'Body')
  if (body === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_NOT_ENVELOPE, 'envelope has no Body')
  return { header: childNamed(root, NS.SOAP, 'Header'), body, payload: body.children[0] }
}

export function headerText(header: XmlElement | undefined, ns: string, local: string): string | undefined {
  const element = header === undefined ? undefined : childNamed(header, ns, local)
  return element?.text.trim()
}

function requireHeader(header: XmlElement | undefined, ns: string, local: string): string {
  const value = headerText(header, ns, local)
  if (value === undefined || value === '') throw new WsmanError(ErrorCode.WSMAN_ERR_MISSING_HEADER, `request has no ${local} header`)
  return value
}

function integerOrNull(element: XmlElement | undefined, what: string): number | null {
  if (element === undefined) return null
  const text = element.text.trim()
  if (!/^[0-9]{1,9}$/.test(text)) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, `${what} ${JSON.stringify(text)} is not a count`)
  return Number(text)
}

function enumerationContext(payload: XmlElement | undefined): string {
  const element = payload === undefined ? undefined : childNamed(payload, NS.ENUMERATION, 'EnumerationContext')
  if (element === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, 'no EnumerationContext')
  return element.text.trim()
}

/** Parse a request envelope (bytes or text) or throw a WsmanError. */
export function parseWsmanRequest(input: Uint8Array | string, limits: XmlLimits = DEFAULT_XML_LIMITS): WsmanRequest {
  const { header, payload } = splitEnvelope(parseXml(input, limits))
  if (payload !== undefined && payload.ns === NS.IDENTITY && payload.local === 'Identify') return { kind: 'identify' }
  const action = requireHeader(header, NS.ADDRESSING, 'Action')
  const common: RequestCommon = {
    resourceUri: requireHeader(header, NS.WSMAN, 'ResourceURI'),
    messageId: requireHeader(header, NS.ADDRESSING, 'MessageID'),
    selectors: parseSelectorSet(header === undefined ? undefined : childNamed(header, NS.WSMAN, 'SelectorSet')),
    operationTimeout: headerText(header, NS.WSMAN, 'OperationTimeout') ?? null,
  }
  const properties = (): Properties => (payload === undefined ? makeProperties([]) : parseProperties(payload))
  switch (action) {
    case ACTION.GET:
      return { kind: 'get', ...common }
    case ACTION.DELETE:
      return { kind: 'delete', ...common }
    case ACTION.ENUMERATE:
      return { kind: 'enumerate', ...common }
    case ACTION.PUT:
      return { kind: 'put', ...common, properties: properties() }
    case ACTION.CREATE:
      return { kind: 'create', ...common, properties: properties() }
    case ACTION.PULL:
      return {
        kind: 'pull',
        ...common,
        context: enumerationContext(payload),
        maxElements: integerOrNull(payload && childNamed(payload, NS.ENUMERATION, 'MaxElements'), 'MaxElements'),
        maxCharacters: integerOrNull(payload && childNamed(payload, NS.ENUMERATION, 'MaxCharacters'), 'MaxCharacters'),
      }
    case ACTION.RELEASE:
      return { kind: 'release', ...common, context: enumerationContext(payload) }
    default: {
      const method = action.startsWith(`${common.resourceUri}/`) ? action.slice(common.resourceUri.length + 1) : ''
      if (METHOD_NAME.test(method) && method.length <= 128) return { kind: 'invoke', ...common, method, input: properties() }
      return { kind: 'other', ...common, action }
    }
  }
}
