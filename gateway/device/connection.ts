/**
 * One device connection: the thin shell around the pure session state machine. It owns the
 * socket, the stream decoder, the channel table and the bookkeeping (presence, counters, logs,
 * events); every protocol decision comes from `stepSession`. Deadlines are checked by the
 * device server's shared sweep (no timers per connection).
 *
 * Kept small on purpose (19,000 of these in one process): no child logger, no per-connection
 * timers, the channel table and drain set created only when first needed.
 */

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  ApfDisconnectReason,
  ApfStreamDecoder,
  encodeApfMessage,
  encodeChannelDataHeader,
  MessageType as M,
  type ApfDecodeError,
  type ApfMessage,
  type ChannelOpenMessage,
} from '../../protocol/apf/index.js'
import { ChannelOpenError, type ConnectedDevice, type ConsoleOrigin } from '../console/directory.js'
import type { Channel } from './channel.js'
import { ChannelTable } from './channels.js'
import { reportAuthFailed, reportBlocked, reportConnected, reportSessionEnd } from './connection-report.js'
import type { DeviceContext } from './context.js'
import type { ProxiedPeer } from './proxy-header.js'
import { LABELS, PROTOCOL_LABELS } from './end-reasons.js'
import { relayDirectTcpip } from './relay.js'
import { snapshotOf, type DeviceSnapshot } from './snapshot.js'
import { INITIAL_SESSION, isChannelMessageWhenReady, stepSession, type ChannelMessage, type SessionEffect, type SessionInput, type SessionState, type StepResult } from './session.js'

/** Past this many bytes queued on the device socket, channels wait for 'drain'. */
const SOCKET_HIGH_WATER = 256 * 1024
/** After DISCONNECT, how long the device gets to close before we destroy the socket. */
const END_GRACE_MS = 2000
/** A device that has not forwarded another port for this long is done forwarding. */
export const FORWARDS_SETTLE_MS = 1000
/** The longest pre-authentication message (USERAUTH with 2048-byte strings) is about 8 KiB. */
const PREAUTH_BUFFER_LIMIT = 16 * 1024

export type { DeviceSnapshot } from './snapshot.js'

/** What the device server hears from its connections (one object shared by all of them). */
export interface ConnectionHost {
  /** The socket closed: forget the connection. */
  forget(connection: DeviceConnection): void
  /** A deadline due within seconds began (forwards settling, the grace after DISCONNECT). */
  watch(connection: DeviceConnection): void
}

export class DeviceConnection implements ConnectedDevice {
  readonly connId: number
  readonly remoteAddress: string
  readonly remotePort: number
  /** The address is the device's own (TLS here, or a PROXY header): auth failures count against it. */
  readonly addressIsDevice: boolean
  readonly connectedAt: number
  readonly transport: 'tls' | 'plain'
  private readonly socket: Socket
  private readonly ctx: DeviceContext
  private readonly decoder: ApfStreamDecoder
  private state: SessionState = INITIAL_SESSION
  private table: ChannelTable | null = null
  private queued: ApfMessage[] | null = null
  private pendingError: ApfDecodeError | null = null
  private drainWaiters: Set<Channel> | null = null
  private readonly host: ConnectionHost | null
  private lastForwardAt = 0
  private endingAt = 0
  private finished = false
  private registered = false
  lastMessageAt: number
  authenticatedAt = 0
  bytesFromDevice = 0
  bytesToDevice = 0
  consoleOpened = 0
  consoleClosed = 0
  consoleBytesToDevice = 0
  consoleBytesFromDevice = 0

