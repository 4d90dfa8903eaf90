/**
 * One redirection connection on a simulated device's port 16994: owns the stream, the decoder,
 * the timers and the host bookkeeping; the session step decides the login, then a handler per
 * kind (SOL, IDE-R, KVM) takes the messages.
 *
 * Backpressure: when a write returns false the connection stops reading (stream.pause() and
 * no more messages pulled from the decoder), so a console cannot make the device queue replies
 * faster than the channel drains; handlers that produce data on their own (SOL stream, KVM
 * frames) wait for `onDrain`.
 */

import { randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { encodeRedirectionMessage, RedirectionStreamDecoder, type RedirectionMessage, type RedirectionPhase } from '../../../protocol/redirection/index.js'
import { amtMajor } from '../../identity.js'
import type { RedirectionKind } from '../host.js'
import type { ServiceContext } from '../types.js'
import { advertisedAuthTypes, stepDeviceSession, type DeviceSessionState, type SessionEffect, type SessionEnv } from './session-step.js'

/** What a session handler may do with its connection. */
export interface DeviceLink {
  readonly ctx: ServiceContext
  readonly closed: boolean
  send(m: RedirectionMessage): boolean
  write(bytes: Buffer): boolean
  setPhase(phase: RedirectionPhase): void
  /** Run `fn` once, when the stream has drained after a write returned false. */
  onDrain(fn: () => void): void
  /** Timers owned by the connection: all cleared when it ends. Each returns its cancel function. */
  every(ms: number, fn: () => void): () => void
  after(ms: number, fn: () => void): () => void
  /** End the session: release everything and end the stream after what was written. */
  finish(): void
}

export interface SessionHandler {
  onMessage(m: RedirectionMessage): void
  onRaw(data: Buffer): void
  dispose(): void
}

export type HandlerFactory = (kind: RedirectionKind, link: DeviceLink) => SessionHandler

/**
 * [inferred] How long a connection may sit before a successful login. Firmware's value is not
 * documented; amtterm gives up after 20 s of silence during login, so a minute is generous.
 */
export const LOGIN_TIMEOUT_MS = 60_000

export class DeviceRedirectionConnection implements DeviceLink {
  readonly ctx: ServiceContext
  private readonly stream: Duplex
  private readonly decoder = new RedirectionStreamDecoder({ limits: { maxAuthDataLength: 1024 } })
  private readonly env: SessionEnv
  private readonly createHandler: HandlerFactory
  private state: DeviceSessionState = { name: 'awaiting-start' }
  private handler: SessionHandler | null = null
  private started: RedirectionKind | null = null
  private blocked = false
  private drainWaiters: (() => void)[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private isClosed = false

  constructor(stream: Duplex, ctx: ServiceContext, createHandler: HandlerFactory) {
    this.stream = stream
    this.ctx = ctx
    this.createHandler = createHandler
    const [major, minor] = ctx.host.identity.amtVersion.split('.').map((part) => Number.parseInt(part, 10))
    this.env = {
      account: ctx.account,
      realm: ctx.host.identity.digestRealm,
      authTypes: advertisedAuthTypes(amtMajor(ctx.host.identity)),
      firmwareMajor: (major ?? 0) & 0xff,
      firmwareMinor: (minor ?? 0) & 0xff,
      mayStart: (kind) => ctx.host.mayStartRedirection(kind),
      isBusy: (kind) => ctx.host.activeRedirections.has(kind),
      newNonce: () => randomBytes(16).toString('hex'),
    }
  }

  start(loginTimeoutMs = LOGIN_TIMEOUT_MS): void {
    this.after(loginTimeoutMs, () => {
      if (this.handler === null) this.finish()
    })
    this.stream.on('data', (chunk: Buffer) => this.onData(chunk))
    this.stream.on('drain', () => this.onDrained())
    this.stream.on('end', () => this.finish())
    this.stream.on('close', () => this.dispose())
    this.stream.on('error', () => {
      this.dispose()
      this.stream.destroy()
    })
  }

  get closed(): boolean {
    return this.isClosed
  }

  send(m: RedirectionMessage): boolean {
    return this.write(encodeRedirectionMessage(m))
  }

  write(bytes: Buffer): boolean {
    if (this.isClosed) return false
    const ok = this.stream.write(bytes)
    if (!ok && !this.blocked) {
      this.blocked = true
      this.stream.pause()
    }
    return ok
  }

  setPhase(phase: RedirectionPhase): void {
    this.decoder.phase = phase
  }

  onDrain(fn: () => void): void {
    if (this.isClosed) return
    if (!this.blocked) {
      fn()
      return
    }
    this.drainWaiters.push(fn)
  }

  every(ms: number, fn: () => void): () => void {
    const timer = setInterval(fn, ms)
    this.timers.add(timer)
    return () => {
      clearInterval(timer)
      this.timers.delete(timer)
    }
  }

  after(ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
    return () => {
      clearTimeout(timer)
      this.timers.delete(timer)
    }
  }

  finish(): void {
    if (this.isClosed) return
    this.dispose()
    this.stream.end()
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return
    this.decoder.push(chunk)
    this.pump()
  }

  private onDrained(): void {
    if (this.isClosed || !this.blocked) return
    this.blocked = false
    this.stream.resume()
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const waiter of waiters) waiter()
    this.pump()
  }

  /** Handle queued messages one at a time, so a handler can change the phase between two of them. */
  private pump(): void {
    while (!this.isClosed && !this.blocked) {
      const step = this.decoder.next()
      if (step.kind === 'need-more') return
      if (step.kind === 'error') {
        // Not the protocol this phase expects: the stream cannot be followed, close it.
        this.finish()
        return
      }
      if (step.kind === 'raw') this.handler?.onRaw(step.data)
      else this.handle(step.message)
    }
  }

  private handle(m: RedirectionMessage): void {
    if (this.handler !== null) {
      this.handler.onMessage(m)
      return
    }
    const step = stepDeviceSession(this.state, m, this.env)
    this.state = step.state
    for (const out of step.send) this.send(out)
    for (const effect of step.effects) this.apply(effect)
  }

  private apply(effect: SessionEffect): void {
    const { counters, host } = this.ctx
    switch (effect.kind) {
      case 'close':
        this.finish()
        return
      case 'consent-refused':
        counters.consentRefusals++
        return
      case 'auth-failed':
        counters.redirectionAuthFailures++
        return
      case 'authenticated':
        counters.redirectionSessions++
        this.started = effect.session
        host.redirectionStarted(effect.session)
        this.decoder.phase = effect.session
        this.handler = this.createHandler(effect.session, this)
        return
      default: {
        const unknown: never = effect
        throw new Error(`unhandled session effect ${JSON.stringify(unknown)}`)
      }
    }
  }

  /** Release everything the session holds; safe to call more than once. */
  private dispose(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.handler?.dispose()
    this.handler = null
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    this.drainWaiters = []
    if (this.started !== null) this.ctx.host.redirectionEnded(this.started)
    this.started = null
  }
}
