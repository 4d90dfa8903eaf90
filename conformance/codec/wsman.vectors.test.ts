import { describe, expect, it } from 'vitest'
import {
  buildWsmanRequest,
  buildWsmanResponse,
  classNameOf,
  encodeChunkedBody,
  encodeHttpRequest,
  formatAmtMessageId,
  formatEnumerationContext,
  headerValue,
  HttpStreamParser,
  makeProperties,
  parseWsmanRequest,
  parseWsmanResponse,
  parseXml,
  resourceUriFor,
  WsmanError,
  type HttpMessage,
} from '../../protocol/wsman/index.js'
import { REQUEST_ERROR_VECTORS, REQUEST_VECTORS, RESPONSE_VECTORS, XML_ERROR_VECTORS } from './wsman-vectors.js'

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof WsmanError) return error.code
    throw error
  }
  return 'no error'
}

describe('WS-MAN response vectors', () => {
  for (const v of RESPONSE_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      it('parses to the documented value', () => {
        expect(parseWsmanResponse(v.xml)).toEqual(v.response)
      })

      if (v.chunkedLength !== null) {
        it('is as long as AMT chunked it', () => {
          expect(Buffer.byteLength(v.xml)).toBe(v.chunkedLength)
        })
      }

      if (v.exact) {
        it('builds to exactly the captured bytes', () => {
          expect(buildWsmanResponse(v.response)).toBe(v.xml)
        })
      }

      it('round-trips through build and parse', () => {
        expect(parseWsmanResponse(buildWsmanResponse(v.response))).toEqual(v.response)
      })
    })
  }
})

describe('WS-MAN request vectors', () => {
  for (const v of REQUEST_VECTORS) {
    describe(`${v.name} [${v.source}]`, () => {
      it('parses to the documented value', () => {
        expect(parseWsmanRequest(v.xml)).toEqual(v.request)
        expect(parseWsmanRequest(Buffer.from(v.xml, 'utf8'))).toEqual(v.request)
      })

      it('round-trips through build and parse', () => {
        expect(parseWsmanRequest(buildWsmanRequest(v.request))).toEqual(v.request)
      })
    })
  }

  it('quotes a ResourceURI used as a namespace attribute (shrunk property failure)', () => {
    const request = { kind: 'invoke', resourceUri: '"', messageId: '!', selectors: [], operationTimeout: null, method: 'A', input: makeProperties([]) } as const
    expect(parseWsmanRequest(buildWsmanRequest(request))).toEqual(request)
  })

  it('builds a Get the way MeshCommander lays it out', () => {
    const xml = buildWsmanRequest({ kind: 'get', resourceUri: resourceUriFor('AMT_GeneralSettings'), messageId: '1', selectors: [], operationTimeout: 'PT60S' })
    expect(xml).toBe(
      '<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
        'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action><a:To>/wsman</a:To>' +
        '<w:ResourceURI>http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings</w:ResourceURI><a:MessageID>1</a:MessageID><a:ReplyTo>' +
        '<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><w:OperationTimeout>PT60S</w:OperationTimeout>' +
        '</Header><Body></Body></Envelope>',
    )
  })
})

describe('WS-MAN error vectors', () => {
  for (const v of XML_ERROR_VECTORS) {
    it(`XML: ${v.name} → ${v.code}`, () => {
      expect(codeOf(() => parseXml(v.input))).toBe(v.code)
    })
  }
  for (const v of REQUEST_ERROR_VECTORS) {
    it(`request: ${v.name} → ${v.code}`, () => {
      expect(codeOf(() => parseWsmanRequest(v.input))).toBe(v.code)
    })
  }

  it('refuses an oversized document before decoding it', () => {
    expect(codeOf(() => parseXml(Buffer.alloc(100, 0x20), { maxBytes: 99, maxDepth: 8, maxElements: 8, maxAttributes: 4, maxNameLength: 16 }))).toBe(
      'WSMAN_ERR_XML_TOO_LARGE',
    )
  })

  it('refuses too many elements', () => {
    const limits = { maxBytes: 1 << 20, maxDepth: 8, maxElements: 10, maxAttributes: 4, maxNameLength: 16 }
    expect(codeOf(() => parseXml(`<a>${'<b/>'.repeat(10)}</a>`, limits))).toBe('WSMAN_ERR_XML_TOO_MANY_NODES')
    expect(parseXml(`<a>${'<b/>'.repeat(9)}</a>`, limits).children).toHaveLength(9)
  })
})

