/**
 * Reads a device's HTTP/1.1 response off a channel just far enough to relay it: the status line
 * and headers (for the console's response head), then the body's framing (RFC 9112 §6.3) so the
 * relay knows where the response ends and the console connection can be kept alive. Body bytes
 * come out as slices of the chunks pushed in, never copied; only a head or a chunk-size line
 * split across chunks is gathered, and that is bounded (`maxHeaderBytes`, LINE_LIMIT).
 *
 * Pure: no sockets, no timers. The relay pushes channel chunks in and gets callbacks out.
 * Chunked bodies come out decoded (the console side frames them again); trailers are read and
 * dropped, as node:http's client did before; 1xx interim responses are skipped (we strip Expect,
 * so a device has no reason to send one).
 */

export type ResponseFraming =
  | { readonly kind: 'none' }
  | { readonly kind: 'length'; readonly length: number }
  | { readonly kind: 'chunked' }
  /** No length and not chunked: the body runs until the device closes the channel. */
  | { readonly kind: 'close' }

export interface ResponseHead {
  readonly statusCode: number
  readonly statusMessage: string
  /** Flat name/value list, names as the device spelled them. */
  readonly rawHeaders: string[]
  readonly framing: ResponseFraming
}

export interface ResponseSink {
  head(head: ResponseHead): void
  body(data: Buffer): void
  /** The whole response has been read. Nothing is delivered after this. */
  complete(): void
}

/** `head-too-large`: no end of head within maxHeaderBytes; `malformed`: not an HTTP/1.x response. */
export type ResponseReadError = 'head-too-large' | 'malformed' | 'incomplete'

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done' | 'failed'

// Chunk-size lines (with extensions) and trailer lines: generous for any firmware, still bounded.
const LINE_LIMIT = 4096
// 12 hex digits: 256 TiB, far past any response and exact in a double.
const MAX_CHUNK_SIZE_DIGITS = 12
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1')
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: ([^\r\n]*))?$/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Field values: visible latin1, space and tab (what node:http will also accept on the way out).
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/
const CHUNK_SIZE = /^([0-9A-Fa-f]+)[ \t]*(;.*)?$/
const DIGITS = /^[0-9]+$/

export class ResponseReader {
  private state: State = 'head'
  /** Bytes of a head, line or trailer section not complete yet (only across chunk boundaries). */
  private partial: Buffer | null = null
  private remaining = 0
  private trailerBytes = 0
  private readonly sink: ResponseSink
  private readonly maxHeaderBytes: number
  private readonly bodyless: boolean

  /** `bodyless`: the request was HEAD, so no response carries a body whatever it says. */
  constructor(sink: ResponseSink, maxHeaderBytes: number, bodyless: boolean) {
    this.sink = sink
    this.maxHeaderBytes = maxHeaderBytes
    this.bodyless = bodyless
  }

  get done(): boolean {
    return this.state === 'done'
  }

  /** Feed the next channel chunk. Bytes after the end of the response are ignored. */
  push(chunk: Buffer): ResponseReadError | null {
    let offset = 0
    while (offset < chunk.length) {
      const step = this.step(chunk, offset)
      if (typeof step === 'string') return this.fail(step)
      if (step < 0) return null
      offset = step
    }
    return null
  }

  /** The channel ended: completes a close-delimited body, otherwise the response was cut short. */
  end(): ResponseReadError | null {
    if (this.state === 'done' || this.state === 'failed') return null
    if (this.state === 'close') {
      this.finish()
      return null
    }
    return this.fail('incomplete')
  }

  /** One state's work from `offset`: the next offset, -1 to stop (need more or done), or an error. */
  private step(chunk: Buffer, offset: number): number | ResponseReadError {
    switch (this.state) {
      case 'head':
        return this.readHead(chunk, offset)
      case 'length':
        return this.readBody(chunk, offset, 'done')
      case 'chunk-data':
        return this.readBody(chunk, offset, 'chunk-end')
      case 'close':
        this.sink.body(offset === 0 ? chunk : chunk.subarray(offset))
        return chunk.length
      case 'chunk-size':
      case 'chunk-end':
      case 'trailers':
        return this.readLine(chunk, offset)
      case 'done':
      case 'failed':
        return -1
    }
  }

  private readHead(chunk: Buffer, offset: number): number | ResponseReadError {
    const previous = this.partial
    const data = previous === null ? chunk.subarray(offset) : Buffer.concat([previous, chunk.subarray(offset)])
    // Search only where the end could be: a CRLFCRLF may straddle the old and new bytes.
    const end = data.indexOf(HEAD_END, previous === null ? 0 : Math.max(0, previous.length - 3))
    if (end < 0) {
      if (data.length > this.maxHeaderBytes) return 'head-too-large'
      this.partial = previous === null ? Buffer.from(data) : data
      return -1
    }
    if (end + 4 > this.maxHeaderBytes) return 'head-too-large'
    this.partial = null
    const consumed = end + 4 - (previous === null ? 0 : previous.length)
    const failure = this.acceptHead(data.toString('latin1', 0, end))
    return failure ?? offset + consumed
  }

