/**
 * WS-MAN on port 16992 over one APF channel: HTTP/1.1 requests in, AMT-shaped replies out.
 *
 * One request at a time (pipelined requests wait their turn); keep-alive unless the client
 * says close, and always closed after a 401, as AMT does. Backpressure: when the channel's
 * window is exhausted (write() returns false) the connection stops reading and answering until
 * 'drain', so input held is bounded by the request limits plus one read. No timers: expiry of
 * nonces and consent is checked against the clock when used.
 */

import type { Duplex } from 'node:stream'
import { ErrorCode } from '../../../protocol/errors.js'
import {
  buildWsmanResponse,
  DEFAULT_XML_LIMITS,
  FAULTS,
  HttpStreamParser,
  parseWsmanRequest,
  WsmanError,
  type HttpMessage,
  type WsmanRequest,
  type XmlLimits,
} from '../../../protocol/wsman/index.js'
import type { ChannelService, ServiceContext } from '../types.js'
import { authenticate, hasAuthorization } from './auth.js'
import type { ClassContext } from './classes/index.js'
import { dispatchWsman, faultResult, type DispatchResult } from './dispatch.js'
import { encodeBareError, encodeSoapReply, encodeUnauthorized } from './http-replies.js'
import { DEFAULT_WSMAN_SERVICE_OPTIONS, type WsmanServiceOptions } from './options.js'
import { WSMAN_STATE, WsmanDeviceState } from './state.js'

interface Reply {
  readonly bytes: Buffer
  /** End the connection after this reply. */
  readonly close: boolean
}

/** `/wsman` or the absolute form `http://host:16992/wsman` (what a proxy may forward). */
function requestPath(target: string): string {
  const absolute = /^https?:\/\/[^/]+(\/[^?#]*)?/i.exec(target)
  const path = absolute === null ? target : (absolute[1] ?? '/')
  const end = path.search(/[?#]/)
  return end === -1 ? path : path.slice(0, end)
}

class WsmanConnection {
  private readonly parser: HttpStreamParser
  private readonly state: WsmanDeviceState
  private readonly classContext: ClassContext
  private readonly xmlLimits: XmlLimits
  private waitingDrain = false
  private finished = false
  private peerEnded = false

  private readonly onData = (chunk: Buffer): void => {
    if (this.finished) return
    this.parser.push(chunk)
    this.pump()
  }
  private readonly onDrain = (): void => {
    this.waitingDrain = false
    if (this.finished) return
    this.stream.resume()
    this.pump()
    if (this.peerEnded && !this.waitingDrain) this.finish()
  }
  private readonly onEnd = (): void => {
    this.peerEnded = true
    this.pump()
    if (!this.waitingDrain) this.finish()
  }
  private readonly onClose = (): void => this.detach()
  // Errors end the channel; 'close' follows and detaches. Kept so an error is never unhandled.
  private readonly onError = (): void => undefined

  constructor(
    private readonly stream: Duplex,
    private readonly ctx: ServiceContext,
    private readonly options: WsmanServiceOptions,
  ) {
    this.parser = new HttpStreamParser('request', { maxHeaderBytes: options.maxHeaderBytes, maxHeaders: 64, maxBodyBytes: options.maxBodyBytes })
    this.state = ctx.host.serviceState(WSMAN_STATE, () => new WsmanDeviceState(ctx.host.identity, options))
    this.classContext = { host: ctx.host, identity: ctx.host.identity, state: this.state }
    this.xmlLimits = { ...DEFAULT_XML_LIMITS, maxBytes: options.maxBodyBytes, maxElements: 4096 }
  }

  start(): void {
    this.stream.on('data', this.onData)
    this.stream.on('drain', this.onDrain)
    this.stream.on('end', this.onEnd)
    this.stream.on('close', this.onClose)
    this.stream.on('error', this.onError)
  }

  private detach(): void {
    this.finished = true
    this.stream.off('data', this.onData)
    this.stream.off('drain', this.onDrain)
    this.stream.off('end', this.onEnd)
    this.stream.off('close', this.onClose)
  }

  private pump(): void {
    while (!this.finished && !this.waitingDrain) {
      let message: HttpMessage | null
      try {
        message = this.parser.next()
      } catch (error) {
        if (!(error instanceof WsmanError)) throw error
        this.send({ bytes: encodeBareError(error.httpStatus, this.ctx.host.identity, true), close: true })
        return
      }
      if (message === null) return
      this.ctx.counters.wsmanRequests += 1
      this.send(this.reply(message))
    }
  }

  private send(reply: Reply): void {
    if (!this.stream.write(reply.bytes)) {
      this.waitingDrain = true
      this.stream.pause()
    }
    if (reply.close) this.finish()
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.stream.end()
  }

  private reply(message: HttpMessage): Reply {
    const identity = this.ctx.host.identity
    const keepAlive = message.keepAlive
    if (requestPath(message.target) !== '/wsman') return { bytes: encodeBareError(404, identity, !keepAlive), close: !keepAlive }
    if (message.method !== 'POST') return { bytes: encodeBareError(405, identity, !keepAlive), close: !keepAlive }
    let request: WsmanRequest | WsmanError
    try {
      request = parseWsmanRequest(message.body, this.xmlLimits)
    } catch (error) {
      if (!(error instanceof WsmanError)) throw error
      request = error
    }
    const anonymousIdentify = !(request instanceof WsmanError) && request.kind === 'identify' && this.options.identifyWithoutAuth && !hasAuthorization(message)
    if (!anonymousIdentify) {
      const auth = authenticate(message, this.ctx, this.state)
      if (auth.kind === 'challenge') {
        if (auth.failure) this.ctx.counters.wsmanAuthFailures += 1
        const nonce = this.state.nonces.issue(this.ctx.now())
        return { bytes: encodeUnauthorized(identity, nonce, auth.stale), close: true }
      }
    }
    const result = request instanceof WsmanError ? this.malformedEnvelope(request) : dispatchWsman(request, this.classContext)
    if (result.status === 400) this.ctx.counters.wsmanFaults += 1
    const bytes = encodeSoapReply(result.status, buildWsmanResponse(result.response), identity, this.ctx.now(), this.options.chunkSize)
    return { bytes, close: !keepAlive }
  }

  /** An envelope that is not usable WS-MAN: a fault, as there is no MessageID to relate to. */
  private malformedEnvelope(error: WsmanError): DispatchResult {
    const fault = error.code === ErrorCode.WSMAN_ERR_MISSING_HEADER ? FAULTS.messageInformationHeaderRequired : FAULTS.schemaValidationError
    return faultResult(this.classContext, '', { ...fault, detail: error.code })
  }
}

/** A WS-MAN service with its own limits (tests use small ones). */
export function createWsmanService(options: Partial<WsmanServiceOptions> = {}): ChannelService {
  const resolved: WsmanServiceOptions = Object.freeze({ ...DEFAULT_WSMAN_SERVICE_OPTIONS, ...options })
  return (stream, ctx) => new WsmanConnection(stream, ctx, resolved).start()
}

/** The service the device maps to port 16992. */
export const serveWsman: ChannelService = createWsmanService()
