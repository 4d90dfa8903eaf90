/**
 * The console side of port 16994: a message pump over any Duplex (a loopback socket, a
 * gateway's SOCKS5 tunnel, an APF channel) and the session opener every redirection client
 * starts with: 0x10 start, 0x11 reply, then the login in the variants real consoles use
 * (redirection-wsman.md §2.3):
 *   - digest type 4 after a query, MeshCommander-style (nc always "00000002", 32-hex cnonce)
 *     or MPS-style (nc counting from "00000001", 20-hex cnonce);
 *   - digest type 3 (RFC 2069, amtterm's fallback);
 *   - user/password type 1 (hamtsolo, which does not query first).
 *
 * Backpressure both ways: `send` resolves once the stream took the bytes (after 'drain' when
 * write() returned false), and the socket is paused while more than `maxBufferedBytes` wait
 * undecoded. Every wait ends at the connection's deadline with REDIR_ERR_TIMEOUT.
 */

import { randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { ErrorCode } from '../protocol/errors.js'
import {
  AuthStatus,
  AuthType,
  digestAnswerBody,
  digestStartBody,
  encodeRedirectionMessage,
  RedirectionSessionError,
  RedirectionStreamDecoder,
  SessionTag,
  StartStatus,
  type AuthenticateSessionReply,
  type RedirectionMessage,
  type RedirectionMessageOf,
  type RedirectionMessageType,
  type RedirectionPhase,
  type StartRedirectionSessionReply,
  type StreamStep,
} from '../protocol/redirection/index.js'

export type RedirectionKind = 'sol' | 'ider' | 'kvm'

export interface RedirectionConnectionOptions {
  /** Everything on this connection must be done within this many ms (default 30 s). */
  readonly deadlineMs?: number
  /** Pause the socket while more than this many received bytes wait to be decoded (default 256 KiB). */
  readonly maxBufferedBytes?: number
}

interface Waiter {
  readonly settle: () => boolean
  readonly reject: (error: Error) => void
}

export class RedirectionConnection {
  readonly stream: Duplex
  readonly deadline: number
  private readonly decoder = new RedirectionStreamDecoder()
  private readonly maxBuffered: number
  private waiter: Waiter | null = null
  private failure: Error | null = null
  private paused = false
  bytesIn = 0
  bytesOut = 0

  constructor(stream: Duplex, options: RedirectionConnectionOptions = {}) {
    this.stream = stream
    this.deadline = Date.now() + (options.deadlineMs ?? 30_000)
    this.maxBuffered = options.maxBufferedBytes ?? 256 * 1024
    stream.on('data', (chunk: Buffer) => this.onData(chunk))
    stream.on('end', () => this.fail(new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, 'the device ended the stream')))
    stream.on('close', () => this.fail(new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, 'the stream closed')))
    stream.on('error', (error) => this.fail(new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, `stream error: ${error.message}`, { cause: error })))

    // Streams from the proxy clients come back paused (so no early byte is lost): start reading.
    if (stream.readableFlowing === false) stream.resume()
  }

  get phase(): RedirectionPhase {
    return this.decoder.phase
  }

  /** The session sets the message set of what follows (see RedirectionStreamDecoder). */
  set phase(phase: RedirectionPhase) {
    this.decoder.phase = phase
  }

  get closed(): boolean {
    return this.failure !== null
  }

  /** The next message; raw bytes are an error here (use nextRaw in the rfb phase). */
  next(timeoutMs?: number): Promise<RedirectionMessage> {
    return this.pull(timeoutMs, (step) => {
      if (step.kind === 'message') return step.message
      throw new RedirectionSessionError(ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE, 'raw bytes where a message was expected')
    })
  }

  /** The next raw chunk in the rfb phase. */
  nextRaw(timeoutMs?: number): Promise<Buffer> {
    return this.pull(timeoutMs, (step) => {
      if (step.kind === 'raw') return step.data
      throw new RedirectionSessionError(ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE, `a ${step.kind === 'message' ? step.message.type : step.kind} where raw bytes were expected`)
    })
  }

  /** Encode and write; resolves when the stream accepted the bytes (after 'drain' if needed). */
  async send(m: RedirectionMessage | Buffer): Promise<void> {
    const bytes = Buffer.isBuffer(m) ? m : encodeRedirectionMessage(m)
    if (this.failure !== null) throw this.failure
    this.bytesOut += bytes.length
    if (this.stream.write(bytes)) return
    await this.drained()
  }

  /** Wait for 'drain', independently of a pending pull (the pump reads while others write). */
  private drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer)
        this.stream.off('drain', onDrain)
        this.stream.off('close', onClose)
      }
      const onDrain = (): void => {
        cleanup()
        resolve()
      }
      const onClose = (): void => {
        cleanup()
        reject(this.failure ?? new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, 'the stream closed'))
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(new RedirectionSessionError(ErrorCode.REDIR_ERR_TIMEOUT, 'deadline passed waiting for the stream to drain'))
        this.stream.destroy()
      }, Math.max(0, this.deadline - Date.now()))
      this.stream.on('drain', onDrain)
      this.stream.on('close', onClose)
    })
  }

  /** End our side; the device closes its side in turn. */
  close(): void {
    this.fail(new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, 'closed by the console'))
    this.stream.end()
    this.stream.destroy()
  }

  private pull<T>(timeoutMs: number | undefined, accept: (step: Exclude<StreamStep, { kind: 'need-more' }>) => T): Promise<T> {
    let result: T | undefined
    const attempt = (): boolean => {
      const step = this.decoder.next()
      if (step.kind === 'need-more') return false
      if (step.kind === 'error') throw step.error
      result = accept(step)
      this.resumeIfDrained()
      return true
    }
    return this.wait(timeoutMs, attempt).then(() => result as T)
  }

  /** Resolve when `settle` returns true (checked now and on data); reject on failure or deadline. */
  private wait(timeoutMs: number | undefined, settle: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      try {
        if (settle()) return resolve()
      } catch (error) {
        return reject(error as Error)
      }
      if (this.failure !== null) return reject(this.failure)
      if (this.waiter !== null) return reject(new Error('one wait at a time on a redirection connection'))
      const limit = Math.min(this.deadline, timeoutMs === undefined ? Infinity : Date.now() + timeoutMs)
      const timer = setTimeout(() => {
        this.waiter = null
        const error = new RedirectionSessionError(ErrorCode.REDIR_ERR_TIMEOUT, 'deadline passed waiting for the device')
        reject(error)
        if (Date.now() >= this.deadline) this.stream.destroy()
      }, Math.max(0, limit - Date.now()))
      this.waiter = {
        settle: () => {
          if (!settle()) return false
          clearTimeout(timer)
          resolve()
          return true
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
    })
  }

  private poke(): void {
    const waiter = this.waiter
    if (waiter === null) return
    try {
      if (waiter.settle()) this.waiter = null
    } catch (error) {
      this.waiter = null
      waiter.reject(error as Error)
    }
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length
    this.decoder.push(chunk)
    if (!this.paused && this.decoder.bufferedBytes > this.maxBuffered) {
      this.paused = true
      this.stream.pause()
    }
    this.poke()
  }

  private resumeIfDrained(): void {
    if (this.paused && this.decoder.bufferedBytes <= this.maxBuffered / 2) {
      this.paused = false
      this.stream.resume()
    }
  }

  private fail(error: Error): void {
    if (this.failure === null) this.failure = error
    const waiter = this.waiter
    if (waiter === null) return
    // Messages already received are still delivered before the failure.
    try {
      if (waiter.settle()) {
        this.waiter = null
        return
      }
    } catch (settleError) {
      this.waiter = null
      waiter.reject(settleError as Error)
      return
    }
    this.waiter = null
    waiter.reject(this.failure)
  }
}

