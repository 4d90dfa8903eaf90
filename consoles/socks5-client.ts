/**
 * A SOCKS5 client for tests, conformance and bench: `connectViaSocks` resolves with a socket
 * tunnelled to `host:port` through a SOCKS5 proxy, or rejects with a SocksConnectError carrying
 * the proxy's reply code. Names go to the proxy unresolved (remote DNS, ATYP 3); IP literals
 * go as ATYP 1 or 4. Uses the one SOCKS5 codec (protocol/socks5).
 */

import net from 'node:net'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import {
  AuthMethod,
  Command,
  decodeSocks5Message,
  encodeSocks5Message,
  nameReplyCode,
  parseIpv4,
  parseIpv6,
  ReplyCode,
  UserPassStatus,
  type Socks5ServerMessage,
  type SocksAddress,
} from '../protocol/socks5/index.js'

export interface SocksConnectOptions {
  readonly proxyHost: string
  readonly proxyPort: number
  /** Device name (FQDN or UUID) or an IP literal. */
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
  /** For the whole handshake. Default 10 s. */
  readonly timeoutMs?: number
}

type SocksClientErrorCode =
  | typeof ErrorCode.SOCKS_ERR_NO_ACCEPTABLE_METHOD
  | typeof ErrorCode.SOCKS_ERR_AUTH_FAILED
  | typeof ErrorCode.SOCKS_ERR_REJECTED
  | typeof ErrorCode.SOCKS_ERR_CLOSED
  | string

export class SocksConnectError extends CiralabError {
  /** REP of the proxy's reply (0x01–0xFF), or null when it failed before a reply. */
  readonly replyCode: number | null

  constructor(code: SocksClientErrorCode, message: string, replyCode: number | null = null, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'SocksConnectError'
    this.replyCode = replyCode
  }
}

function addressFor(host: string): SocksAddress {
  if (parseIpv4(host) !== null) return { type: 'ipv4', host }
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (parseIpv6(bare) !== null) return { type: 'ipv6', host: bare }
  return { type: 'domain', host }
}

/** Reads the server's messages one at a time from a socket. */
class ServerReader {
  private held: Buffer = Buffer.alloc(0)
  private waiting: (() => void) | null = null
  private ended = false

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData)
    socket.on('end', this.onEnd)
  }

  private readonly onData = (chunk: Buffer): void => {
    this.held = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk])
    this.waiting?.()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.waiting?.()
  }

  async next<T extends Socks5ServerMessage['type']>(type: T): Promise<Extract<Socks5ServerMessage, { type: T }>> {
    for (;;) {
      const r = decodeSocks5Message(type, this.held)
      if (r.kind === 'error') throw new SocksConnectError(r.error.code, `proxy sent a malformed ${type}: ${r.error.message}`, null, { cause: r.error })
      if (r.kind === 'message') {
        this.held = this.held.subarray(r.length)
        return r.message as Extract<Socks5ServerMessage, { type: T }>
      }
      if (this.ended) throw new SocksConnectError(ErrorCode.SOCKS_ERR_CLOSED, `proxy closed the connection before its ${type}`)
      await new Promise<void>((resolve) => (this.waiting = resolve))
      this.waiting = null
    }
  }

  /** Stop reading; give back bytes that came after the last message (early tunnel data). */
  detach(): void {
    this.socket.removeListener('data', this.onData)
    this.socket.removeListener('end', this.onEnd)
    this.socket.pause()
    if (this.held.length > 0) this.socket.unshift(this.held)
  }
}

async function handshake(socket: net.Socket, options: SocksConnectOptions): Promise<void> {
  const reader = new ServerReader(socket)
  const withCredentials = options.username !== undefined
  const methods = withCredentials ? [AuthMethod.NO_AUTHENTICATION, AuthMethod.USERNAME_PASSWORD] : [AuthMethod.NO_AUTHENTICATION]
  socket.write(encodeSocks5Message({ type: 'greeting', methods }))
  const selection = await reader.next('method-selection')
  if (selection.method === AuthMethod.USERNAME_PASSWORD && withCredentials) {
    const username = Buffer.from(options.username ?? '', 'utf8')
    const password = Buffer.from(options.password ?? '', 'utf8')
    socket.write(encodeSocks5Message({ type: 'userpass-request', username, password }))
    const status = await reader.next('userpass-response')
    if (status.status !== UserPassStatus.SUCCESS) throw new SocksConnectError(ErrorCode.SOCKS_ERR_AUTH_FAILED, 'proxy refused the username/password')
  } else if (selection.method !== AuthMethod.NO_AUTHENTICATION) {
    throw new SocksConnectError(ErrorCode.SOCKS_ERR_NO_ACCEPTABLE_METHOD, `proxy selected method ${selection.method}, not one we offered`)
  }
  socket.write(encodeSocks5Message({ type: 'request', command: Command.CONNECT, address: addressFor(options.host), port: options.port }))
  const reply = await reader.next('reply')
  if (reply.reply !== ReplyCode.SUCCEEDED) {
    throw new SocksConnectError(ErrorCode.SOCKS_ERR_REJECTED, `proxy refused ${options.host}:${options.port}: ${nameReplyCode(reply.reply)}`, reply.reply)
  }
  reader.detach()
}

/**
 * Resolves the tunnel socket paused, with any early bytes put back: attach a reader, then
 * `resume()` (or `pipe()`), so nothing the device sent first is lost.
 */
export function connectViaSocks(options: SocksConnectOptions): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: options.proxyHost, port: options.proxyPort, noDelay: true })
    const fail = (error: unknown): void => {
      clearTimeout(timer)
      socket.destroy()
      reject(error instanceof SocksConnectError ? error : new SocksConnectError(ErrorCode.SOCKS_ERR_CLOSED, `SOCKS5 proxy connection failed: ${String(error)}`, null, { cause: error }))
    }
    const timer = setTimeout(() => fail(new SocksConnectError(ErrorCode.SOCKS_ERR_CLOSED, 'SOCKS5 handshake timed out')), options.timeoutMs ?? 10_000)
    socket.once('error', fail)
    socket.once('connect', () => {
      handshake(socket, options).then(() => {
        clearTimeout(timer)
        socket.removeListener('error', fail)
        resolve(socket)
      }, fail)
    })
  })
}
