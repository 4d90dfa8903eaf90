/**
 * HTTP/1.1 framing for WS-MAN on 16992, as pure code over Buffer: an incremental parser for
 * requests (device side) and responses (console side), and the encoders for both.
 *
 * What it accepts: CRLF line endings; Content-Length bodies; chunked response bodies (AMT
 * sends 200 and 400 chunked, redirection-wsman.md §4.1); responses without a length read to
 * the end of the stream. Chunked *requests* are refused (WSMAN_ERR_HTTP_UNSUPPORTED): no
 * console sends them. Header block, header count and body are bounded before anything is held;
 * after an error the parser stays failed.
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'

export interface HttpLimits {
  /** Request/status line plus headers, CRLFs included. */
  readonly maxHeaderBytes: number
  readonly maxHeaders: number
  readonly maxBodyBytes: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({ maxHeaderBytes: 8192, maxHeaders: 64, maxBodyBytes: 1024 * 1024 })

export type HttpHeaders = readonly (readonly [name: string, value: string])[]

export interface HttpMessage {
  readonly kind: 'request' | 'response'
  /** Requests: method and request-target as sent. Responses: ''. */
  readonly method: string
  readonly target: string
  /** Responses: status code and reason phrase. Requests: 0 and ''. */
  readonly status: number
  readonly reason: string
  readonly version: 'HTTP/1.0' | 'HTTP/1.1'
  /** In the order received, names as sent. */
  readonly headers: HttpHeaders
  readonly body: Buffer
  /** Whether the connection stays open after this message. */
  readonly keepAlive: boolean
  /** The chunk sizes of a chunked body, in order (the final 0 excluded). */
  readonly chunkSizes: readonly number[] | null
}

/** First value of a header, case-insensitive. */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const lower = name.toLowerCase()
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1]
}

function malformed(message: string): WsmanError {
  return new WsmanError(ErrorCode.WSMAN_ERR_HTTP_MALFORMED, message)
}

/** Chunks as views, copied only when a read spans two of them. */
class ByteQueue {
  private chunks: Buffer[] = []
  length = 0

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.length += chunk.length
  }

  /** The first `n` bytes (a view when they lie in the first chunk). */
  peek(n: number): Buffer {
    const first = this.chunks[0]
    if (first !== undefined && first.length >= n) return first.subarray(0, n)
    const needed: Buffer[] = []
    let have = 0
    for (const chunk of this.chunks) {
      if (have >= n) break
      needed.push(chunk)
      have += chunk.length
    }
    return Buffer.concat(needed, have).subarray(0, n)
  }

  /** Remove and return the first `n` bytes as views. */
  takeViews(n: number): Buffer[] {
    const out: Buffer[] = []
    let left = n
    while (left > 0) {
      const first = this.chunks[0] as Buffer
      if (first.length <= left) {
        out.push(first)
        this.chunks.shift()
        left -= first.length
      } else {
        out.push(first.subarray(0, left))
        this.chunks[0] = first.subarray(left)
        left = 0
      }
    }
    this.length -= n
    return out
  }

  skip(n: number): void {
    this.takeViews(n)
  }
}

type State =
  | { readonly phase: 'head' }
  | { readonly phase: 'length'; readonly head: Head; readonly remaining: number }
  | { readonly phase: 'chunk-size'; readonly head: Head }
  | { readonly phase: 'chunk-data'; readonly head: Head; readonly size: number }
  | { readonly phase: 'trailers'; readonly head: Head }
  | { readonly phase: 'until-close'; readonly head: Head }

interface Head {
  readonly method: string
  readonly target: string
  readonly status: number
  readonly reason: string
  readonly version: 'HTTP/1.0' | 'HTTP/1.1'
  readonly headers: HttpHeaders
  readonly keepAlive: boolean
}

const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')
const MAX_CHUNK_LINE = 1024

export class HttpStreamParser {
  readonly limits: HttpLimits
  private readonly queue = new ByteQueue()
  private state: State = { phase: 'head' }
  private body: Buffer[] = []
  private bodyBytes = 0
  private chunkSizes: number[] = []
  private failure: WsmanError | null = null

  constructor(
    readonly kind: 'request' | 'response',
    limits: Partial<HttpLimits> = {},
  ) {
    this.limits = Object.freeze({ ...DEFAULT_HTTP_LIMITS, ...limits })
  }

  /** Bytes received and not yet returned as part of a message. */
  get bufferedBytes(): number {
    return this.queue.length + this.bodyBytes
  }

