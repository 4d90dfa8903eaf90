/*
 * HTTP framing edges for WS-MAN on 16992 (redirection-wsman.md §4.1) beyond the captured vectors
 * in conformance/codec: parser state between messages, the end of the stream, HTTP/1.0
 * keep-alive, bodiless statuses, and the encoders' exact bytes and refusals.
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'
import { encodeHttpRequest, encodeHttpResponseHead, HttpStreamParser } from './http.js'

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1')

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (error) {
    if (error instanceof WsmanError) return error.code
    throw error
  }
  return 'no error'
}

describe('HttpStreamParser state', () => {
  it('is idle between messages and counts what it holds', () => {
    const p = new HttpStreamParser('request')
    expect(p.idle).toBe(true)
    expect(p.bufferedBytes).toBe(0)
    p.push(latin1('POST /wsman HTTP/1.1\r\nContent-Length: 4\r\n\r\nab'))
    expect(p.next()).toBeNull()
    expect(p.idle).toBe(false)
    expect(p.bufferedBytes).toBe(2)
    p.push(latin1('cd'))
    expect(p.next()).toMatchObject({ method: 'POST', target: '/wsman', body: latin1('abcd'), keepAlive: true, chunkSizes: null })
    expect(p.idle).toBe(true)
    expect(p.end()).toBeNull()
  })

  it('a stream that ends inside a head, a Content-Length body or a chunked body is WSMAN_ERR_HTTP_MALFORMED', () => {
    const inputs: ['request' | 'response', string][] = [
      ['request', 'POST /wsman HTTP/1.1\r\nHost: x'],
      ['request', 'POST /wsman HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc'],
      ['response', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0004\r\nab'],
    ]
    for (const [kind, text] of inputs) {
      const p = new HttpStreamParser(kind)
      p.push(latin1(text))
      expect(p.next()).toBeNull()
      expect(codeOf(() => p.end())).toBe(ErrorCode.WSMAN_ERR_HTTP_MALFORMED)
    }
  })

  it('HTTP/1.0 closes unless the peer asks for keep-alive; HTTP/1.1 stays open unless told to close', () => {
    const keepAliveOf = (head: string): boolean | undefined => {
      const p = new HttpStreamParser('response')
      p.push(latin1(`${head}\r\nContent-Length: 0\r\n\r\n`))
      return p.next()?.keepAlive
    }
    expect(keepAliveOf('HTTP/1.0 200 OK')).toBe(false)
    expect(keepAliveOf('HTTP/1.0 200 OK\r\nConnection: Keep-Alive')).toBe(true)
    expect(keepAliveOf('HTTP/1.1 200 OK')).toBe(true)
    expect(keepAliveOf('HTTP/1.1 401 Unauthorized\r\nConnection: upgrade, close')).toBe(false)
  })

  it('204 and 1xx responses have no body even without a length', () => {
    const p = new HttpStreamParser('response')
    p.push(latin1('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n'))
    expect(p.next()).toMatchObject({ status: 204, reason: 'No Content', body: Buffer.alloc(0), keepAlive: true })
    expect(p.next()).toMatchObject({ status: 100, reason: 'Continue' })
    expect(p.idle).toBe(true)
  })

  it('a status line without a reason phrase reads as an empty reason', () => {
    const p = new HttpStreamParser('response')
    p.push(latin1('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'))
    expect(p.next()).toMatchObject({ status: 200, reason: '' })
  })
})

describe('encoders', () => {
  it('writes a response head as status line, headers in order, blank line', () => {
    const head = encodeHttpResponseHead(200, 'OK', [
      ['Content-Type', 'application/soap+xml; charset=UTF-8'],
      ['Transfer-Encoding', 'chunked'],
    ])
    expect(head.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n')
  })

  it('writes a request with its body after the blank line', () => {
    const bytes = encodeHttpRequest('POST', '/wsman', [['Content-Length', '2']], latin1('<a'))
    expect(bytes.toString('latin1')).toBe('POST /wsman HTTP/1.1\r\nContent-Length: 2\r\n\r\n<a')
  })

  it('refuses header names that are not tokens and values with CR or LF (no header injection)', () => {
    expect(codeOf(() => encodeHttpResponseHead(200, 'OK', [['Bad Name', 'x']]))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
    expect(codeOf(() => encodeHttpResponseHead(200, 'OK', [['X-A', 'x\r\nSet-Cookie: y']]))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
    expect(codeOf(() => encodeHttpRequest('POST', '/wsman', [['X-A', 'x\ny']], Buffer.alloc(0)))).toBe(ErrorCode.WSMAN_ERR_INVALID_VALUE)
  })
})
