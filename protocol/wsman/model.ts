/**
 * WS-MAN values as the codec hands them out: a property is text, an endpoint reference (EPR),
 * a nested object (e.g. `<ReleaseDate><Datetime>…`), or a list of those (repeated elements).
 * A list of one reads back as the single value, as in every console's XML-to-object step.
 */

export interface Selector {
  readonly name: string
  readonly value: string | EndpointReference
}

export interface EndpointReference {
  readonly kind: 'epr'
  readonly address: string
  readonly resourceUri: string
  readonly selectors: readonly Selector[]
}

export interface WsmanObject {
  readonly kind: 'object'
  readonly properties: Properties
}

export type ScalarValue = string | EndpointReference | WsmanObject
export type PropertyValue = ScalarValue | readonly ScalarValue[]
/** Property name → value, in document order. Null-prototype, so any XML name is a safe key. */
export type Properties = Readonly<Record<string, PropertyValue>>

export interface WsmanInstance {
  readonly className: string
  readonly properties: Properties
}

/** A null-prototype property record from entries, so names like `__proto__` stay plain keys. */
export function makeProperties(entries: Iterable<readonly [string, PropertyValue]>): Properties {
  const out: Record<string, PropertyValue> = Object.create(null) as Record<string, PropertyValue>
  for (const [name, value] of entries) out[name] = value
  return out
}

export function epr(resourceUri: string, selectors: readonly Selector[], address = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'): EndpointReference {
  return { kind: 'epr', address, resourceUri, selectors }
}

/** The text of a property, or undefined when it is absent or not text. */
export function textOf(properties: Properties, name: string): string | undefined {
  const value = Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined
  return typeof value === 'string' ? value : undefined
}

/** A property as a list (a single value becomes a list of one). */
export function listOf(properties: Properties, name: string): readonly ScalarValue[] {
  const value = Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined
  if (value === undefined) return []
  return Array.isArray(value) ? (value as readonly ScalarValue[]) : [value as ScalarValue]
}
