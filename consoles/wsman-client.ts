/**
 * A WS-MAN console for tests, conformance and bench. It reaches a device's port 16992 either
 * over a byte stream it is given a way to open (a direct channel, a CONNECT tunnel or a SOCKS5
 * socket through a gateway) or through an HTTP proxy (undici ProxyAgent, absolute-form
 * `http://<uuid-or-fqdn>:16992/wsman`), does the Digest round trip the way the chosen console
 * does (MeshCommander, MPS or the go client, redirection-wsman.md §4.2), and returns parsed
 * envelopes with the time each call took.
 *
 * One request at a time, as MeshCommander and MPS do on a socket; calls queue (bounded).
 * After a 401 or a `Connection: close` the stream is dropped and the next call opens another,
 * reusing the nonce with an incremented nc, as MPS does across APF channels.
 */

import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Duplex } from 'node:stream'
import { ProxyAgent, request as undiciRequest } from 'undici'
import {
  buildDigestAuthorization,
  CNONCE_RANDOM_BYTES,
  computeDigestResponse,
  formatClientNonce,
  formatNonceCount,
  md5HexOfBytes,
  parseDigestChallenge,
  type DigestChallenge,
  type DigestClientStyle,
} from '../protocol/digest/index.js'
import { ErrorCode } from '../protocol/errors.js'
import {
  buildWsmanRequest,
  encodeHttpRequest,
  headerValue,
  HttpStreamParser,
  makeProperties,
  parseWsmanResponse,
  toResourceUri,
  WsmanError,
  type HttpHeaders,
  type HttpMessage,
  type Properties,
  type PropertyValue,
  type Selector,
  type WsmanInstance,
  type WsmanRequest,
  type WsmanResponse,
} from '../protocol/wsman/index.js'

export type WsmanTransport =
  /** `host` is the Host header, e.g. `<uuid>:16992` (MPS) or `dev-000001.fleet.test:16992`. */
  | { readonly kind: 'stream'; readonly connect: () => Duplex | Promise<Duplex>; readonly host: string }
  /** `target` is the absolute URL the proxy is asked for: `http://<uuid-or-fqdn>:16992/wsman`. */
  | { readonly kind: 'proxy'; readonly proxyUrl: string; readonly target: string }

export interface WsmanClientOptions {
  readonly transport: WsmanTransport
  readonly username: string
  readonly password: string
  /** Whose Authorization layout and cnonce to imitate. Default meshcommander. */
  readonly style?: DigestClientStyle
  /** Per HTTP exchange. Default 30 s. */
  readonly timeoutMs?: number
  readonly maxResponseBytes?: number
  /** HTTP attempts per call, 401 retries included (MPS: 3). */
  readonly maxAttempts?: number
  /** Called with each call's latency (all its attempts), for benchmarks. */
  readonly onLatency?: (ms: number, kind: WsmanRequest['kind'] | 'raw') => void
}

export interface WsmanExchange {
  readonly status: number
  readonly headers: HttpHeaders
  readonly body: Buffer
  /** The parsed envelope; null when the reply is not SOAP (401 page, bare errors). */
  readonly response: WsmanResponse | null
  readonly latencyMs: number
  readonly attempts: number
}

const MAX_QUEUED = 1024
const MAX_PULLS = 1000

function clientError(code: 'WSMAN_ERR_CLIENT_TIMEOUT' | 'WSMAN_ERR_CLIENT_CLOSED' | 'WSMAN_ERR_CLIENT_BUSY', message: string): WsmanError {
  return new WsmanError(ErrorCode[code], message)
}

/** One HTTP connection over a stream: write a request, read one response. */
class StreamConnection {
  private readonly parser: HttpStreamParser
  private pending: { resolve: (m: HttpMessage) => void; reject: (e: Error) => void } | null = null
  closed = false

  constructor(
    private readonly socket: Duplex,
    maxBodyBytes: number,
  ) {
    this.parser = new HttpStreamParser('response', { maxBodyBytes })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () => this.onEnd())
    socket.on('close', () => this.onEnd())
    socket.on('error', (error: Error) => this.fail(error))

    // Streams from the proxy clients come back paused (so no early byte is lost): start reading.
    if (socket.readableFlowing === false) socket.resume()
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk)
    try {
      const message = this.parser.next()
      if (message !== null) this.settle(message)
    } catch (error) {
      this.fail(error as Error)
    }
  }

  private onEnd(): void {
    if (this.closed) return
    this.closed = true
    try {
      const message = this.parser.end()
      if (message !== null) return this.settle(message)
    } catch (error) {
      return this.fail(error as Error)
    }
    this.fail(clientError('WSMAN_ERR_CLIENT_CLOSED', 'the device closed the connection before answering'))
  }

  private settle(message: HttpMessage): void {
    const pending = this.pending
    this.pending = null
    pending?.resolve(message)
  }

  private fail(error: Error): void {
    this.closed = true
    const pending = this.pending
    this.pending = null
    pending?.reject(error)
    this.socket.destroy()
  }

  exchange(bytes: Buffer, timeoutMs: number): Promise<HttpMessage> {
    return new Promise<HttpMessage>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(clientError('WSMAN_ERR_CLIENT_TIMEOUT', `no answer within ${timeoutMs} ms`)), timeoutMs)
      this.pending = {
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      this.socket.write(bytes)
    })
  }

  close(): void {
    this.closed = true
    this.socket.end()
    this.socket.destroy()
  }
}