  private acceptHead(text: string): ResponseReadError | null {
    const lines = text.split('\r\n')
    const status = STATUS_LINE.exec(lines[0] as string)
    if (status === null || BAD_VALUE.test(status[2] ?? '')) return 'malformed'
    const statusCode = Number(status[1])
    const rawHeaders: string[] = []
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string
      const colon = line.indexOf(':')
      // No obs-fold (a line starting with whitespace), no bare CR or LF inside a line.
      if (colon <= 0 || line.includes('\n') || line.includes('\r')) return 'malformed'
      const name = line.slice(0, colon)
      const value = line.slice(colon + 1).trim()
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) return 'malformed'
      rawHeaders.push(name, value)
    }
    // 1xx are interim; 101 would switch protocols, which we never ask for.
    if (statusCode === 101) return 'malformed'
    if (statusCode < 200) return null
    const framing = this.framingOf(statusCode, rawHeaders)
    if (framing === null) return 'malformed'
    this.sink.head({ statusCode, statusMessage: status[2] ?? '', rawHeaders, framing })
    this.enterBody(framing)
    return null
  }

  private framingOf(statusCode: number, rawHeaders: readonly string[]): ResponseFraming | null {
    if (this.bodyless || statusCode === 204 || statusCode === 304) return { kind: 'none' }
    let codings: string | null = null
    let length: string | null = null
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as string).toLowerCase()
      const value = rawHeaders[i + 1] as string
      if (name === 'transfer-encoding') codings = codings === null ? value : `${codings},${value}`
      else if (name === 'content-length') {
        // Repeated or listed values must all agree (RFC 9110 §8.6).
        for (const part of value.split(',')) {
          const v = part.trim()
          if (!DIGITS.test(v) || (length !== null && length !== v)) return null
          length = v
        }
      }
    }
    // Both is how request smuggling starts (RFC 9112 §6.1): refuse it, as llhttp does.
    if (codings !== null && length !== null) return null
    if (codings !== null) {
      const last = codings.split(',').pop()?.trim().toLowerCase()
      return last === 'chunked' ? { kind: 'chunked' } : { kind: 'close' }
    }
    if (length !== null) {
      const n = Number(length)
      return Number.isSafeInteger(n) ? { kind: 'length', length: n } : null
    }
    return { kind: 'close' }
  }

  private enterBody(framing: ResponseFraming): void {
    switch (framing.kind) {
      case 'none':
        return this.finish()
      case 'length':
        if (framing.length === 0) return this.finish()
        this.remaining = framing.length
        this.state = 'length'
        return
      case 'chunked':
        this.state = 'chunk-size'
        return
      case 'close':
        this.state = 'close'
        return
    }
  }

  private readBody(chunk: Buffer, offset: number, next: State): number {
    const n = Math.min(this.remaining, chunk.length - offset)
    this.sink.body(offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n))
    this.remaining -= n
    if (this.remaining === 0) {
      if (next === 'done') this.finish()
      else this.state = next
    }
    return offset + n
  }

  /** Chunk-size line, the CRLF after chunk data, or a trailer line. */
  private readLine(chunk: Buffer, offset: number): number | ResponseReadError {
    const lf = chunk.indexOf(0x0a, offset)
    const piece = chunk.subarray(offset, lf < 0 ? chunk.length : lf + 1)
    const line = this.partial === null ? piece : Buffer.concat([this.partial, piece])
    if (lf < 0) {
      if (line.length > LINE_LIMIT) return 'malformed'
      this.partial = this.partial === null ? Buffer.from(line) : line
      return -1
    }
    this.partial = null
    if (line.length > LINE_LIMIT || line.length < 2 || line[line.length - 2] !== 0x0d) return 'malformed'
    const failure = this.acceptLine(line.toString('latin1', 0, line.length - 2), line.length)
    return failure ?? lf + 1
  }

  private acceptLine(text: string, bytes: number): ResponseReadError | null {
    switch (this.state) {
      case 'chunk-end':
        if (text !== '') return 'malformed'
        this.state = 'chunk-size'
        return null
      case 'trailers':
        this.trailerBytes += bytes
        if (this.trailerBytes > this.maxHeaderBytes) return 'head-too-large'
        if (text === '') this.finish()
        return null
      default: {
        const size = CHUNK_SIZE.exec(text)
        const digits = size?.[1]?.replace(/^0+(?=.)/, '')
        if (digits === undefined || digits.length > MAX_CHUNK_SIZE_DIGITS) return 'malformed'
        this.remaining = parseInt(digits, 16)
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data'
        return null
      }
    }
  }

  private finish(): void {
    this.state = 'done'
    this.partial = null
    this.sink.complete()
  }

  private fail(error: ResponseReadError): ResponseReadError {
    this.state = 'failed'
    this.partial = null
    return error
  }
}
