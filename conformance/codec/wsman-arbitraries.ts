/**
 * fast-check arbitraries for WS-MAN envelopes, shared by the codec properties and by any
 * robustness case that wants well-formed or nearly well-formed WS-MAN.
 */

import fc from 'fast-check'
import {
  makeProperties,
  NS,
  type EndpointReference,
  type PropertyValue,
  type Properties,
  type ScalarValue,
  type Selector,
  type WsmanInstance,
  type WsmanRequest,
  type WsmanResponse,
} from '../../protocol/wsman/index.js'

/** Any text XML 1.0 can carry, markup characters and CR included. */
export const xmlText = fc.string({
  unit: fc
    .oneof(
      fc.constantFrom(0x3c, 0x3e, 0x26, 0x22, 0x27, 0x0d, 0x0a, 0x09, 0x20, 0x5d),
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0xa0, max: 0xd7ff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
    )
    .map((c) => String.fromCodePoint(c)),
  maxLength: 24,
})

/** Header values are trimmed when read, so generate them trimmed. */
export const headerText = xmlText.filter((s) => s.trim() === s)
export const nonEmptyHeaderText = headerText.filter((s) => s !== '')

export const xmlName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,11}$/)
export const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/)
export const className = fc.stringMatching(/^(AMT|CIM|IPS)_[A-Za-z0-9]{1,16}$/)

// Nesting is bounded (objects and EPRs inside EPR selectors) so envelopes stay within the
// reader's depth limit of 32; depth errors have their own vectors.
const DEPTH = { maxDepth: 2, depthIdentifier: 'wsman-value', withCrossShrink: true } as const

const { scalar, epr } = fc.letrec<{ scalar: ScalarValue; epr: EndpointReference; selector: Selector; object: ScalarValue }>((tie) => ({
  scalar: fc.oneof(DEPTH, xmlText, tie('epr'), tie('object')),
  epr: fc.record({
    kind: fc.constant('epr' as const),
    address: xmlText,
    resourceUri: xmlText,
    selectors: fc.array(tie('selector'), { maxLength: 3 }),
  }),
  selector: fc.record({ name: xmlText, value: fc.oneof(DEPTH, xmlText, tie('epr')) }) as fc.Arbitrary<Selector>,
  object: fc
    .uniqueArray(fc.tuple(xmlName, tie('scalar')), { minLength: 1, maxLength: 3, selector: ([name]) => name })
    .map((entries) => ({ kind: 'object' as const, properties: makeProperties(entries) })),
}))

export const selectors: fc.Arbitrary<Selector[]> = fc.array(
  fc.record({ name: xmlText, value: fc.oneof(xmlText, epr) }) as fc.Arbitrary<Selector>,
  { maxLength: 3 },
)

/** A list of one reads back as the value itself, so lists have two or more items. */
const propertyValue: fc.Arbitrary<PropertyValue> = fc.oneof(scalar, fc.array(scalar, { minLength: 2, maxLength: 3 }))

export const properties: fc.Arbitrary<Properties> = fc
  .uniqueArray(fc.tuple(xmlName, propertyValue), { maxLength: 5, selector: ([name]) => name })
  .map((entries) => makeProperties(entries))

export const instance: fc.Arbitrary<WsmanInstance> = fc.record({ className, properties })

const resourceUri = className.map((c) => `http://intel.com/wbem/wscim/1/amt-schema/1/${c}`)

const common = fc.record({
  resourceUri: fc.oneof(resourceUri, nonEmptyHeaderText.filter((s) => !s.includes('schemas.xmlsoap.org'))),
  messageId: nonEmptyHeaderText,
  selectors,
  operationTimeout: fc.option(nonEmptyHeaderText, { nil: null }),
})

export const wsmanRequest: fc.Arbitrary<WsmanRequest> = fc.oneof(
  fc.constant({ kind: 'identify' as const }),
  fc.tuple(common, fc.constantFrom('get' as const, 'delete' as const, 'enumerate' as const)).map(([c, kind]) => ({ ...c, kind })),
  // A Put body is named after the ResourceURI's last segment, so it must be a class URI.
  fc.tuple(common, resourceUri, fc.constantFrom('put' as const, 'create' as const), properties).map(([c, uri, kind, p]) => ({ ...c, resourceUri: uri, kind, properties: p })),
  fc
    .tuple(common, nonEmptyHeaderText, fc.option(fc.nat({ max: 99999 }), { nil: null }), fc.option(fc.nat({ max: 999999 }), { nil: null }))
    .map(([c, context, maxElements, maxCharacters]) => ({ ...c, kind: 'pull' as const, context, maxElements, maxCharacters })),
  fc.tuple(common, nonEmptyHeaderText).map(([c, context]) => ({ ...c, kind: 'release' as const, context })),
  fc.tuple(common, identifier, properties).map(([c, method, input]) => ({ ...c, kind: 'invoke' as const, method, input })),
  fc.tuple(common, fc.constantFrom(`${NS.EVENTING}/Subscribe`, `${NS.EVENTING}/Unsubscribe`)).map(([c, action]) => ({ ...c, kind: 'other' as const, action })),
)

const responseHeader = fc.record({
  relatesTo: headerText,
  messageId: headerText,
  resourceUri: fc.option(nonEmptyHeaderText, { nil: null }),
})

const faultNamespace = fc.constantFrom(NS.ADDRESSING, NS.WSMAN, NS.ENUMERATION, NS.TRANSFER, NS.EVENTING, NS.CIMBINDING)

export const wsmanResponse: fc.Arbitrary<WsmanResponse> = fc.oneof(
  fc.tuple(responseHeader, fc.constantFrom('get' as const, 'put' as const), instance).map(([header, kind, i]) => ({ kind, header, instance: i })),
  fc.tuple(responseHeader, fc.constantFrom('delete' as const, 'release' as const)).map(([header, kind]) => ({ kind, header })),
  fc.tuple(responseHeader, headerText).map(([header, context]) => ({ kind: 'enumerate' as const, header, context })),
  fc
    .tuple(responseHeader, fc.array(instance, { maxLength: 4 }), fc.option(headerText, { nil: null }), fc.boolean())
    .map(([header, items, context, endOfSequence]) => ({ kind: 'pull' as const, header, items, context, endOfSequence })),
  fc
    .tuple(responseHeader, nonEmptyHeaderText, identifier, properties)
    .map(([header, uri, method, output]) => ({ kind: 'invoke' as const, header: { ...header, resourceUri: uri }, method, output })),
  fc
    .tuple(responseHeader, fc.constantFrom('Sender', 'Receiver'), identifier, faultNamespace, xmlText, xmlText)
    .map(([header, code, subcode, subcodeNamespace, reason, detail]) => ({ kind: 'fault' as const, header, fault: { code, subcode, subcodeNamespace, reason, detail } })),
  fc
    .record({
      protocolVersion: xmlText,
      productVendor: xmlText,
      productVersion: xmlText,
      dashVersion: fc.option(xmlText, { nil: null }),
      securityProfiles: fc.array(xmlText, { maxLength: 3 }),
    })
    .map((identity) => ({ kind: 'identify' as const, identity })),
)

/** Split points for a byte string: the same bytes, cut into chunks anywhere. */
export function chunked(bytes: Buffer): fc.Arbitrary<Buffer[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 8 }).map((cuts) => {
    const points = [0, ...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length]
    const out: Buffer[] = []
    for (let i = 1; i < points.length; i++) out.push(bytes.subarray(points[i - 1] as number, points[i] as number))
    return out
  })
}