export class WsmanClient {
  readonly style: DigestClientStyle
  private readonly timeoutMs: number
  private readonly maxResponseBytes: number
  private readonly maxAttempts: number
  private challenge: DigestChallenge | null = null
  private nonceCount = 0
  private readonly fixedCnonce: string
  private messageCounter = 0
  private connection: StreamConnection | null = null
  private proxy: ProxyAgent | null = null
  private chain: Promise<unknown> = Promise.resolve()
  private queued = 0
  /** HTTP exchanges made, and how many were answered 401. */
  readonly stats = { exchanges: 0, unauthorized: 0, connections: 0 }

  constructor(private readonly options: WsmanClientOptions) {
    this.style = options.style ?? 'meshcommander'
    this.timeoutMs = options.timeoutMs ?? 30_000
    this.maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024
    this.maxAttempts = options.maxAttempts ?? 3
    // MeshCommander keeps one cnonce per connection object; the others make one per request.
    this.fixedCnonce = formatClientNonce(this.style, randomBytes(CNONCE_RANDOM_BYTES))
  }

  identify(): Promise<WsmanExchange> {
    return this.send({ kind: 'identify' })
  }

  get(resource: string, selectors: readonly Selector[] = []): Promise<WsmanExchange> {
    return this.send({ kind: 'get', ...this.common(resource, selectors) })
  }

  put(resource: string, properties: Properties | Readonly<Record<string, PropertyValue>>, selectors: readonly Selector[] = []): Promise<WsmanExchange> {
    return this.send({ kind: 'put', ...this.common(resource, selectors), properties: toProperties(properties) })
  }

  enumerate(resource: string): Promise<WsmanExchange> {
    return this.send({ kind: 'enumerate', ...this.common(resource, []) })
  }

  pull(resource: string, context: string, maxElements: number | null = 999): Promise<WsmanExchange> {
    return this.send({ kind: 'pull', ...this.common(resource, []), context, maxElements, maxCharacters: maxElements === null ? null : 99999 })
  }

  invoke(resource: string, method: string, input: Properties | Readonly<Record<string, PropertyValue>> = {}, selectors: readonly Selector[] = []): Promise<WsmanExchange> {
    return this.send({ kind: 'invoke', ...this.common(resource, selectors), method, input: toProperties(input) })
  }

  delete(resource: string, selectors: readonly Selector[]): Promise<WsmanExchange> {
    return this.send({ kind: 'delete', ...this.common(resource, selectors) })
  }

  /** Enumerate, then Pull until the device stops returning a context (MeshCommander's loop). */
  async enumerateAll(resource: string, maxElements: number | null = 999): Promise<{ readonly items: WsmanInstance[]; readonly exchanges: WsmanExchange[] }> {
    const first = await this.enumerate(resource)
    const exchanges = [first]
    const items: WsmanInstance[] = []
    let context = first.response?.kind === 'enumerate' ? first.response.context : null
    for (let i = 0; context !== null && i < MAX_PULLS; i++) {
      const page = await this.pull(resource, context, maxElements)
      exchanges.push(page)
      if (page.response?.kind !== 'pull') break
      items.push(...page.response.items)
      context = page.response.context
    }
    return { items, exchanges }
  }

  /** Any request, built by the codec. */
  send(request: WsmanRequest): Promise<WsmanExchange> {
    return this.enqueue(() => this.exchange(Buffer.from(buildWsmanRequest(request), 'utf8'), request.kind))
  }