describe('XML reader details', () => {
  it('decodes entities, character references and CDATA, and normalizes line ends', () => {
    const root = parseXml('<a t="x&#10;y\tz">&lt;&#x41;&#66;&quot;&apos;&gt;<![CDATA[<raw&>]]>\r\nend</a>')
    expect(root.text).toBe(`<AB"'><raw&>\nend`)
    expect(root.attributes[0]?.value).toBe('x\ny z')
  })

  it('resolves default and prefixed namespaces per scope', () => {
    const root = parseXml('<a xmlns="urn:1" xmlns:p="urn:2"><p:b/><c xmlns="urn:3"><d/></c><e/></a>')
    expect(root.ns).toBe('urn:1')
    expect(root.children.map((c) => c.ns)).toEqual(['urn:2', 'urn:3', 'urn:1'])
    expect(root.children[1]?.children[0]?.ns).toBe('urn:3')
  })
})

describe('WS-MAN formats', () => {
  it('numbers messages as AMT does', () => {
    expect(formatAmtMessageId(0x28d)).toBe('uuid:00000000-8086-8086-8086-00000000028D')
    expect(formatAmtMessageId(0x7a95)).toBe('uuid:00000000-8086-8086-8086-000000007A95')
  })

  it('formats enumeration contexts as a little-endian counter', () => {
    expect(formatEnumerationContext(1)).toBe('01000000-0000-0000-0000-000000000000')
    expect(formatEnumerationContext(0x1a5e)).toBe('5E1A0000-0000-0000-0000-000000000000')
    expect(formatEnumerationContext(0x17)).toBe('17000000-0000-0000-0000-000000000000')
  })

  it('maps class names to ResourceURIs and back', () => {
    expect(resourceUriFor('AMT_GeneralSettings')).toBe('http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings')
    expect(resourceUriFor('CIM_SoftwareIdentity')).toBe('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_SoftwareIdentity')
    expect(resourceUriFor('IPS_OptInService')).toBe('http://intel.com/wbem/wscim/1/ips-schema/1/IPS_OptInService')
    expect(classNameOf('http://intel.com/wbem/wscim/1/ips-schema/1/IPS_OptInService')).toBe('IPS_OptInService')
    expect(classNameOf('http://example.com/Other')).toBeNull()
    expect(codeOf(() => resourceUriFor('Win32_Process'))).toBe('WSMAN_ERR_INVALID_VALUE')
  })
})

const CAPTURED_401 =
  'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="Digest:727734D63A1FC0423736E48DA554E462", nonce="B9AX94iAAAAAAAAAx6rrSfPHGUrx/3uA",stale="false",qop="auth"\r\n' +
  'Content-Type: text/html\r\nServer: Intel(R) Active Management Technology 15.0.23.1706\r\nContent-Length: 693\r\nConnection: close\r\n\r\n'

function parseAll(parser: HttpStreamParser, chunks: readonly Buffer[]): HttpMessage[] {
  const out: HttpMessage[] = []
  for (const chunk of chunks) {
    parser.push(chunk)
    for (let m = parser.next(); m !== null; m = parser.next()) out.push(m)
  }
  return out
}

