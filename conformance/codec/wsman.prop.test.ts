import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  buildWsmanRequest,
  buildWsmanResponse,
  encodeChunkedBody,
  encodeHttpRequest,
  escapeXmlAttribute,
  escapeXmlText,
  HttpStreamParser,
  parseWsmanRequest,
  parseWsmanResponse,
  parseXml,
  WsmanError,
  type HttpMessage,
} from '../../protocol/wsman/index.js'
import { propertyParams, propertyTimeout } from './fc-params.js'
import { chunked, wsmanRequest, wsmanResponse, xmlText } from './wsman-arbitraries.js'

const PROPERTIES = 6
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

function parsesOrTypedError(fn: () => unknown): void {
  try {
    fn()
  } catch (error) {
    if (!(error instanceof WsmanError)) throw error
    expect(error.code).toMatch(/^WSMAN_ERR_/)
  }
}

/** A valid envelope with bytes replaced, cut short or spliced: nearly-XML input. */
const mutatedEnvelope = fc
  .tuple(wsmanRequest, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: null }))
  .map(([request, edits, cut]) => {
    const bytes = Buffer.from(buildWsmanRequest(request), 'utf8')
    for (const [at, value] of edits) bytes[at % bytes.length] = value
    return cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1))
  })

function readAll(kind: 'request' | 'response', chunks: readonly Buffer[]): HttpMessage[] {
  const parser = new HttpStreamParser(kind)
  const out: HttpMessage[] = []
  for (const c of chunks) {
    parser.push(c)
    for (let m = parser.next(); m !== null; m = parser.next()) out.push(m)
  }
  return out
}

describe('WS-MAN codec properties', () => {
  it('1. parse(build(request)) equals the request', { timeout }, () => {
    fc.assert(
      fc.property(wsmanRequest, (r) => {
        expect(parseWsmanRequest(buildWsmanRequest(r))).toEqual(r)
      }),
      params(1500),
    )
  })

  it('2. parse(build(response)) equals the response', { timeout }, () => {
    fc.assert(
      fc.property(wsmanResponse, (r) => {
        expect(parseWsmanResponse(buildWsmanResponse(r))).toEqual(r)
      }),
      params(1500),
    )
  })

  it('3. escaped text and attributes read back unchanged', { timeout }, () => {
    fc.assert(
      fc.property(xmlText, xmlText, (text, attr) => {
        const root = parseXml(`<r a="${escapeXmlAttribute(attr)}">${escapeXmlText(text)}</r>`)
        expect(root.text).toBe(text)
        expect(root.attributes[0]?.value).toBe(attr)
      }),
      params(3000),
    )
  })

  it('4. random or damaged input parses or fails with a WSMAN_ERR_* code, nothing else', { timeout }, () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)), mutatedEnvelope)
    fc.assert(
      fc.property(input, (bytes) => {
        parsesOrTypedError(() => parseWsmanRequest(bytes))
        parsesOrTypedError(() => parseWsmanResponse(bytes))
      }),
      params(3000),
    )
  })

  it('5. HTTP: the same messages come out whatever the chunking', { timeout }, () => {
    const bodies = fc.array(fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)), { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(
        bodies.chain((list) => {
          const requests = Buffer.concat(list.map((b) => encodeHttpRequest('POST', '/wsman', [['Content-Length', String(b.length)]], b)))
          const responses = Buffer.concat(
            list.map((b) => Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), encodeChunkedBody(b, 700)])),
          )
          return fc.tuple(fc.constant(list), chunked(requests), chunked(responses))
        }),
        ([list, requestChunks, responseChunks]) => {
          expect(readAll('request', requestChunks).map((m) => m.body)).toEqual(list)
          expect(readAll('response', responseChunks).map((m) => m.body)).toEqual(list)
        },
      ),
      params(500),
    )
  })

  it('6. HTTP: random bytes give messages or a WSMAN_ERR_HTTP_* error', { timeout }, () => {
    const fragment = fc.constantFrom('POST /wsman HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n', '5\r\nabcde\r\n', '0\r\n\r\n', 'x')
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      fc.array(fragment, { maxLength: 20 }).map((parts) => Buffer.from(parts.join(''), 'latin1')),
    )
    fc.assert(
      fc.property(input, fc.constantFrom('request' as const, 'response' as const), (bytes, kind) => {
        try {
          readAll(kind, [bytes])
        } catch (error) {
          if (!(error instanceof WsmanError)) throw error
          expect(error.code).toMatch(/^WSMAN_ERR_HTTP_/)
        }
      }),
      params(3000),
    )
  })
})