  /**
   * `peer`: the device's own address from a TLS terminator's PROXY header, when the plain
   * listener reads one; without it a plain connection's address is the terminator's.
   */
  constructor(socket: Socket, ctx: DeviceContext, transport: 'tls' | 'plain', now: number, host: ConnectionHost | null = null, peer: ProxiedPeer | null = null) {
    this.socket = socket
    this.ctx = ctx
    this.transport = transport
    this.host = host
    this.connId = ctx.nextConnId()
    this.remoteAddress = peer?.address ?? socket.remoteAddress ?? 'unknown'
    this.remotePort = peer?.port ?? socket.remotePort ?? 0
    this.addressIsDevice = transport === 'tls' || peer !== null
    this.connectedAt = now
    this.lastMessageAt = now
    this.decoder = new ApfStreamDecoder(ctx.decoderLimits)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => this.onError(error))
    socket.on('close', () => this.onSocketClosed())
  }

  /** `address:port`, made when a log line or the admin API asks (rarely), not held per device. */
  get remote(): string {
    return `${this.remoteAddress}:${this.remotePort}`
  }

  get uuid(): string {
    return this.state.uuid ?? ''
  }

  get fqdn(): string | null {
    return this.state.fqdn
  }

  get phase(): SessionState['phase'] {
    return this.state.phase
  }

  get triggerReason(): number {
    return this.state.triggerReason
  }

  /** Made from the session's forwards when asked (console opens, admin API), not held per device. */
  get forwardedPorts(): ReadonlySet<number> {
    const forwards = this.state.forwards
    return forwards.length === 0 ? EMPTY_PORTS : new Set(forwards.map((f) => f.port))
  }

  get openChannels(): number {
    return this.table?.size ?? 0
  }

  get isOpen(): boolean {
    return !this.finished && this.endingAt === 0
  }

  openChannel(port: number, origin: ConsoleOrigin): Promise<Duplex> {
    if (!this.isOpen || !this.registered) return Promise.reject(new ChannelOpenError('disconnected', `device ${this.uuid} is not connected`))
    const forward = this.state.forwards.find((f) => f.port === port)
    if (forward === undefined) return Promise.reject(new ChannelOpenError('port-not-forwarded', `device ${this.uuid} did not forward port ${port}`))
    return this.channels().open(port, forward.address, origin).then(
      (channel) => {
        this.ctx.stats.channelsOpened++
        return channel
      },
      (error: unknown) => {
        this.ctx.stats.channelOpenFailures++
        throw error
      },
    )
  }

  /** End on the gateway's initiative: DISCONNECT(BY_APPLICATION). */
  disconnect(label: 'replaced' | 'admin' | 'shutdown'): void {
    this.endWith(ApfDisconnectReason.BY_APPLICATION, label, `ended by the gateway (${label})`, true)
  }

  /**
   * A deadline other than idleness is pending (authentication, forwards settling, the grace after
   * DISCONNECT): the sweep checks such connections every time, the rest only as often as the idle
   * timeout needs.
   */
  get hasNearDeadline(): boolean {
    if (this.endingAt !== 0) return !this.socket.destroyed
    if (this.finished) return false
    if (this.authenticatedAt === 0) return true
    return this.lastForwardAt !== 0 && !this.state.keepaliveOptionsSent
  }

  /** Called by the shared sweep with the current time. */
  checkDeadlines(now: number): void {
    // Before the `finished` test: a session we ended is finished at once, but its socket stays
    // ours until the device closes it or the grace runs out.
    if (this.endingAt !== 0) {
      if (now - this.endingAt >= END_GRACE_MS && !this.socket.destroyed) this.socket.destroy()
      return
    }
    if (this.finished) return
    const config = this.ctx.config
    if (this.authenticatedAt === 0 && now - this.connectedAt >= config.authTimeoutMs) {
      this.endWith(ApfDisconnectReason.CONNECTION_TIMED_OUT, 'auth-timeout', `not authenticated within ${config.authTimeoutMs} ms`, false)
    } else if (now - this.lastMessageAt >= config.idleTimeoutMs) {
      this.endWith(ApfDisconnectReason.CONNECTION_TIMED_OUT, 'idle-timeout', `no message for ${config.idleTimeoutMs} ms`, false)
    } else if (this.lastForwardAt !== 0 && !this.state.keepaliveOptionsSent && now - this.lastForwardAt >= FORWARDS_SETTLE_MS) {
      this.step({ kind: 'forwards-settled' })
    }
  }

  snapshot(): DeviceSnapshot {
    return snapshotOf(this)
  }

  private onData(chunk: Buffer): void {
    this.bytesFromDevice += chunk.length
    if (!this.isOpen) return
    // Every reply this chunk causes leaves in one write (writev), not one syscall per message.
    this.socket.cork()
    try {
      this.onChunk(chunk)
    } catch (error) {
      this.abort(error)
    } finally {
      this.socket.uncork()
    }
  }

  /** A bug, not bad input (that never throws): cost this connection only, never the process. */
  abort(error: unknown): void {
    this.ctx.stats.generalErrors++
    this.ctx.logger.error({ event: 'general-error', deviceId: this.state.uuid, connId: this.connId, remote: this.remote, err: error }, 'device connection failed')
    this.finish('internal-error', false, error instanceof Error ? error.message : String(error))
    this.socket.destroy()
  }

  private onChunk(chunk: Buffer): void {
    const { messages, error } = this.decoder.push(chunk)
    if (messages.length > 0) this.lastMessageAt = Date.now()
    this.process(messages, 0)
    if (this.authenticatedAt === 0 && this.decoder.bufferedBytes > PREAUTH_BUFFER_LIMIT && this.isOpen) {
      // Nothing before authentication is longer than a few KiB: do not hold more for a stranger.
      const detail = `${this.decoder.bufferedBytes} bytes of one message before authentication`
      return this.endWith(ApfDisconnectReason.PROTOCOL_ERROR, 'decode-error', detail, false)
    }
    if (error === null || !this.isOpen) return
    // Messages held during the credential check run first; the error ends the session after them.
    if (this.queued !== null) this.pendingError = error
    else this.endForDecodeError(error)
  }

  private endForDecodeError(error: ApfDecodeError): void {
    this.endWith(error.disconnectReason, 'decode-error', `${error.code}: ${error.message}`, false)
  }

  private process(messages: readonly ApfMessage[], from: number): void {
    for (let i = from; i < messages.length; i++) {
      if (!this.isOpen) return
      if (this.state.phase === 'authenticating') {
        // Hold what the device pipelined until its credentials are checked.
        this.queued = messages.slice(i)
        this.socket.pause()
        return
      }
      const message = messages[i] as ApfMessage
      if (isChannelMessageWhenReady(this.state, message)) this.dispatchChannel(message)
      else this.step({ kind: 'message', message })
    }
  }

  private dispatchChannel(message: ChannelMessage): void {
    const violation = this.channels().dispatch(message)
    if (violation !== null) this.endWith(ApfDisconnectReason.PROTOCOL_ERROR, LABELS[violation.code] ?? 'protocol-error', violation.detail, false)
  }

  private step(input: SessionInput): void {
    this.apply(stepSession(this.state, input, this.ctx.policy))
  }

  private apply(result: StepResult): void {
    this.state = result.state
    for (const message of result.send) this.sendMessage(message)
    for (const effect of result.effects) this.applyEffect(effect)
  }

  private applyEffect(effect: SessionEffect): void {
    switch (effect.kind) {
      case 'version':
        return
      case 'check-credentials':
        return this.checkCredentials(effect.uuid, effect.username, effect.password)
      case 'auth-failed':
        return reportAuthFailed(this.ctx, this, this.state.uuid, effect.username, effect.reason, effect.failures)
      case 'authenticated':
        return this.onAuthenticated()
      case 'forward-added':
        return this.onForwardAdded()
      case 'forward-removed':
        return
      case 'forward-refused':
        this.ctx.logger.debug({ event: 'forward-refused', deviceId: this.uuid, connId: this.connId, port: effect.port }, 'tcpip-forward refused')
        return
      case 'channel':
        return this.dispatchChannel(effect.message)
      case 'relay-tcp':
        return this.relayTcp(effect.open)
      case 'relay-udp':
        this.ctx.stats.relayedUdp++
        this.ctx.relay.sendUdp(effect.request.address, effect.request.port, effect.request.data)
        return
      case 'blocked':
        return reportBlocked(this.ctx, this, effect.protocol, effect.host, effect.port)
      case 'device-disconnected':
        this.endingAt = Date.now()
        this.host?.watch(this)
        this.socket.end()
        return this.finish('device-disconnect', true, `device sent DISCONNECT (reason ${effect.reasonCode})`)
      case 'end':
        return this.endWith(effect.reason, LABELS[effect.code] ?? 'protocol-error', effect.detail, false)
    }
  }

  private checkCredentials(uuid: string, username: string, password: string): void {
    this.ctx.credentials
      .verify(uuid, username, password)
      .catch((error: unknown) => {
        this.ctx.stats.generalErrors++
        this.ctx.logger.error({ event: 'general-error', deviceId: uuid, connId: this.connId, err: error }, 'credential check failed')
        return false
      })
      .then((accepted) => this.resumeAfterAuth(accepted))
      .catch((error: unknown) => this.abort(error))
  }

  private resumeAfterAuth(accepted: boolean): void {
    if (!this.isOpen) return
    this.socket.cork()
    try {
      this.runAfterAuth(accepted)
    } finally {
      this.socket.uncork()
    }
  }

  private runAfterAuth(accepted: boolean): void {
    this.step({ kind: 'credentials-checked', accepted })
    const queued = this.queued
    this.queued = null
    if (queued !== null) this.process(queued, 0)
    if (this.queued !== null || !this.isOpen) return
    const error = this.pendingError
    this.pendingError = null
    if (error !== null) this.endForDecodeError(error)
    else this.socket.resume()
  }

  private onAuthenticated(): void {
    this.authenticatedAt = Date.now()
    this.registered = true
    const replaced = this.ctx.presence.register(this)
    if (replaced !== undefined && replaced !== this) {
      this.ctx.stats.devicesReplaced++
      replaced.disconnect('replaced')
    }
    reportConnected(this.ctx, this, this.authenticatedAt)
  }

  private onForwardAdded(): void {
    this.lastForwardAt = Date.now()
    if (!this.state.keepaliveOptionsSent) this.host?.watch(this)
    if (this.state.fqdn !== null && this.registered) this.ctx.presence.rename(this, this.state.fqdn)
  }

  private relayTcp(open: ChannelOpenMessage): void {
    relayDirectTcpip(open, {
      table: this.channels(),
      relay: this.ctx.relay,
      send: (message) => this.sendMessage(message),
      isOpen: () => this.isOpen,
      onRelayed: () => void this.ctx.stats.relayedTcp++,
      onUnreachable: (code) => {
        const fields = { event: 'relay-failed', deviceId: this.uuid, connId: this.connId, host: open.connectedAddress, port: open.connectedPort, code }
        this.ctx.logger.info(fields, 'authorised server unreachable')
      },
    })
  }

  private channels(): ChannelTable {
    if (this.table !== null) return this.table
    const config = this.ctx.config
    this.table = new ChannelTable(
      {
        sendData: (recipientChannel, payload) => this.sendData(recipientChannel, payload),
        sendMessage: (message) => this.sendMessage(message),
        waitForDrain: (channel) => this.waitForDrain(channel),
      },
      { windowSize: config.windowSize, maxChannels: config.maxChannels, openTimeoutMs: config.channelOpenTimeoutMs },
    )
    return this.table
  }

  private sendMessage(message: ApfMessage): void {
    if (this.socket.writableEnded || this.socket.destroyed) return
    // USERAUTH_FAILURE with MPS's 2-byte trailer (15 bytes): the form firmware has met for years,
    // and one a reader can end without waiting to see whether a trailer follows.
    const bytes = encodeApfMessage(message, TWO_BYTE_TRAILER)
    this.bytesToDevice += bytes.length
    if (message.type === M.KEEPALIVE_REPLY) this.ctx.stats.keepalivesAnswered++
    this.socket.write(bytes)
  }

  private sendData(recipientChannel: number, payload: Buffer): boolean {
    const socket = this.socket
    if (socket.writableEnded || socket.destroyed) return true
    socket.cork()
    socket.write(encodeChannelDataHeader(recipientChannel, payload.length))
    socket.write(payload)
    socket.uncork()
    this.bytesToDevice += 9 + payload.length
    return socket.writableLength < SOCKET_HIGH_WATER
  }

  /** The 'drain' listener exists only while a channel waits: idle devices carry none. */
  private waitForDrain(channel: Channel): void {
    if (this.drainWaiters === null) {
      this.drainWaiters = new Set()
      this.socket.once('drain', () => this.onDrain())
    }
    this.drainWaiters.add(channel)
  }

  private onDrain(): void {
    const waiters = this.drainWaiters
    if (waiters === null || waiters.size === 0) return
    this.drainWaiters = null
    for (const channel of waiters) channel.resumeSending()
  }

  private onSocketClosed(): void {
    this.finish('connection-lost', false, 'socket closed')
    this.host?.forget(this)
  }

  private onError(error: NodeJS.ErrnoException): void {
    if (this.finished) return
    this.ctx.stats.connectionErrors++
    this.ctx.logger.info({ event: 'connection-error', deviceId: this.state.uuid, connId: this.connId, remote: this.remote, code: error.code, err: error.message }, 'device connection error')
  }

  private endWith(reason: number, label: string, detail: string, expected: boolean): void {
    if (!this.isOpen) return
    this.endingAt = Date.now()
    this.host?.watch(this)
    this.sendMessage({ type: M.DISCONNECT, reasonCode: reason })
    this.socket.end()
    if (PROTOCOL_LABELS.has(label)) this.ctx.stats.protocolErrors++
    this.finish(label, expected, detail, reason)
  }

  /** Bookkeeping, exactly once per connection, however it ended. */
  private finish(label: string, expected: boolean, detail: string, disconnectReason: number | null = null): void {
    if (this.finished) return
    this.finished = true
    this.queued = null
    this.table?.closeAll()
    const registered = this.registered
    if (registered) {
      this.registered = false
      this.ctx.presence.unregister(this)
    }
    reportSessionEnd(this.ctx, this, { deviceId: this.state.uuid, phase: this.state.phase, label, detail, disconnectReason, expected, registered })
  }
}

const EMPTY_PORTS: ReadonlySet<number> = new Set()
const TWO_BYTE_TRAILER = Object.freeze({ twoByteTrailer: true })