export type RedirectionAuthMethod = 'digest' | 'digest-rfc2069' | 'password'
export type DigestClientVariant = 'meshcommander' | 'mps'

export interface OpenSessionOptions extends RedirectionConnectionOptions {
  readonly kind: RedirectionKind
  readonly user: string
  readonly password: string
  /** Default `digest` (type 4). */
  readonly auth?: RedirectionAuthMethod
  /** How nc and cnonce are made for digest logins; default `meshcommander`. */
  readonly variant?: DigestClientVariant
  /** Ask which auth types the device supports first (default true; hamtsolo does not). */
  readonly query?: boolean
}

export interface RedirectionSession {
  readonly connection: RedirectionConnection
  readonly kind: RedirectionKind
  readonly startReply: StartRedirectionSessionReply
  /** The device's query answer, when queried. */
  readonly authTypes: readonly number[] | null
  readonly authType: number
}

const TAGS: Readonly<Record<RedirectionKind, string>> = { sol: SessionTag.SOL, ider: SessionTag.IDER, kvm: SessionTag.KVMR }
const AUTH_TYPES: Readonly<Record<RedirectionAuthMethod, number>> = { digest: AuthType.DIGEST, 'digest-rfc2069': AuthType.DIGEST_RFC2069, password: AuthType.USER_PASSWORD }

