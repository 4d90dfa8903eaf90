/**
 * An HTTP CONNECT client for tests, conformance and bench: `connectViaHttpProxy` resolves with
 * a socket tunnelled to `host:port` through an HTTP proxy, or rejects with a ProxyConnectError
 * carrying the status code and the proxy's one-line reason.
 */

import net from 'node:net'
import { CiralabError, ErrorCode } from '../protocol/errors.js'

export interface HttpConnectOptions {
  readonly proxyHost: string
  readonly proxyPort: number
  readonly host: string
  readonly port: number
  /** Basic credentials for Proxy-Authorization. */
  readonly proxyAuth?: { readonly username: string; readonly password: string }
  /** Until the proxy's answer. Default 10 s. */
  readonly timeoutMs?: number
}

export class ProxyConnectError extends CiralabError {
  /** The proxy's status code, or null when it sent no valid answer. */
  readonly statusCode: number | null
  /** The start of the proxy's body (our proxy sends one line saying why). */
  readonly body: string

  constructor(code: string, message: string, statusCode: number | null, body = '') {
    super(code, message)
    this.name = 'ProxyConnectError'
    this.statusCode = statusCode
    this.body = body
  }
}

// An answer to CONNECT is a status line and a few headers; more is not a proxy we can talk to.
const MAX_HEAD_BYTES = 16 * 1024
const MAX_BODY_BYTES = 4 * 1024

function connectRequest(options: HttpConnectOptions): string {
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host
  const authority = `${host}:${options.port}`
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`]
  if (options.proxyAuth !== undefined) {
    const token = Buffer.from(`${options.proxyAuth.username}:${options.proxyAuth.password}`, 'utf8').toString('base64')
    lines.push(`Proxy-Authorization: Basic ${token}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

interface ProxyAnswer {
  readonly status: number
  readonly contentLength: number
  readonly rest: Buffer
}

function parseHead(head: string, rest: Buffer): ProxyAnswer | null {
  const match = /^HTTP\/1\.[01] ([0-9]{3})[^\r\n]*\r\n/.exec(head)
  if (match === null) return null
  const length = /\r\ncontent-length:[ \t]*([0-9]+)/i.exec(head)
  return { status: Number(match[1]), contentLength: length === null ? 0 : Number(length[1]), rest }
}

/**
 * Resolves the tunnel socket paused, with any early bytes put back: attach a reader, then
 * `resume()` (or `pipe()`), so nothing the device sent first is lost.
 */
export function connectViaHttpProxy(options: HttpConnectOptions): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: options.proxyHost, port: options.proxyPort, noDelay: true })
    let held: Buffer = Buffer.alloc(0)
    let answer: ProxyAnswer | null = null
    const settle = (error: ProxyConnectError | null): void => {
      clearTimeout(timer)
      socket.removeListener('data', onData)
      socket.removeListener('error', onError)
      socket.removeListener('end', onEnd)
      if (error === null) return resolve(socket)
      socket.destroy()
      reject(error)
    }
    const failWith = (message: string): void => settle(new ProxyConnectError(ErrorCode.CONSOLE_ERR_PROXY_RESPONSE, message, answer?.status ?? null))
    const onData = (chunk: Buffer): void => {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
      if (answer === null) {
        const end = held.indexOf('\r\n\r\n')
        if (end < 0) return held.length > MAX_HEAD_BYTES ? failWith('proxy answer head too large') : undefined
        answer = parseHead(held.toString('latin1', 0, end + 2), held.subarray(end + 4))
        if (answer === null) return failWith('proxy answered with something that is not HTTP/1.x')
        held = answer.rest
        if (answer.status >= 200 && answer.status < 300) {
          socket.pause()
          if (held.length > 0) socket.unshift(held)
          return settle(null)
        }
      }
      if (held.length >= Math.min(answer.contentLength, MAX_BODY_BYTES)) refuse(answer.status)
    }
    const refuse = (status: number): void => {
      const body = held.toString('utf8', 0, Math.min(held.length, MAX_BODY_BYTES)).trim()
      settle(new ProxyConnectError(ErrorCode.CONSOLE_ERR_PROXY_STATUS, `proxy refused CONNECT ${options.host}:${options.port}: ${body || status}`, status, body))
    }
    const onError = (error: Error): void => failWith(`proxy connection failed: ${error.message}`)
    const onEnd = (): void => (answer === null ? failWith('proxy closed the connection without answering') : refuse(answer.status))
    const timer = setTimeout(() => failWith('no answer from the proxy in time'), options.timeoutMs ?? 10_000)
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('end', onEnd)
    socket.once('connect', () => socket.write(connectRequest(options)))
  })
}