  /** A body as given (malformed envelopes for robustness cases), with the same Digest handling. */
  sendRaw(body: Buffer | string): Promise<WsmanExchange> {
    return this.enqueue(() => this.exchange(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), 'raw'))
  }

  async close(): Promise<void> {
    this.connection?.close()
    this.connection = null
    const proxy = this.proxy
    this.proxy = null
    if (proxy !== null) await proxy.close()
  }

  private common(resource: string, selectors: readonly Selector[]) {
    this.messageCounter += 1
    return { resourceUri: toResourceUri(resource), messageId: String(this.messageCounter), selectors, operationTimeout: 'PT60S' }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.queued >= MAX_QUEUED) return Promise.reject(clientError('WSMAN_ERR_CLIENT_BUSY', `more than ${MAX_QUEUED} calls queued`))
    this.queued += 1
    const run = this.chain.then(work).finally(() => {
      this.queued -= 1
    })
    this.chain = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  private async exchange(body: Buffer, kind: WsmanRequest['kind'] | 'raw'): Promise<WsmanExchange> {
    const started = performance.now()
    let attempts = 0
    for (;;) {
      attempts += 1
      const sentAuthorization = this.challenge !== null
      const message = await this.roundTrip(body)
      if (message.status === 401) this.stats.unauthorized += 1
      const challengeHeader = message.status === 401 ? headerValue(message.headers, 'www-authenticate') : undefined
      const challenge = challengeHeader === undefined ? null : tryParseChallenge(challengeHeader)
      // Retry with fresh credentials only when the first try had none or the nonce went stale:
      // a wrong password answered again would only lock the account (AMT counts failures).
      if (challenge !== null && attempts < this.maxAttempts && (!sentAuthorization || challenge.stale)) {
        this.challenge = challenge
        continue
      }
      const latencyMs = performance.now() - started
      this.options.onLatency?.(latencyMs, kind)
      const isSoap = (headerValue(message.headers, 'content-type') ?? '').includes('soap+xml') && message.body.length > 0
      return { status: message.status, headers: message.headers, body: message.body, response: isSoap ? parseWsmanResponse(message.body) : null, latencyMs, attempts }
    }
  }

  private authorization(method: string, uri: string, body: Buffer): string | null {
    const c = this.challenge
    if (c === null) return null
    this.nonceCount += 1
    const qop = c.qop.includes('auth') ? 'auth' : c.qop.includes('auth-int') ? 'auth-int' : null
    const cnonce = this.style === 'meshcommander' ? this.fixedCnonce : formatClientNonce(this.style, randomBytes(CNONCE_RANDOM_BYTES))
    const nc = formatNonceCount(this.nonceCount)
    const base = { username: this.options.username, realm: c.realm, nonce: c.nonce, uri }
    const response = computeDigestResponse({
      ...base,
      password: this.options.password,
      method,
      ...(qop === null ? {} : { qop, nc, cnonce }),
      bodyMd5: qop === 'auth-int' ? md5HexOfBytes(body) : undefined,
    })
    const auth = { ...base, response, qop, nc: qop === null ? null : nc, cnonce: qop === null ? null : cnonce, opaque: c.opaque, algorithm: null }
    return buildDigestAuthorization(auth, this.style)
  }

  /** Request headers in the order the imitated console sends them (Host and length added per transport). */
  private requestHeaders(body: Buffer, host: string | null): [string, string][] {
    const authorization = this.authorization('POST', '/wsman', body)
    const auth: [string, string][] = authorization === null ? [] : [['Authorization', authorization]]
    const hostHeader: [string, string][] = host === null ? [] : [['Host', host]]
    const length: [string, string][] = host === null ? [] : [['Content-Length', String(body.length)]]
    if (this.style === 'go') {
      return [...hostHeader, ['User-Agent', 'Go-http-client/1.1'], ...length, ...auth, ['Content-Type', 'application/soap+xml; charset=utf-8']]
    }
    if (this.style === 'rfc2617') return [...hostHeader, ...auth, ['Content-Type', 'application/soap+xml; charset=utf-8'], ...length]
    return [...auth, ...hostHeader, ...length]
  }

  private roundTrip(body: Buffer): Promise<HttpMessage> {
    this.stats.exchanges += 1
    return this.options.transport.kind === 'stream' ? this.streamRoundTrip(body, this.options.transport) : this.proxyRoundTrip(body, this.options.transport)
  }

  private async streamRoundTrip(body: Buffer, transport: Extract<WsmanTransport, { kind: 'stream' }>): Promise<HttpMessage> {
    if (this.connection === null || this.connection.closed) {
      this.connection = new StreamConnection(await transport.connect(), this.maxResponseBytes)
      this.stats.connections += 1
    }
    const connection = this.connection
    const message = await connection.exchange(encodeHttpRequest('POST', '/wsman', this.requestHeaders(body, transport.host), body), this.timeoutMs)
    if (!message.keepAlive) {
      connection.close()
      if (this.connection === connection) this.connection = null
    }
    return message
  }

  private async proxyRoundTrip(body: Buffer, transport: Extract<WsmanTransport, { kind: 'proxy' }>): Promise<HttpMessage> {
    this.proxy ??= new ProxyAgent({ uri: transport.proxyUrl, proxyTunnel: false })
    const res = await undiciRequest(transport.target, {
      method: 'POST',
      dispatcher: this.proxy,
      headers: Object.fromEntries(this.requestHeaders(body, null)),
      body,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    })
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > this.maxResponseBytes) {
        res.body.destroy()
        throw new WsmanError(ErrorCode.WSMAN_ERR_HTTP_BODY_TOO_LARGE, `response exceeds ${this.maxResponseBytes} bytes`)
      }
      chunks.push(chunk)
    }
    const headers: [string, string][] = []
    for (const [name, value] of Object.entries(res.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.push([name, v])
    }
    const connection = (headerValue(headers, 'connection') ?? '').toLowerCase()
    return { kind: 'response', method: '', target: '', status: res.statusCode, reason: '', version: 'HTTP/1.1', headers, body: Buffer.concat(chunks), keepAlive: connection !== 'close', chunkSizes: null }
  }
}

function toProperties(value: Properties | Readonly<Record<string, PropertyValue>>): Properties {
  return makeProperties(Object.entries(value))
}

function tryParseChallenge(header: string): DigestChallenge | null {
  try {
    return parseDigestChallenge(header)
  } catch {
    return null
  }
}
