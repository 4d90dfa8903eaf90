/**
 * The probe device: an instrumented stand-in for AMT firmware that the device-side cases drive
 * message by message. It connects over TLS (checking the name and root as firmware does) or
 * plain TCP, writes APF whole, split at every byte, coalesced, or as raw bytes, and records a
 * transcript of both directions with exact bytes.
 *
 * Received bytes are framed with the one codec's `decodeApfMessage` (not the stream decoder)
 * so each message keeps the exact bytes the gateway sent: the USERAUTH_FAILURE form (14 or 15
 * bytes) is itself something cases check.
 *
 * Firmware behaviour that cases do not test is automatic, and recorded: a gateway KEEPALIVE
 * request or KEEPALIVE_OPTIONS_REQUEST is answered, and a CHANNEL_OPEN is refused unless the
 * case asked to handle channels itself.
 */

import { connect as connectTcp, isIP, type Socket } from 'node:net'
import { checkServerIdentity, connect as connectTls, type PeerCertificate, type TLSSocket } from 'node:tls'
import {
  ChannelOpenFailureReason,
  decodeApfMessage,
  encodeApfMessage,
  MessageType as M,
  nameMessageType,
  type ApfMessage,
  type MessageOf,
} from '../../protocol/apf/index.js'
import type { Transcript } from '../evidence.js'
import { Violation } from '../model.js'
import type { DeviceEndpoint } from '../target.js'

export interface Received {
  readonly message: ApfMessage
  readonly bytes: Buffer
  /** performance.now() on arrival. */
  readonly at: number
}

export interface CloseInfo {
  readonly at: number
  /** The socket error, if the connection ended with one. */
  readonly error: string | null
  /** Reason of a DISCONNECT the gateway sent before closing, if any. */
  readonly disconnectReason: number | null
}

export interface TlsCheck {
  /** Root to trust instead of the target's (a firmware given a different root). */
  readonly caPem?: string
  /** Name to check instead of the target's. */
  readonly serverName?: string
  readonly ciphers?: string
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3'
}

export interface ProbeOptions {
  /** Answer CHANNEL_OPEN with CHANNEL_OPEN_FAILURE (default) or queue it for the case. */
  readonly channels?: 'refuse' | 'queue'
  readonly tls?: TlsCheck
  readonly connectTimeoutMs?: number
}

/** Messages and bytes held for the case; a gateway that floods past this fails the case, not the suite. */
const INBOX_LIMIT = 100_000
const INBOX_BYTES = 64 * 1024 * 1024
/** A 1-byte REQUEST_SUCCESS or 14-byte USERAUTH_FAILURE is delivered after this much quiet. */
const AMBIGUOUS_QUIET_MS = 40

export class ProbeDevice {
  readonly transcript: Transcript
  readonly keepaliveOptions: Array<MessageOf<typeof M.KEEPALIVE_OPTIONS_REQUEST>> = []
  readonly refusedChannels: Array<MessageOf<typeof M.CHANNEL_OPEN>> = []
  private readonly socket: Socket | TLSSocket
  private readonly channelPolicy: 'refuse' | 'queue'
  private pending: Buffer = Buffer.alloc(0)
  private readonly inbox: Received[] = []
  private inboxBytes = 0
  private waiter: (() => void) | null = null
  private ambiguousTimer: NodeJS.Timeout | null = null
  private closeInfo: CloseInfo | null = null
  private lastDisconnect: number | null = null
  private decodeError: string | null = null

