/**
 * One APF tunnel from the device to a gateway: the thin shell around the pure session machine.
 * It owns the transport stream (TLS, plain TCP, or a shaped link), the stream decoder, the
 * channels and the keepalive entry on the shared wheel, and carries out the machine's effects.
 *
 * Every message is written whole with its own write (one TLS record), as firmware does; the
 * split-writes fault is the deliberate exception.
 */

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { ApfStreamDecoder, encodeApfMessage, encodeChannelDataHeader, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { ApfDisconnectReason } from '../../protocol/errors.js'
import { garbageBytes, splitAtRandom } from '../faults.js'
import type { SimLogger } from '../log.js'
import type { DisconnectReason, FailureReason } from '../reasons.js'
import type { ChannelService, ServiceContext } from '../services/types.js'
import type { TimerWheel, WheelEntry } from '../wheel.js'
import { DeviceChannel, type ChannelWire } from './channel.js'
import { bump, channelRefusalName, type DeviceCounters } from './counters.js'
import type { Random } from './rng.js'
import { SlowReader } from './slow-reader.js'
import { initialSessionState, stepSession, type SessionConfig, type SessionEffect, type SessionEvent, type SessionState, type Step } from './session-machine.js'

export interface ConnectionOutcome {
  /** Whether the tunnel had reached ready. */
  readonly wasReady: boolean
  readonly reason: FailureReason | DisconnectReason
  readonly detail: string
}

/** Who owns the tunnel (the device): told when it is up and when it ends, and asked for the service context. */
export interface ConnectionHooks {
  tunnelReady(connection: ApfConnection): void
  tunnelClosed(connection: ApfConnection, outcome: ConnectionOutcome): void
  serviceContext(): ServiceContext
}

export interface ConnectionOptions {
  /** Where APF bytes go: the TLS socket, or the TCP socket (possibly shaped) for plain APF. */
  readonly transport: Duplex
  /** The TCP socket underneath, for faults that act on TCP itself (RST). */
  readonly rawSocket: Socket
  readonly session: SessionConfig
  readonly services: ReadonlyMap<number, ChannelService>
  readonly wheel: TimerWheel
  readonly counters: DeviceCounters
  readonly random: Random
  readonly logger: SimLogger
  readonly hooks: ConnectionHooks
  /** Fail the handshake if not ready by then (ms). */
  readonly handshakeTimeoutMs: number
}

export class ApfConnection implements ChannelWire {
  private readonly o: ConnectionOptions
  private readonly decoder = new ApfStreamDecoder()
  private state: SessionState
  /** Made on the first channel: most tunnels of a fleet never open one. */
  private channelTable: Map<number, DeviceChannel> | null = null
  private timer: WheelEntry<ApfConnection> | null = null
  private lastReceived = 0
  private keepalivesToSkip = 0
  private splitUntil = 0
  private halted = false
  private reachedReady = false
  private slowReader: SlowReader | null = null
  private closingReason: DisconnectReason | null = null
  private finished = false

  constructor(options: ConnectionOptions) {
    this.o = options
    this.state = initialSessionState(options.session)
  }

  get ready(): boolean {
    return this.state.phase === 'ready'
  }

  get phase(): SessionState['phase'] {
    return this.state.phase
  }

  get forwardedPorts(): readonly number[] {
    return this.state.forwardedPorts
  }

  get keepaliveIntervalSeconds(): number {
    return this.state.keepaliveIntervalSeconds
  }

  get openChannels(): readonly DeviceChannel[] {
    return this.channelTable === null ? [] : [...this.channelTable.values()]
  }

  start(): void {
    const t = this.o.transport as Carrier
    // Shared listener functions find the connection on the stream: no closures per device.
    t[CONNECTION] = this
    t.on('data', onTransportData)
    t.on('drain', onTransportDrain)
    t.on('error', onTransportError)
    t.on('close', onTransportClose)
    this.lastReceived = this.o.wheel.now()
    this.timer = this.o.wheel.schedule<ApfConnection>(this.o.handshakeTimeoutMs, onTimer, this)
    this.apply(stepSession(this.o.session, this.state, { kind: 'start' }))
  }

  /** End the tunnel on purpose: DISCONNECT(reasonCode), then close. */
  shutdown(reason: DisconnectReason, reasonCode: number = ApfDisconnectReason.BY_APPLICATION): void {
    if (this.finished) return
    this.closingReason = reason
    this.apply(stepSession(this.o.session, this.state, { kind: 'shutdown', reasonCode }))
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Abort the TCP connection with RST. */
  reset(): void {
    this.closingReason = 'fault'
    this.o.rawSocket.resetAndDestroy()
  }

  /** Stop reading and writing, as a host that vanished; `reviveAfterMs` later drop the socket. */
  halfOpen(reviveAfterMs: number): void {
    this.halted = true
    this.o.transport.pause()
    this.o.rawSocket.pause()
    this.arm(reviveAfterMs)
  }

  readSlowly(bytesPerSecond: number, durationMs: number): void {
    this.slowReader ??= new SlowReader(this.o.wheel, this.o.transport, (chunk) => {
      if (!this.finished && !this.halted) this.process(chunk)
    })
    this.slowReader.start(bytesPerSecond, durationMs)
  }

  splitWrites(durationMs: number): void {
    this.splitUntil = this.o.wheel.now() + durationMs
  }

  injectGarbage(bytes: number): void {
    this.writeRaw(garbageBytes(bytes, this.o.random), false)
  }

  skipKeepalives(count: number): void {
    this.keepalivesToSkip += count
  }

  // ---- ChannelWire --------------------------------------------------------------------------

  sendData(remoteId: number, data: Buffer): boolean {
    this.o.counters.channelBytesOut += data.length
    if (this.splitting()) return this.writeRaw(Buffer.concat([encodeChannelDataHeader(remoteId, data.length), data]), true)
    // Header and payload leave in one writev (one TLS record), without copying the payload.
    const t = this.o.transport
    t.cork()
    this.writeRaw(encodeChannelDataHeader(remoteId, data.length), false)
    const ok = this.writeRaw(data, false)
    t.uncork()
    return ok
  }

  sendWindowAdjust(remoteId: number, bytesToAdd: number): void {
    this.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: remoteId, bytesToAdd })
  }

  sendClose(remoteId: number): void {
    this.send({ type: M.CHANNEL_CLOSE, recipientChannel: remoteId })
  }

  release(localId: number): void {
    this.channelTable?.delete(localId)
    this.apply(stepSession(this.o.session, this.state, { kind: 'channel-released', localId }))
  }

  // ---- internals ----------------------------------------------------------------------------

  /** @internal transport 'data' */
  onData(chunk: Buffer): void {
    if (this.finished || this.halted) return
    this.lastReceived = this.o.wheel.now()
    this.o.counters.apfBytesReceived += chunk.length
    if (this.slowReader?.active === true) this.slowReader.hold(chunk)
    else this.process(chunk)
  }

  private process(chunk: Buffer): void {
    const pushed = this.decoder.push(chunk)
    for (const message of pushed.messages) this.step({ kind: 'message', message })
    if (pushed.error !== null) {
      this.o.logger.debug({ code: pushed.error.code, offset: pushed.error.offset }, 'gateway sent bytes that are not APF')
      this.protocolError(pushed.error.disconnectReason, pushed.error.message)
      return
    }
    // A gateway writes each message whole, so a held short form (14-byte USERAUTH_FAILURE,
    // 1-byte REQUEST_SUCCESS) is complete: deliver it now instead of waiting for a next byte.
    if (this.decoder.hasAmbiguousTail) {
      for (const message of this.decoder.flush().messages) this.step({ kind: 'message', message })
    }
  }

  private step(event: SessionEvent): void {
    if (this.finished) return
    this.apply(stepSession(this.o.session, this.state, event))
  }

  private apply(step: Step): void {
    this.state = step.state
    for (const message of step.send) this.send(message)
    for (const effect of step.effects) this.onEffect(effect)
  }

  private send(message: ApfMessage): void {
    if (message.type === M.KEEPALIVE_REQUEST) this.o.counters.keepalivesSent++
    this.writeRaw(encodeApfMessage(message), this.splitting())
  }

  private writeRaw(bytes: Buffer, split: boolean): boolean {
    const t = this.o.transport
    if (this.finished || this.halted || t.destroyed || t.writableEnded) return false
    this.o.counters.apfBytesSent += bytes.length
    if (!split) return t.write(bytes)
    let ok = true
    for (const piece of splitAtRandom(bytes, this.o.random)) ok = t.write(piece)
    return ok
  }

  private splitting(): boolean {
    return this.splitUntil > 0 && this.o.wheel.now() < this.splitUntil
  }

  private onEffect(effect: SessionEffect): void {
    const c = this.o.counters
    switch (effect.kind) {
      case 'ready':
        this.reachedReady = true
        this.arm(this.state.keepaliveIntervalSeconds * 1000)
        this.o.hooks.tunnelReady(this)
        return
      case 'keepalive-options':
        if (this.ready) this.arm(effect.intervalSeconds * 1000)
        return
      case 'keepalive-answered':
        c.keepalivesAnswered++
        return
      case 'port-refused':
        c.portsRefused++
        return
      case 'version-echo':
        c.versionEchoes++
        return
      case 'ignored':
        c.ignoredMessages++
        return
      case 'close':
        this.onSessionClose(effect.reason, effect.detail)
        return
      default:
        this.onChannelEffect(effect)
    }
  }

  private onChannelEffect(effect: SessionEffect): void {
    const c = this.o.counters
    switch (effect.kind) {
      case 'channel-open':
        this.openChannel(effect.localId, effect.remoteId, effect.port, effect.remoteWindow)
        return
      case 'channel-refused':
        bump(c, 'channelRefusals', channelRefusalName(effect.reasonCode))
        return
      case 'channel-data':
        c.channelBytesIn += effect.data.length
        if (!this.channelTable?.get(effect.localId)?.receiveData(effect.data)) this.protocolError(ApfDisconnectReason.PROTOCOL_ERROR, 'gateway overran the channel window')
        return
      case 'channel-window':
        if (!this.channelTable?.get(effect.localId)?.addSendCredit(effect.bytesToAdd)) this.protocolError(ApfDisconnectReason.PROTOCOL_ERROR, 'window adjust past 2^32-1')
        return
      case 'channel-close':
        this.channelTable?.get(effect.localId)?.receiveClose()
        return
    }
  }

  private openChannel(localId: number, remoteId: number, port: number, remoteWindow: number): void {
    const channel = new DeviceChannel(this, { localId, remoteId, port, remoteWindow, receiveWindow: this.o.session.receiveWindow })
    this.channelTable ??= new Map()
    this.channelTable.set(localId, channel)
    this.o.counters.channelsOpened++
    channel.on('error', (error) => this.o.logger.debug({ channel: localId, port, err: error.message }, 'channel stream error'))
    const service = this.o.services.get(port) as ChannelService
    try {
      service(channel, this.o.hooks.serviceContext())
    } catch (error) {
      this.o.logger.warn({ channel: localId, port, err: String(error) }, 'service failed to start')
      channel.destroy()
    }
  }

  private onSessionClose(reason: 'auth-failed' | 'gateway-disconnect' | 'protocol-error' | 'shutdown', detail: string): void {
    const outcome: FailureReason | DisconnectReason = reason === 'shutdown' ? (this.closingReason ?? 'stopped') : reason
    this.finish(outcome, detail, true)
  }

  private protocolError(reasonCode: number, detail: string): void {
    if (this.finished) return
    this.send({ type: M.DISCONNECT, reasonCode })
    this.finish('protocol-error', detail, true)
  }

  /** @internal transport 'drain' */
  onDrain(): void {
    if (this.channelTable === null) return
    for (const channel of this.channelTable.values()) channel.resumeTransport()
  }

  /** @internal transport 'error' */
  onTransportError(error: NodeJS.ErrnoException): void {
    if (this.closingReason === null && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) this.closingReason = 'connection-reset'
    this.o.logger.debug({ err: error.message, code: error.code }, 'transport error')
  }

  /** @internal transport 'close' */
  onTransportClose(): void {
    this.finish(this.closedReason(), 'transport closed')
  }

  private closedReason(): FailureReason | DisconnectReason {
    if (this.closingReason !== null) return this.closingReason
    return this.ready ? 'gateway-closed' : 'closed-during-handshake'
  }

  /** Timer: handshake deadline before ready, keepalives after; the half-open revival when halted. */
  onTimer(): void {
    if (this.finished) return
    const now = this.o.wheel.now()
    if (this.halted) return this.finish('fault', 'half-open ended')
    if (!this.ready) return this.finish('handshake-timeout', `not ready after ${this.o.handshakeTimeoutMs} ms`, true)
    const timeoutMs = this.state.keepaliveTimeoutSeconds * 1000
    if (timeoutMs > 0 && now - this.lastReceived > timeoutMs) return this.finish('keepalive-timeout', 'gateway silent', true)
    if (this.keepalivesToSkip > 0) {
      this.keepalivesToSkip--
      this.o.counters.keepalivesSkipped++
    } else {
      this.step({ kind: 'keepalive-due' })
    }
    this.arm(this.state.keepaliveIntervalSeconds * 1000)
  }

  /** (Re)arm the one timer; a zero interval means no keepalives at all. */
  private arm(delayMs: number): void {
    if (this.timer === null) return
    if (delayMs > 0) this.o.wheel.reschedule(this.timer, delayMs)
    else this.o.wheel.cancel(this.timer)
  }

  /** Tear down once: timers, channels, socket; then tell the device. */
  private finish(reason: FailureReason | DisconnectReason, detail: string, graceful = false): void {
    if (this.finished) return
    this.finished = true
    if (this.timer !== null) this.o.wheel.cancel(this.timer)
    this.slowReader?.stop()
    const wasReady = this.reachedReady
    const error = new Error(`tunnel closed: ${reason}`)
    for (const channel of this.channelTable?.values() ?? []) channel.abort(error)
    this.channelTable = null
    const t = this.o.transport
    // After a DISCONNECT, let it reach the gateway before the socket goes.
    if (graceful && !t.destroyed) {
      t.end()
      this.o.wheel.schedule(2_000, destroySocket, this.o.rawSocket)
    } else {
      t.destroy()
    }
    ;(t as Carrier)[CONNECTION] = undefined
    this.o.hooks.tunnelClosed(this, { wasReady, reason, detail })
  }
}

const CONNECTION = Symbol('ApfConnection')
type Carrier = Duplex & { [CONNECTION]?: ApfConnection | undefined }

function onTransportData(this: Carrier, chunk: Buffer): void {
  this[CONNECTION]?.onData(chunk)
}

function onTransportDrain(this: Carrier): void {
  this[CONNECTION]?.onDrain()
}

function onTransportError(this: Carrier, error: NodeJS.ErrnoException): void {
  this[CONNECTION]?.onTransportError(error)
}

function onTransportClose(this: Carrier): void {
  this[CONNECTION]?.onTransportClose()
}

function onTimer(connection: ApfConnection): void {
  connection.onTimer()
}


function destroySocket(socket: Socket): void {
  socket.destroy()
}
