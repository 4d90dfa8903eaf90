/**
 * One request and its response over a device channel, without node:http's client: the request
 * head is already known (http-relay.ts built it from what the proxy server parsed), so it goes
 * into the channel as bytes, with the first body chunk in the same write (one CHANNEL_DATA, one
 * TLS record, for a WS-MAN POST); the response is read only as far as http-response-reader.ts
 * needs to find its end, and its body is handed to the console's ServerResponse as slices.
 * The profile had node:http's client (request and response objects, parser, socket plumbing)
 * at about a fifth of the gateway's CPU per relayed WS-MAN request.
 *
 * Backpressure both ways: a full channel pauses the console request; a console that does not
 * drain pauses the channel, which withholds window credit from the device. Nothing queues here.
 */

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { replyWithError } from './http-replies.js'
import { ResponseReader, type ResponseHead, type ResponseReadError, type ResponseSink } from './http-response-reader.js'
import { withoutHopByHop } from './http-target.js'

export interface ExchangeTotals {
  readonly bytesToDevice: number
  readonly bytesToConsole: number
  readonly aborted: boolean
}

export interface ExchangeSpec {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly channel: Duplex
  /** Request line and headers for the device, latin1, ending with the blank line. */
  readonly head: Buffer
  /** The console's body was chunked: frame it as chunks again towards the device. */
  readonly chunked: boolean
  /** The console request has no body: the head is the whole request. */
  readonly bodyless: boolean
  readonly maxHeaderBytes: number
  /** For one-line 502s, e.g. `4c4c4544…`. */
  readonly deviceName: string
  /** True when the console connection must close after this response. */
  readonly closeConsole: () => boolean
  /**
   * Called once, after the first request bytes went to the device (or before `done` if none
   * did): the console-opened log line is a sync file write, so it follows the channel write
   * instead of delaying it.
   */
  readonly opened: () => void
  readonly done: (totals: ExchangeTotals) => void
}

const CRLF = Buffer.from('\r\n', 'latin1')
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')

const WHY: Readonly<Record<ResponseReadError, string>> = {
  'head-too-large': 'response headers too large',
  malformed: 'sent a malformed response',
  incomplete: 'closed the channel before answering',
}

/** Relay until the console's response is closed, then call `spec.done` once. */
export function runExchange(spec: ExchangeSpec): void {
  new HttpExchange(spec).start()
}

class HttpExchange implements ResponseSink {
  private readonly spec: ExchangeSpec
  private readonly reader: ResponseReader
  private pendingHead: Buffer | null
  private bytesToDevice = 0
  private bytesToConsole = 0
  private aborted = false
  private failed = false
  /** The request may no longer be written (response over, or the exchange failed). */
  private requestStopped = false
  private channelPaused = false
  /** node:http refused the device's head for the console (it throws rather than send it). */
  private headRejected = false
  private announced = false

  constructor(spec: ExchangeSpec) {
    this.spec = spec
    this.pendingHead = spec.head
    this.reader = new ResponseReader(this, spec.maxHeaderBytes, spec.req.method === 'HEAD')
  }

  start(): void {
    const { req, res, channel } = this.spec
    channel.on('data', this.onChannelData)
    channel.on('end', this.onChannelEnd)
    channel.on('error', this.onChannelError)
    channel.on('close', this.onChannelClose)
    res.on('close', this.onConsoleClose)
    req.on('error', this.onRequestError)
    if (this.spec.bodyless) {
      this.writeRequest(this.takeHead(null))
      this.announce()
      return
    }
    req.on('data', this.onRequestData)
    req.on('end', this.onRequestEnd)
  }

  // --- console -> device

  /** `body` prefixed by the request head when the head has not gone out yet (one write). */
  private takeHead(body: Buffer | null): Buffer {
    const head = this.pendingHead
    if (head === null) return body ?? EMPTY
    this.pendingHead = null
    return body === null ? head : Buffer.concat([head, body])
  }