/** Start a session of `kind` on a fresh stream to port 16994 and log in. Closes the stream on failure. */
export async function openRedirectionSession(stream: Duplex, options: OpenSessionOptions): Promise<RedirectionSession> {
  // Small request/response messages: without this, Nagle and delayed ACKs add 40 ms per IDE-R command.
  if (stream instanceof Socket) stream.setNoDelay(true)
  const connection = new RedirectionConnection(stream, options)
  try {
    return await startAndLogin(connection, options)
  } catch (error) {
    connection.close()
    throw error
  }
}

async function startAndLogin(connection: RedirectionConnection, options: OpenSessionOptions): Promise<RedirectionSession> {
  await connection.send({ type: 'START_REDIRECTION_SESSION', flag: options.kind === 'kvm' ? 1 : 0, tag: TAGS[options.kind] })
  const startReply = await expectMessage(connection, 'START_REDIRECTION_SESSION_REPLY')
  if (startReply.status !== StartStatus.SUCCESS) {
    throw new RedirectionSessionError(ErrorCode.REDIR_ERR_START_REFUSED, `the device refused the ${options.kind} session with status ${startReply.status}`, { status: startReply.status })
  }
  const authType = AUTH_TYPES[options.auth ?? 'digest']
  let authTypes: readonly number[] | null = null
  if (options.query ?? true) {
    await connection.send({ type: 'AUTHENTICATE_SESSION', authType: AuthType.QUERY, body: { kind: 'none' } })
    const reply = await expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')
    authTypes = reply.body.kind === 'types' ? reply.body.authTypes : []
    if (!authTypes.includes(authType)) {
      throw new RedirectionSessionError(ErrorCode.REDIR_ERR_AUTH_UNSUPPORTED, `the device offers auth types [${authTypes.join(', ')}], not ${authType}`)
    }
  }
  const result = authType === AuthType.USER_PASSWORD ? await loginWithPassword(connection, options) : await loginWithDigest(connection, options, authType)
  if (result.status !== AuthStatus.SUCCESS) {
    const code = result.status === AuthStatus.NOT_SUPPORTED ? ErrorCode.REDIR_ERR_AUTH_UNSUPPORTED : ErrorCode.REDIR_ERR_AUTH_FAILED
    throw new RedirectionSessionError(code, `login refused with status ${result.status}`, { status: result.status })
  }
  connection.phase = options.kind
  return { connection, kind: options.kind, startReply, authTypes, authType }
}

async function loginWithPassword(connection: RedirectionConnection, options: OpenSessionOptions): Promise<AuthenticateSessionReply> {
  await connection.send({ type: 'AUTHENTICATE_SESSION', authType: AuthType.USER_PASSWORD, body: { kind: 'password', user: options.user, password: options.password } })
  return expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')
}

async function loginWithDigest(connection: RedirectionConnection, options: OpenSessionOptions, authType: number): Promise<AuthenticateSessionReply> {
  const digestType = authType === AuthType.DIGEST ? AuthType.DIGEST : AuthType.DIGEST_RFC2069
  await connection.send({ type: 'AUTHENTICATE_SESSION', authType: digestType, body: digestStartBody(options.user, digestType) })
  const challenge = await expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')
  if (challenge.status !== AuthStatus.FAILURE || challenge.body.kind !== 'challenge') return challenge
  const mps = options.variant === 'mps'
  const body = digestAnswerBody({
    user: options.user,
    password: options.password,
    realm: challenge.body.realm,
    nonce: challenge.body.nonce,
    qop: challenge.body.qop,
    // MeshCommander, MeshCentral and amtterm always send "00000002"; the MPS interceptor counts from 1.
    nc: mps ? '00000001' : '00000002',
    // 32 hex digits (MeshCommander, amtterm) or 20 (MPS).
    cnonce: randomBytes(mps ? 10 : 16).toString('hex'),
  })
  await connection.send({ type: 'AUTHENTICATE_SESSION', authType: digestType, body })
  return expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')
}

/** The next message, which must be of `type`. */
export async function expectMessage<T extends RedirectionMessageType>(connection: RedirectionConnection, type: T, timeoutMs?: number): Promise<RedirectionMessageOf<T>> {
  const m = await connection.next(timeoutMs)
  if (!isType(m, type)) throw new RedirectionSessionError(ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE, `expected ${type}, got ${m.type}`)
  return m
}

function isType<T extends RedirectionMessageType>(m: RedirectionMessage, type: T): m is RedirectionMessageOf<T> {
  return m.type === type
}
