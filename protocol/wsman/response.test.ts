/*
 * Response building and parsing edges (redirection-wsman.md §4.3): item classes outside the
 * AMT_/CIM_/IPS_ prefixes, responses the codec has no shape for, missing headers and bodies.
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'
import { makeProperties } from './model.js'
import { toResourceUri } from './namespaces.js'
import { buildWsmanResponse, parseWsmanResponse, type WsmanResponse } from './response.js'
import { escapeXmlText } from './xml-writer.js'

const OEM_URI = 'http://example.test/wbem/oem/1/OEM_Thing'
const SOAP = 'http://www.w3.org/2003/05/soap-envelope'
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing'

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (error) {
    if (error instanceof WsmanError) return error.code
    throw error
  }
  return 'no error'
}

function envelope(header: string, body: string): string {
  return `<a:Envelope xmlns:a="${SOAP}" xmlns:b="${WSA}" xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><a:Header>${header}</a:Header><a:Body>${body}</a:Body></a:Envelope>`
}

describe('building', () => {
  it('a pull item whose class has no known prefix takes the namespace of the request ResourceURI', () => {
    const r: WsmanResponse = {
      kind: 'pull',
      header: { relatesTo: '3', messageId: 'uuid:00000000-8086-8086-8086-000000000001', resourceUri: OEM_URI },
      items: [{ className: 'OEM_Thing', properties: makeProperties([['Name', 'one']]) }],
      context: null,
      endOfSequence: true,
    }
    const xml = buildWsmanResponse(r)
    expect(xml).toContain(`xmlns:h="${OEM_URI}"`)
    expect(xml).toContain('<h:OEM_Thing><h:Name>one</h:Name></h:OEM_Thing>')
    expect(parseWsmanResponse(xml)).toEqual(r)
  })

  it('without a ResourceURI to fall back on, such a class is WSMAN_ERR_INVALID_VALUE', () => {
    const item = { className: 'OEM_Thing', properties: makeProperties([]) }
    const header = { relatesTo: '3', messageId: 'm', resourceUri: null }
    expect(codeOf(() => buildWsmanResponse({ kind: 'pull', header, items: [item], context: null, endOfSequence: true }))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
    expect(codeOf(() => buildWsmanResponse({ kind: 'get', header, instance: item }))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
  })

  it("refuses to build an 'other' response (it exists only as a parse result)", () => {
    const other: WsmanResponse = { kind: 'other', header: { relatesTo: '1', messageId: 'm', resourceUri: null }, action: 'urn:x', body: makeProperties([]) }
    expect(codeOf(() => buildWsmanResponse(other))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
  })

  it('refuses text with a character XML cannot carry', () => {
    expect(codeOf(() => escapeXmlText('a\u0001b'))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
    expect(escapeXmlText('a<&>\rb')).toBe('a&lt;&amp;&gt;&#13;b')
  })

  it('maps a class name to its ResourceURI and leaves a full URI alone', () => {
    expect(toResourceUri('IPS_OptInService')).toBe('http://intel.com/wbem/wscim/1/ips-schema/1/IPS_OptInService')
    expect(toResourceUri(OEM_URI)).toBe(OEM_URI)
  })
})

describe('parsing', () => {
  it('a response without an Action header is WSMAN_ERR_MISSING_HEADER', () => {
    expect(codeOf(() => parseWsmanResponse(envelope('<b:RelatesTo>1</b:RelatesTo>', '')))).toBe(ErrorCode.WSMAN_ERR_MISSING_HEADER)
  })

  it('an EnumerateResponse without EnumerationContext is WSMAN_ERR_INVALID_BODY', () => {
    const xml = envelope('<b:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse</b:Action>', '<g:EnumerateResponse></g:EnumerateResponse>')
    expect(codeOf(() => parseWsmanResponse(xml))).toBe(ErrorCode.WSMAN_ERR_INVALID_BODY)
  })

  it('an action it has no shape for parses as other, with its body properties', () => {
    const xml = envelope('<b:Action>urn:vendor/Notify</b:Action><b:RelatesTo>9</b:RelatesTo>', '<x:Notify xmlns:x="urn:vendor"><x:Level>2</x:Level></x:Notify>')
    expect(parseWsmanResponse(xml)).toEqual({
      kind: 'other',
      header: { relatesTo: '9', messageId: '', resourceUri: null },
      action: 'urn:vendor/Notify',
      body: makeProperties([['Level', '2']]),
    })
  })
})