  private constructor(socket: Socket | TLSSocket, transcript: Transcript, options: ProbeOptions) {
    this.socket = socket
    this.transcript = transcript
    this.channelPolicy = options.channels ?? 'refuse'
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => this.onClose(error.code ?? error.message))
    socket.on('close', () => this.onClose(null))
  }

  /** Connect to the target's device endpoint; rejects with the TLS or socket error. */
  static connect(endpoint: DeviceEndpoint, transcript: Transcript, options: ProbeOptions = {}): Promise<ProbeDevice> {
    const timeoutMs = options.connectTimeoutMs ?? 5000
    return new Promise((resolveConnect, rejectConnect) => {
      const socket = endpoint.tls ? openTls(endpoint, options.tls ?? {}) : connectTcp({ host: endpoint.host, port: endpoint.port })
      const timer = setTimeout(() => fail(new Error(`no ${endpoint.tls ? 'TLS handshake' : 'connection'} within ${timeoutMs} ms`)), timeoutMs)
      const fail = (error: Error) => {
        clearTimeout(timer)
        socket.destroy()
        transcript.event(`connect failed: ${describeError(error)}`)
        rejectConnect(error)
      }
      socket.once('error', fail)
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.removeListener('error', fail)
        socket.setNoDelay(true)
        transcript.event(`connected to ${endpoint.host}:${endpoint.port}${endpoint.tls ? ` (${describeTls(socket as TLSSocket)})` : ' (plain TCP)'}`)
        resolveConnect(new ProbeDevice(socket, transcript, options))
      })
    })
  }

  get closed(): CloseInfo | null {
    return this.closeInfo
  }

  get tlsSocket(): TLSSocket | null {
    return 'getPeerCertificate' in this.socket ? this.socket : null
  }

  /** Send one message in a single write. */
  async send(message: ApfMessage): Promise<void> {
    const bytes = encodeApfMessage(message)
    this.transcript.sent(message, bytes)
    await this.write(bytes)
  }

  /** Send messages coalesced into one write (one TLS record when it fits). */
  async sendCoalesced(messages: readonly ApfMessage[]): Promise<void> {
    const parts = messages.map((m) => encodeApfMessage(m))
    messages.forEach((m, i) => this.transcript.sent(m, parts[i] as Buffer, i === 0 ? `coalesced: ${messages.length} messages in one write` : 'coalesced'))
    await this.write(Buffer.concat(parts))
  }

  /** Send a message split into writes of `chunk` bytes, pausing between them so each is its own record. */
  async sendSplit(message: ApfMessage, chunk = 1, pauseMs = 1): Promise<void> {
    const bytes = encodeApfMessage(message)
    this.transcript.sent(message, bytes, `split into ${Math.ceil(bytes.length / chunk)} writes of ${chunk} byte(s)`)
    await this.writeSplit(bytes, chunk, pauseMs)
  }

  /** Bytes that are not (one) well-formed message. */
  async sendRaw(label: string, bytes: Buffer): Promise<void> {
    this.transcript.sentRaw(label, bytes)
    await this.write(bytes)
  }

  async writeSplit(bytes: Buffer, chunk: number, pauseMs: number): Promise<void> {
    for (let off = 0; off < bytes.length; off += chunk) {
      await this.write(bytes.subarray(off, off + chunk))
      if (pauseMs > 0) await sleep(pauseMs)
    }
  }

  /** Write and wait for the socket to take it (backpressure reaches the caller). */
  write(bytes: Buffer): Promise<void> {
    if (this.closeInfo !== null || this.socket.destroyed) return Promise.resolve()
    return new Promise((resolveWrite) => {
      const ok = this.socket.write(bytes, () => resolveWrite())
      if (!ok) this.socket.once('drain', () => resolveWrite())
    })
  }

  /** The next message, or null when none arrived in time or the connection closed. */
  async next(timeoutMs: number): Promise<Received | null> {
    const deadline = performance.now() + timeoutMs
    while (this.inbox.length === 0) {
      if (this.closeInfo !== null) return null
      const left = deadline - performance.now()
      if (left <= 0) return null
      await this.waitForActivity(left)
    }
    const r = this.inbox.shift() ?? null
    if (r !== null) this.inboxBytes -= r.bytes.length
    return r
  }

  /** The next message must be of `type`; otherwise the case fails with expected versus actual. */
  async expect<K extends ApfMessage['type']>(type: K, timeoutMs: number, why: string): Promise<MessageOf<K> & { readonly wire: Buffer }> {
    const got = await this.next(timeoutMs)
    if (got === null) throw new Violation(`${nameMessageType(type)} ${why}`, this.describeSilence(timeoutMs))
    if (got.message.type !== type) throw new Violation(`${nameMessageType(type)} ${why}`, `${nameMessageType(got.message.type)} (${got.bytes.toString('hex').slice(0, 64)})`)
    return { ...(got.message as MessageOf<K>), wire: got.bytes }
  }

  /** Everything that arrives within `ms` (stops early if the connection closes). */
  async collect(ms: number): Promise<Received[]> {
    const out: Received[] = []
    const deadline = performance.now() + ms
    for (;;) {
      const r = await this.next(Math.max(0, deadline - performance.now()))
      if (r === null) return out
      out.push(r)
    }
  }

  /** Wait until the gateway closes the connection; null if it is still open after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<CloseInfo | null> {
    const deadline = performance.now() + timeoutMs
    while (this.closeInfo === null) {
      const left = deadline - performance.now()
      if (left <= 0) return null
      await this.waitForActivity(left)
      this.inbox.length = 0
      this.inboxBytes = 0
    }
    return this.closeInfo
  }

  /** A keepalive round trip: true when the gateway echoed the cookie in time. */
  async isResponsive(cookie: number, timeoutMs: number): Promise<boolean> {
    if (this.closeInfo !== null) return false
    await this.send({ type: M.KEEPALIVE_REQUEST, cookie })
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const r = await this.next(Math.max(0, deadline - performance.now()))
      if (r === null) return false
      if (r.message.type === M.KEEPALIVE_REPLY && r.message.cookie === cookie) return true
    }
  }

  /** Text for "nothing came": silence, a close, or bytes that were not APF. */
  describeSilence(timeoutMs: number): string {
    if (this.decodeError !== null) return `bytes that are not APF (${this.decodeError})`
    if (this.closeInfo !== null) {
      const reason = this.closeInfo.disconnectReason === null ? '' : ` after DISCONNECT reason ${this.closeInfo.disconnectReason}`
      return `the connection closed${reason}${this.closeInfo.error === null ? '' : ` (${this.closeInfo.error})`}`
    }
    return `nothing within ${timeoutMs} ms`
  }

  close(): Promise<void> {
    if (this.ambiguousTimer !== null) clearTimeout(this.ambiguousTimer)
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise((resolveClose) => {
      this.socket.once('close', () => resolveClose())
      this.socket.destroy()
    })
  }

  private waitForActivity(ms: number): Promise<void> {
    return new Promise((resolveWait) => {
      const timer = setTimeout(() => {
        this.waiter = null
        resolveWait()
      }, ms)
      this.waiter = () => {
        clearTimeout(timer)
        this.waiter = null
        resolveWait()
      }
    })
  }

  private wake(): void {
    this.waiter?.()
  }

  private onData(chunk: Buffer): void {
    if (this.ambiguousTimer !== null) {
      clearTimeout(this.ambiguousTimer)
      this.ambiguousTimer = null
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    this.frame(false)
    this.wake()
  }

  /** Cut complete messages off `pending`; `quiet` delivers a complete short form held back. */
  private frame(quiet: boolean): void {
    let off = 0
    while (off < this.pending.length && this.decodeError === null) {
      const r = decodeApfMessage(this.pending, off)
      if (r.kind === 'error') {
        this.decodeError = `${r.error.code}: ${r.error.message}`
        this.transcript.event(`gateway sent bytes that are not APF: ${this.decodeError} (${this.pending.subarray(off, off + 32).toString('hex')})`)
        break
      }
      const decoded = r.kind === 'message' ? r : quiet ? r.complete : null
      if (decoded === null) {
        if (r.kind === 'need-more' && r.complete !== null) this.ambiguousTimer = setTimeout(() => this.onQuiet(), AMBIGUOUS_QUIET_MS)
        break
      }
      this.accept(decoded.message, Buffer.from(this.pending.subarray(off, off + decoded.length)))
      off += decoded.length
      quiet = false
    }
    this.pending = off === 0 ? this.pending : this.pending.subarray(off)
  }

  private onQuiet(): void {
    this.ambiguousTimer = null
    this.frame(true)
    this.wake()
  }

  private accept(message: ApfMessage, bytes: Buffer): void {
    this.transcript.received(message, bytes)
    if (message.type === M.DISCONNECT) this.lastDisconnect = message.reasonCode
    if (this.answerAsFirmware(message)) return
    if (this.inbox.length >= INBOX_LIMIT || this.inboxBytes + bytes.length > INBOX_BYTES) {
      this.transcript.event(`inbox limit (${INBOX_LIMIT} messages, ${INBOX_BYTES} bytes) reached: closing`)
      this.socket.destroy()
      return
    }
    this.inboxBytes += bytes.length
    this.inbox.push({ message, bytes, at: performance.now() })
  }

  /** Firmware chores the cases do not test; true when the message was handled here. */
  private answerAsFirmware(m: ApfMessage): boolean {
    if (m.type === M.KEEPALIVE_OPTIONS_REQUEST) {
      this.keepaliveOptions.push(m)
      void this.send({ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: m.intervalSeconds, timeoutSeconds: m.timeoutSeconds })
      return true
    }
    if (m.type === M.KEEPALIVE_REQUEST) {
      void this.send({ type: M.KEEPALIVE_REPLY, cookie: m.cookie })
      return true
    }
    if (m.type === M.CHANNEL_OPEN && this.channelPolicy === 'refuse') {
      this.refusedChannels.push(m)
      void this.send({ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: m.senderChannel, reasonCode: ChannelOpenFailureReason.CONNECT_FAILED })
      return true
    }
    return false
  }

  private onClose(error: string | null): void {
    if (this.closeInfo !== null) return
    if (this.pending.length > 0 && this.decodeError === null) this.frame(true)
    this.closeInfo = { at: performance.now(), error, disconnectReason: this.lastDisconnect }
    this.transcript.event(error === null ? 'connection closed' : `connection closed: ${error}`)
    this.wake()
  }
}

function openTls(endpoint: DeviceEndpoint, check: TlsCheck): TLSSocket {
  const serverName = check.serverName ?? endpoint.serverName ?? endpoint.host
  const ca = check.caPem ?? endpoint.caPem ?? undefined
  return connectTls({
    host: endpoint.host,
    port: endpoint.port,
    // Firmware checks the chain against the root it was given and the configured name.
    ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
    ...(ca === undefined ? {} : { ca }),
    rejectUnauthorized: true,
    checkServerIdentity: (_host, cert) => tlsCheckName(serverName, cert),
    ...(check.ciphers === undefined ? {} : { ciphers: check.ciphers }),
    ...(check.maxVersion === undefined ? {} : { maxVersion: check.maxVersion }),
  })
}

/** node:tls's own name check, against the name firmware was configured with rather than the dialled host. */
function tlsCheckName(name: string, cert: PeerCertificate): Error | undefined {
  return checkServerIdentity(name, cert)
}

export function describeTls(socket: TLSSocket): string {
  const cipher = socket.getCipher()
  return `${socket.getProtocol() ?? 'TLS'} ${cipher.standardName ?? cipher.name}`
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === undefined ? error.message : `${code}: ${error.message}`
  }
  return String(error)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms))
}