  /** True between messages: nothing of a next message has arrived. */
  get idle(): boolean {
    return this.state.phase === 'head' && this.queue.length === 0
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk)
  }

  /** The next complete message, null when more bytes are needed; throws a WsmanError. */
  next(): HttpMessage | null {
    if (this.failure !== null) throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_FAILED, 'parser failed earlier', { cause: this.failure })
    try {
      return this.step()
    } catch (error) {
      if (error instanceof WsmanError) this.failure = error
      throw error
    }
  }

  /** The stream ended: completes a body read to the end, else null if idle; throws if cut short. */
  end(): HttpMessage | null {
    if (this.state.phase === 'until-close') {
      this.takeBody(this.queue.length)
      return this.finish(this.state.head)
    }
    if (this.idle) return null
    throw malformed('stream ended inside a message')
  }

  private step(): HttpMessage | null {
    for (;;) {
      const s = this.state
      switch (s.phase) {
        case 'head': {
          const head = this.readHead()
          if (head === null) return null
          this.startBody(head)
          break
        }
        case 'length':
          if (this.queue.length < s.remaining) return null
          this.takeBody(s.remaining)
          return this.finish(s.head)
        case 'chunk-size': {
          const line = this.readLine()
          if (line === null) return null
          const size = parseChunkSize(line)
          if (size === 0) this.state = { phase: 'trailers', head: s.head }
          else {
            this.checkBody(size)
            this.chunkSizes.push(size)
            this.state = { phase: 'chunk-data', head: s.head, size }
          }
          break
        }
        case 'chunk-data':
          if (this.queue.length < s.size + 2) return null
          this.takeBody(s.size)
          if (!this.queue.peek(2).equals(CRLF)) throw malformed('chunk data not followed by CRLF')
          this.queue.skip(2)
          this.state = { phase: 'chunk-size', head: s.head }
          break
        case 'trailers': {
          const line = this.readLine()
          if (line === null) return null
          if (line === '') return this.finish(s.head)
          break
        }
        case 'until-close':
          this.checkBody(this.queue.length)
          return null
        default: {
          const never: never = s
          throw malformed(`unknown state ${JSON.stringify(never)}`)
        }
      }
    }
  }

  private readHead(): Head | null {
    const window = this.queue.peek(Math.min(this.queue.length, this.limits.maxHeaderBytes))
    const end = window.indexOf(HEAD_END)
    if (end === -1) {
      if (this.queue.length >= this.limits.maxHeaderBytes) {
        throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_HEADER_TOO_LARGE, `header block exceeds ${this.limits.maxHeaderBytes} bytes`)
      }
      return null
    }
    const text = window.subarray(0, end).toString('latin1')
    this.queue.skip(end + 4)
    return this.parseHead(text)
  }

  private parseHead(text: string): Head {
    const lines = text.split('\r\n')
    const startLine = lines.shift() ?? ''
    if (lines.length > this.limits.maxHeaders) throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_HEADER_TOO_LARGE, `more than ${this.limits.maxHeaders} headers`)
    const headers = lines.map(parseHeaderLine)
    const start = this.kind === 'request' ? parseRequestLine(startLine) : parseStatusLine(startLine)
    const connection = (headerValue(headers, 'connection') ?? '').toLowerCase().split(',').map((t) => t.trim())
    const keepAlive = start.version === 'HTTP/1.1' ? !connection.includes('close') : connection.includes('keep-alive')
    return { ...start, headers, keepAlive }
  }

  private startBody(head: Head): void {
    this.body = []
    this.bodyBytes = 0
    this.chunkSizes = []
    const te = headerValue(head.headers, 'transfer-encoding')
    const lengths = head.headers.filter(([n]) => n.toLowerCase() === 'content-length').map(([, v]) => v.trim())
    if (te !== undefined) {
      if (this.kind === 'request') throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_UNSUPPORTED, 'chunked request bodies are not accepted')
      if (te.trim().toLowerCase() !== 'chunked') throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_UNSUPPORTED, `transfer-encoding ${te} is not supported`)
      if (lengths.length > 0) throw malformed('both Transfer-Encoding and Content-Length')
      this.state = { phase: 'chunk-size', head }
      return
    }
    if (lengths.length > 0) {
      if (!lengths.every((v) => v === lengths[0]) || !/^[0-9]{1,15}$/.test(lengths[0] as string)) throw malformed('bad Content-Length')
      const length = Number(lengths[0])
      this.checkBody(length)
      this.state = { phase: 'length', head, remaining: length }
      return
    }
    const noBody = this.kind === 'request' || head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)
    this.state = noBody ? { phase: 'length', head, remaining: 0 } : { phase: 'until-close', head: { ...head, keepAlive: false } }
  }

  private checkBody(more: number): void {
    if (this.bodyBytes + more > this.limits.maxBodyBytes) {
      throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_BODY_TOO_LARGE, `body exceeds ${this.limits.maxBodyBytes} bytes`)
    }
  }

  private takeBody(n: number): void {
    this.checkBody(n)
    this.body.push(...this.queue.takeViews(n))
    this.bodyBytes += n
  }

  private readLine(): string | null {
    const window = this.queue.peek(Math.min(this.queue.length, MAX_CHUNK_LINE))
    const end = window.indexOf(CRLF)
    if (end === -1) {
      if (this.queue.length >= MAX_CHUNK_LINE) throw malformed('chunk-size or trailer line too long')
      return null
    }
    const line = window.subarray(0, end).toString('latin1')
    this.queue.skip(end + 2)
    return line
  }

  private finish(head: Head): HttpMessage {
    const message: HttpMessage = {
      kind: this.kind,
      ...head,
      body: this.body.length === 1 ? (this.body[0] as Buffer) : Buffer.concat(this.body, this.bodyBytes),
      chunkSizes: head.headers.some(([n]) => n.toLowerCase() === 'transfer-encoding') ? this.chunkSizes : null,
    }
    this.state = { phase: 'head' }
    this.body = []
    this.bodyBytes = 0
    this.chunkSizes = []
    return message
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function parseVersion(text: string): 'HTTP/1.0' | 'HTTP/1.1' {
  if (text === 'HTTP/1.1' || text === 'HTTP/1.0') return text
  throw malformed(`unsupported HTTP version ${JSON.stringify(text.slice(0, 16))}`)
}

function parseRequestLine(line: string): Pick<Head, 'method' | 'target' | 'status' | 'reason' | 'version'> {
  const parts = line.split(' ')
  if (parts.length !== 3 || !TOKEN.test(parts[0] as string) || (parts[1] as string) === '') throw malformed('bad request line')
  return { method: parts[0] as string, target: parts[1] as string, status: 0, reason: '', version: parseVersion(parts[2] as string) }
}

function parseStatusLine(line: string): Pick<Head, 'method' | 'target' | 'status' | 'reason' | 'version'> {
  const match = /^(HTTP\/1\.[01]) ([0-9]{3})(?: (.*))?$/.exec(line)
  if (match === null) throw malformed('bad status line')
  return { method: '', target: '', status: Number(match[2]), reason: match[3] ?? '', version: parseVersion(match[1] as string) }
}

function parseHeaderLine(line: string): readonly [string, string] {
  const colon = line.indexOf(':')
  const name = colon === -1 ? '' : line.slice(0, colon)
  if (!TOKEN.test(name)) throw malformed(`bad header line ${JSON.stringify(line.slice(0, 40))}`)
  const value = line.slice(colon + 1).trim()
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw malformed(`control character in header ${name}`)
  return [name, value]
}

function parseChunkSize(line: string): number {
  const hex = (line.split(';')[0] ?? '').trim()
  if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw malformed(`bad chunk size ${JSON.stringify(line.slice(0, 16))}`)
  return Number.parseInt(hex, 16)
}

// ---- encoding ------------------------------------------------------------------------------

function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name) || /[\r\n]/.test(value)) throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `header ${JSON.stringify(name)} cannot be written`)
}