describe('HTTP framing', () => {
  it('reads the captured 401 head and a Content-Length body, also one byte at a time', () => {
    const wire = Buffer.concat([Buffer.from(CAPTURED_401, 'latin1'), Buffer.alloc(693, 0x61)])
    for (const chunks of [[wire], [...wire].map((b) => Buffer.from([b]))]) {
      const [m, ...rest] = parseAll(new HttpStreamParser('response'), chunks)
      expect(rest).toEqual([])
      expect(m?.status).toBe(401)
      expect(m?.reason).toBe('Unauthorized')
      expect(m?.keepAlive).toBe(false)
      expect(m?.body.length).toBe(693)
      expect(headerValue(m?.headers ?? [], 'www-authenticate')).toContain('qop="auth"')
    }
  })

  it('frames a body in 4-digit upper-case hex chunks and reads it back', () => {
    const body = Buffer.alloc(3000, 0x42)
    const chunked = encodeChunkedBody(body, 0x0508)
    expect(chunked.subarray(0, 6).toString('latin1')).toBe('0508\r\n')
    expect(chunked.subarray(-5).toString('latin1')).toBe('0\r\n\r\n')
    const head = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1')
    const [m] = parseAll(new HttpStreamParser('response'), [head, chunked.subarray(0, 700), chunked.subarray(700)])
    expect(m?.body.equals(body)).toBe(true)
    expect(m?.chunkSizes).toEqual([0x508, 0x508, 3000 - 2 * 0x508])
    expect(m?.keepAlive).toBe(true)
  })

  it('reads pipelined requests one after another', () => {
    const one = encodeHttpRequest('POST', '/wsman', [['Host', 'x:16992'], ['Content-Length', '3']], Buffer.from('abc'))
    const two = encodeHttpRequest('POST', '/wsman', [['Host', 'x:16992'], ['Content-Length', '0'], ['Connection', 'close']], Buffer.alloc(0))
    const messages = parseAll(new HttpStreamParser('request'), [Buffer.concat([one, two])])
    expect(messages.map((m) => [m.method, m.target, m.body.toString(), m.keepAlive])).toEqual([
      ['POST', '/wsman', 'abc', true],
      ['POST', '/wsman', '', false],
    ])
  })

  it('reads a response without a length to the end of the stream', () => {
    const parser = new HttpStreamParser('response')
    expect(parseAll(parser, [Buffer.from('HTTP/1.0 200 OK\r\n\r\nhello')])).toEqual([])
    expect(parser.end()?.body.toString()).toBe('hello')
  })

  const failures: readonly [string, 'request' | 'response', string, Partial<{ maxHeaderBytes: number; maxBodyBytes: number }>, string][] = [
    ['a chunked request', 'request', 'POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', {}, 'WSMAN_ERR_HTTP_UNSUPPORTED'],
    ['an oversized header block', 'request', `POST /wsman HTTP/1.1\r\nX: ${'a'.repeat(200)}\r\n`, { maxHeaderBytes: 128 }, 'WSMAN_ERR_HTTP_HEADER_TOO_LARGE'],
    ['an oversized body', 'request', 'POST /wsman HTTP/1.1\r\nContent-Length: 2000\r\n\r\n', { maxBodyBytes: 1000 }, 'WSMAN_ERR_HTTP_BODY_TOO_LARGE'],
    ['two different lengths', 'request', 'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', {}, 'WSMAN_ERR_HTTP_MALFORMED'],
    ['HTTP/2 preface', 'request', 'PRI * HTTP/2.0\r\n\r\n', {}, 'WSMAN_ERR_HTTP_MALFORMED'],
    ['a header without a colon', 'request', 'POST / HTTP/1.1\r\nbroken\r\n\r\n', {}, 'WSMAN_ERR_HTTP_MALFORMED'],
    ['a bad chunk size', 'response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', {}, 'WSMAN_ERR_HTTP_MALFORMED'],
  ]
  for (const [name, kind, wire, limits, code] of failures) {
    it(`refuses ${name} with ${code}, then stays failed`, () => {
      const parser = new HttpStreamParser(kind, limits)
      parser.push(Buffer.from(wire, 'latin1'))
      expect(codeOf(() => parser.next())).toBe(code)
      expect(codeOf(() => parser.next())).toBe('WSMAN_ERR_HTTP_FAILED')
    })
  }
})