  private readonly onRequestData = (chunk: Buffer): void => {
    if (this.requestStopped) return
    const framed = this.spec.chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`, 'latin1'), chunk, CRLF]) : chunk
    if (!this.writeRequest(this.takeHead(framed))) {
      this.spec.req.pause()
      this.spec.channel.once('drain', this.onChannelDrain)
    }
    this.announce()
  }

  private readonly onRequestEnd = (): void => {
    if (this.requestStopped) return
    if (this.spec.chunked) this.writeRequest(this.takeHead(LAST_CHUNK))
    else if (this.pendingHead !== null) this.writeRequest(this.takeHead(null))
    this.announce()
  }

  private announce(): void {
    if (this.announced) return
    this.announced = true
    this.spec.opened()
  }

  private readonly onChannelDrain = (): void => {
    if (!this.requestStopped) this.spec.req.resume()
  }

  private writeRequest(data: Buffer): boolean {
    const channel = this.spec.channel
    if (data.length === 0 || channel.destroyed || channel.writableEnded) return true
    this.bytesToDevice += data.length
    return channel.write(data)
  }

  /** No more request bytes go to the device; what the console still sends is read and dropped. */
  private stopRequest(): void {
    if (this.requestStopped) return
    this.requestStopped = true
    const req = this.spec.req
    req.removeListener('data', this.onRequestData)
    if (!req.complete) req.resume()
  }

  private readonly onRequestError = (): void => {
    this.stopRequest()
    this.spec.channel.destroy()
  }

  // --- device -> console

  private readonly onChannelData = (chunk: Buffer): void => {
    this.bytesToConsole += chunk.length
    const error = this.reader.push(chunk)
    if (error !== null) this.fail(error)
    else if (this.headRejected) this.fail('malformed')
  }

  head(head: ResponseHead): void {
    const res = this.spec.res
    if (res.destroyed) return
    const headers = withoutHopByHop(head.rawHeaders)
    // A response before the whole request was read leaves the console stream mid-body: close it.
    if (this.spec.closeConsole()) headers.push('Connection', 'close')
    try {
      res.writeHead(head.statusCode, head.statusMessage, headers)
    } catch {
      // The reader checks what node:http checks; should they ever differ, a 502, not a crash.
      this.headRejected = true
    }
  }

  body(data: Buffer): void {
    const res = this.spec.res
    if (res.destroyed || this.headRejected || res.write(data) || this.channelPaused) return
    this.channelPaused = true
    this.spec.channel.pause()
    res.once('drain', this.onConsoleDrain)
  }

  complete(): void {
    if (this.headRejected) return
    this.spec.res.end()
    this.stopRequest()
    const channel = this.spec.channel
    // One request per channel (Connection: close was sent): ending it sends CHANNEL_CLOSE, and
    // whatever the device still sends is read and ignored so the channel can finish.
    if (this.channelPaused) channel.resume()
    if (!channel.writableEnded) channel.end()
  }

  private readonly onConsoleDrain = (): void => {
    this.channelPaused = false
    this.spec.channel.resume()
  }

  private readonly onChannelEnd = (): void => {
    const error = this.reader.end()
    if (error !== null) this.fail(error)
  }

  private readonly onChannelError = (): void => {
    this.aborted = true
    this.fail('incomplete')
  }

  private readonly onChannelClose = (): void => {
    // Closed without a complete response (device lost, channel reset): the console learns it.
    if (!this.reader.done) this.fail('incomplete')
  }

  /** A 502 when no head went out yet, else a cut-off response (never a short one that looks whole). */
  private fail(error: ResponseReadError): void {
    if (this.failed || (this.reader.done && !this.headRejected)) return
    this.failed = true
    this.aborted = true
    this.stopRequest()
    const res = this.spec.res
    if (res.destroyed) {
      // The console is gone already: nobody to tell.
    } else if (res.headersSent) {
      // ServerResponse corks its socket until the next tick: flush what the device did send,
      // so the console sees a truncated response rather than nothing, then cut it off.
      const socket = res.socket
      while (socket !== null && socket.writableCorked > 0) socket.uncork()
      res.destroy()
    } else replyWithError(res, 502, `device ${this.spec.deviceName}: ${WHY[error]}`, { close: this.spec.closeConsole() })
    this.spec.channel.destroy()
  }

  private readonly onConsoleClose = (): void => {
    const res = this.spec.res
    this.aborted ||= !res.writableFinished
    if (this.aborted) this.spec.channel.destroy()
    this.stopRequest()
    this.announce()
    this.spec.done({ bytesToDevice: this.bytesToDevice, bytesToConsole: this.bytesToConsole, aborted: this.aborted })
  }
}

const EMPTY = Buffer.alloc(0)
