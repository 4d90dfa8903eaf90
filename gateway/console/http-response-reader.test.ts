import { describe, expect, it } from 'vitest'
import { ResponseReader, type ResponseHead, type ResponseReadError } from './http-response-reader.js'

interface Read {
  head: ResponseHead | null
  body: string
  complete: boolean
  error: ResponseReadError | null
}

/** Push `pieces` (latin1 text) one by one, then `end()` if asked; what came out. */
function read(pieces: readonly string[], options: { end?: boolean; maxHeaderBytes?: number; head?: boolean } = {}): Read {
  const out: Read = { head: null, body: '', complete: false, error: null }
  const reader = new ResponseReader(
    {
      head: (h) => {
        expect(out.head).toBeNull()
        out.head = h
      },
      body: (data) => {
        expect(out.complete).toBe(false)
        out.body += data.toString('latin1')
      },
      complete: () => {
        expect(out.complete).toBe(false)
        out.complete = true
      },
    },
    options.maxHeaderBytes ?? 16 * 1024,
    options.head ?? false,
  )
  for (const piece of pieces) {
    out.error ??= reader.push(Buffer.from(piece, 'latin1'))
  }
  if (options.end === true) out.error ??= reader.end()
  return out
}

/** Every split of `text` into two pieces, and one byte at a time. */
function splits(text: string): string[][] {
  const out: string[][] = [[text], Array.from(text)]
  for (let i = 1; i < text.length; i++) out.push([text.slice(0, i), text.slice(i)])
  return out
}

const AMT_200 = 'HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<a:En\r\n0a;ext=1\r\nvelope/>\r\n\r\n0\r\nX-Trailer: 1\r\n\r\n'

describe('ResponseReader', () => {
  it('reads a chunked AMT-style answer the same whatever the chunking, trailers dropped', () => {
    for (const pieces of splits(AMT_200)) {
      const r = read(pieces)
      expect(r).toMatchObject({ body: '<a:Envelope/>\r\n', complete: true, error: null })
      expect(r.head).toEqual({
        statusCode: 200,
        statusMessage: 'OK',
        rawHeaders: ['Content-Type', 'application/soap+xml; charset=UTF-8', 'Transfer-Encoding', 'chunked'],
        framing: { kind: 'chunked' },
      })
    }
  })

  it('stops at Content-Length and ignores what follows; a zero length completes with the head', () => {
    const text = 'HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'
    for (const pieces of splits(`${text}EXTRA`)) {
      expect(read(pieces)).toMatchObject({ head: { statusCode: 401, framing: { kind: 'length', length: 5 } }, body: 'hello', complete: true, error: null })
    }
    expect(read(['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'])).toMatchObject({ body: '', complete: true })
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\ncontent-length: 3\r\n\r\nabc'])).toMatchObject({ body: 'abc', complete: true })
  })

  it('runs a body without length or chunking until the channel ends', () => {
    const r = read(['HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome', ' bytes'])
    expect(r).toMatchObject({ head: { framing: { kind: 'close' } }, body: 'some bytes', complete: false })
    expect(read(['HTTP/1.1 200 OK\r\n\r\nsome'], { end: true })).toMatchObject({ body: 'some', complete: true, error: null })
    // A coding list not ending in chunked is close-delimited too (RFC 9112 §6.3).
    expect(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz'], { end: true })).toMatchObject({ head: { framing: { kind: 'close' } }, body: 'zz' })
  })

  it('gives no body for HEAD, 204 and 304, and skips 1xx interim answers', () => {
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'], { head: true })).toMatchObject({ head: { framing: { kind: 'none' } }, complete: true })
    expect(read(['HTTP/1.1 204 No Content\r\n\r\n'])).toMatchObject({ head: { statusCode: 204 }, complete: true })
    expect(read(['HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n'])).toMatchObject({ complete: true, body: '' })
    for (const pieces of splits('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')) {
      expect(read(pieces)).toMatchObject({ head: { statusCode: 200 }, body: 'ok', complete: true })
    }
    expect(read(['HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'])).toMatchObject({ head: { statusMessage: '' }, complete: true })
  })

  it('reports a response cut short, before or inside the body', () => {
    expect(read(['HTTP/1.1 200 OK\r\nContent-Le'], { end: true })).toMatchObject({ head: null, error: 'incomplete' })
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc'], { end: true })).toMatchObject({ body: 'abc', complete: false, error: 'incomplete' })
    expect(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'], { end: true })).toMatchObject({ error: 'incomplete' })
    expect(read([], { end: true })).toMatchObject({ error: 'incomplete' })
  })

  it('refuses a head past maxHeaderBytes, found or not, and an endless trailer section', () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(200)}\r\n\r\n`
    expect(read([big], { maxHeaderBytes: 100 })).toMatchObject({ head: null, error: 'head-too-large' })
    expect(read([big.slice(0, 60), big.slice(60, 150)], { maxHeaderBytes: 100 })).toMatchObject({ error: 'head-too-large' })
    expect(read([big], { maxHeaderBytes: big.length })).toMatchObject({ error: null })
    const trailers = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${'X-T: 1\r\n'.repeat(30)}\r\n`
    expect(read([trailers], { maxHeaderBytes: 100 })).toMatchObject({ error: 'head-too-large' })
  })

  it('refuses what is not an HTTP/1.x response', () => {
    const malformed = [
      'HTTP/2 200 OK\r\n\r\n',
      'ICY 200 OK\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\n folded: value\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad Name: value\r\n\r\n',
      'HTTP/1.1 200 OK\r\nNoColon\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: a\u0001b\r\n\r\n',
      'HTTP/1.1 200 O\u0007K\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(5000)}`,
    ]
    for (const text of malformed) expect(read([text]).error, JSON.stringify(text)).toBe('malformed')
    // Leading zeros are not digits of size: a 12-digit limit counts significant ones only.
    expect(read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000003\r\nabc\r\n0\r\n\r\n'])).toMatchObject({ body: 'abc', complete: true })
  })

  it('hands body bytes out as slices of the pushed chunk, not copies', () => {
    const chunk = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody', 'latin1')
    let slice: Buffer | null = null
    const reader = new ResponseReader({ head: () => undefined, body: (data) => (slice = data), complete: () => undefined }, 1024, false)
    expect(reader.push(chunk)).toBeNull()
    expect(slice).not.toBeNull()
    expect((slice as unknown as Buffer).buffer).toBe(chunk.buffer)
    expect(reader.done).toBe(true)
  })
})