function renderHeaders(headers: HttpHeaders): string {
  let out = ''
  for (const [name, value] of headers) {
    checkHeader(name, value)
    out += `${name}: ${value}\r\n`
  }
  return out
}

export function encodeHttpRequest(method: string, target: string, headers: HttpHeaders, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${method} ${target} HTTP/1.1\r\n${renderHeaders(headers)}\r\n`, 'latin1'), body])
}

export function encodeHttpResponseHead(status: number, reason: string, headers: HttpHeaders): Buffer {
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\n${renderHeaders(headers)}\r\n`, 'latin1')
}

/**
 * A chunked body as AMT frames it: each size as 4 upper-case hex digits (`0513`, `02FA`),
 * `chunkSize` bytes at most per chunk, ending `0\r\n\r\n`.
 */
export function encodeChunkedBody(body: Buffer, chunkSize: number): Buffer {
  const size = Math.max(1, Math.min(chunkSize, 0xffff))
  const parts: Buffer[] = []
  for (let offset = 0; offset < body.length; offset += size) {
    const piece = body.subarray(offset, Math.min(offset + size, body.length))
    parts.push(Buffer.from(`${piece.length.toString(16).toUpperCase().padStart(4, '0')}\r\n`, 'latin1'), piece, CRLF)
  }
  parts.push(Buffer.from('0\r\n\r\n', 'latin1'))
  return Buffer.concat(parts)
}
