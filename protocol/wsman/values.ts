/**
 * Property values, selectors and EPRs to and from XML. Prefixes are the caller's: a request
 * binds addressing to `a` and wsman to `w`, AMT's responses bind them to `b` and `c`.
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'
import { makeProperties, type EndpointReference, type Properties, type PropertyValue, type ScalarValue, type Selector } from './model.js'
import { NS } from './namespaces.js'
import { attributeValue, childNamed, childrenNamed, type XmlElement } from './xml-reader.js'
import { checkXmlName, escapeXmlAttribute, escapeXmlText } from './xml-writer.js'

export interface Prefixes {
  readonly addressing: string
  readonly wsman: string
}

export function renderSelectorSet(selectors: readonly Selector[], p: Prefixes): string {
  if (selectors.length === 0) return ''
  let out = `<${p.wsman}:SelectorSet>`
  for (const s of selectors) {
    const value =
      typeof s.value === 'string'
        ? escapeXmlText(s.value)
        : `<${p.addressing}:EndpointReference>${renderEprContent(s.value, p)}</${p.addressing}:EndpointReference>`
    out += `<${p.wsman}:Selector Name="${escapeXmlAttribute(s.name)}">${value}</${p.wsman}:Selector>`
  }
  return `${out}</${p.wsman}:SelectorSet>`
}

/** `<Address>…</Address><ReferenceParameters>…</ReferenceParameters>`: the inside of an EPR. */
export function renderEprContent(ref: EndpointReference, p: Prefixes): string {
  const a = p.addressing
  return (
    `<${a}:Address>${escapeXmlText(ref.address)}</${a}:Address><${a}:ReferenceParameters>` +
    `<${p.wsman}:ResourceURI>${escapeXmlText(ref.resourceUri)}</${p.wsman}:ResourceURI>` +
    `${renderSelectorSet(ref.selectors, p)}</${a}:ReferenceParameters>`
  )
}

function renderScalar(name: string, value: ScalarValue, prefix: string, p: Prefixes): string {
  const tag = `${prefix}:${name}`
  if (typeof value === 'string') return `<${tag}>${escapeXmlText(value)}</${tag}>`
  if (value.kind === 'epr') return `<${tag}>${renderEprContent(value, p)}</${tag}>`
  return `<${tag}>${renderProperties(value.properties, prefix, p)}</${tag}>`
}

/** One element per value (lists repeat the element), in property order. */
export function renderProperties(properties: Properties, prefix: string, p: Prefixes): string {
  let out = ''
  for (const name of Object.keys(properties)) {
    checkXmlName(name, 'property')
    const value = properties[name] as PropertyValue
    if (Array.isArray(value)) {
      for (const item of value as readonly ScalarValue[]) out += renderScalar(name, item, prefix, p)
    } else {
      out += renderScalar(name, value as ScalarValue, prefix, p)
    }
  }
  return out
}

export function parseSelectorSet(selectorSet: XmlElement | undefined): Selector[] {
  if (selectorSet === undefined) return []
  return childrenNamed(selectorSet, NS.WSMAN, 'Selector').map((s) => {
    const name = attributeValue(s, 'Name')
    if (name === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, 'Selector without a Name')
    const ref = childNamed(s, NS.ADDRESSING, 'EndpointReference')
    return { name, value: ref === undefined ? s.text : parseEpr(ref) }
  })
}

/** An element holding Address and ReferenceParameters (an EPR property or EndpointReference). */
export function parseEpr(element: XmlElement): EndpointReference {
  const params = childNamed(element, NS.ADDRESSING, 'ReferenceParameters')
  if (params === undefined) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_BODY, `${element.name} is not an endpoint reference`)
  const resourceUri = childNamed(params, NS.WSMAN, 'ResourceURI')
  return {
    kind: 'epr',
    address: childNamed(element, NS.ADDRESSING, 'Address')?.text ?? '',
    resourceUri: resourceUri?.text ?? '',
    selectors: parseSelectorSet(childNamed(params, NS.WSMAN, 'SelectorSet')),
  }
}

function isEpr(element: XmlElement): boolean {
  return element.children.some((c) => c.local === 'ReferenceParameters' && c.ns === NS.ADDRESSING)
}

export function parseScalar(element: XmlElement): ScalarValue {
  if (element.children.length === 0) return element.text
  if (isEpr(element)) return parseEpr(element)
  return { kind: 'object', properties: parseProperties(element) }
}

/** Children of `element` as properties; repeated names become lists. */
export function parseProperties(element: XmlElement): Properties {
  const entries = new Map<string, ScalarValue | ScalarValue[]>()
  for (const child of element.children) {
    const value = parseScalar(child)
    const existing = entries.get(child.local)
    if (existing === undefined) entries.set(child.local, value)
    else if (Array.isArray(existing)) existing.push(value)
    else entries.set(child.local, [existing as ScalarValue, value])
  }
  return makeProperties(entries)
}
