/**
 * One simulated AMT device: its identity, the machine behind it (SimulatedHost), its policies
 * and reconnect campaign, and at most one APF tunnel at a time. Timers live on the shared wheel:
 * one entry for the policy/campaign clock, one inside the tunnel for handshake and keepalives.
 */

import { EventEmitter } from 'node:events'
import type { DeviceIdentity } from '../identity.js'
import { amtMajor } from '../identity.js'
import { DeviceFaults, resolveFault, type Fault, type FaultKind, type FaultSpec } from '../faults.js'
import type { DisconnectReason, FailureReason } from '../reasons.js'
import { SimulatedHost } from '../services/host.js'
import { newServiceCounters, type ServiceContext, type ServiceCounters } from '../services/types.js'
import type { WheelEntry } from '../wheel.js'
import { sessionConfigFor, type DeviceConfig, type DeviceEnvironment } from './config.js'
import type { GateWaiter } from './connect-gate.js'
import { ApfConnection, type ConnectionHooks, type ConnectionOutcome } from './connection.js'
import { bump, newDeviceCounters, type DeviceCounters } from './counters.js'
import { afterFailure, currentTarget, startCampaign, TRIGGER_OF, type Campaign, type Endpoint, type PolicyKind } from './policy.js'
import { deviceRandom, type Random } from './rng.js'
import { classifyConnectError } from './tls.js'
import { openTransport, type PendingTransport } from './transport.js'

export type DeviceState = 'new' | 'idle' | 'waiting' | 'connecting' | 'handshaking' | 'connected' | 'gave-up' | 'refused' | 'stopped'

export interface DeviceEvents {
  state: [state: DeviceState]
  connected: []
  disconnected: [reason: DisconnectReason]
  failure: [reason: FailureReason]
}

type TimerPurpose = 'attempt' | 'periodic' | 'lifetime' | 'connect-timeout'

export class SimulatedDevice extends EventEmitter<DeviceEvents> implements ConnectionHooks, GateWaiter {
  readonly identity: DeviceIdentity
  readonly config: DeviceConfig
  readonly counters: DeviceCounters = newDeviceCounters()
  private readonly env: DeviceEnvironment
  private readonly random: Random
  private currentState: DeviceState = 'new'
  private campaign: Campaign | null = null
  private tunnelPolicy: PolicyKind | null = null
  private connection: ApfConnection | null = null
  private target: Endpoint | null = null
  private timer: WheelEntry<SimulatedDevice> | null = null
  private timerPurpose: TimerPurpose = 'attempt'
  private attemptStartedAt = 0
  /** Holding one of the process's handshake slots (ConnectGate). */
  private holdsSlot = false
  private stormRemaining = 0
  private storming = false
  private pending: PendingTransport | null = null
  private splitUntil = 0
  private faults: DeviceFaults | null = null
  private simulatedHost: SimulatedHost | null = null
  private context: ServiceContext | null = null
  private stopWaiters: (() => void)[] = []

  constructor(config: DeviceConfig, env: DeviceEnvironment) {
    super()
    this.identity = config.identity
    this.config = config
    this.env = env
    this.random = deviceRandom(config.seed, 'device', config.identity.index)
  }

  get state(): DeviceState {
    return this.currentState
  }

  get connected(): boolean {
    return this.currentState === 'connected'
  }

  /** The gateway of the tunnel or attempt in progress. */
  get gateway(): Endpoint | null {
    return this.target
  }

  get tunnel(): ApfConnection | null {
    return this.connection
  }

  /** The simulated machine (power, consent, boot, screen); made on first use. */
  get host(): SimulatedHost {
    this.simulatedHost ??= new SimulatedHost(this.identity, { random: deviceRandom(this.config.seed, 'host', this.identity.index) })
    return this.simulatedHost
  }

  /** What the services have counted for this device (zeros until a channel opened). */
  get serviceCounters(): ServiceCounters {
    return this.context?.counters ?? newServiceCounters()
  }

  /** CIM power state, without making the host model just to read it. */
  get powerState(): number {
    return this.simulatedHost?.powerState ?? this.identity.initialPowerState
  }

  /** Power on: arm faults and, with a periodic policy, call home now. */
  start(): void {
    if (this.currentState !== 'new') return
    this.setState('idle')
    if (this.config.faults.length > 0) {
      this.faults = new DeviceFaults(this.config.faults, this.config.seed, this.identity.index, this.env.wheel, this)
      this.faults.start()
    }
    if (this.config.policies.periodicIntervalMs !== null) this.trigger('periodic')
  }

  /**
   * A policy fires: user-initiated is "Fast Call for Help pressed", alert an alert condition.
   * False when a tunnel is up or being built (firmware keeps the one it has).
   */
  trigger(policy: PolicyKind): boolean {
    bump(this.counters, 'triggers', policy)
    const s = this.currentState
    if (s === 'new' || s === 'connecting' || s === 'handshaking' || s === 'connected' || s === 'refused' || s === 'stopped') return false
    if (s === 'waiting' && this.campaign !== null && policy === 'periodic') return false
    this.cancelTimer()
    this.campaign = startCampaign(policy, this.config.gateways)
    this.attempt()
    return true
  }

  /** Apply a fault now (library and fault plan). True when it took effect and was counted. */
  applyFault(fault: Fault): boolean {
    const c = this.connection
    if (fault.kind === 'split') this.splitUntil = this.env.wheel.now() + fault.durationMs
    if (c === null || !c.ready) return fault.kind === 'split' ? this.countFault(fault.kind) : false
    switch (fault.kind) {
      case 'reset':
        c.reset()
        break
      case 'half-open':
        c.halfOpen(fault.durationMs)
        break
      case 'slow-reader':
        c.readSlowly(fault.bytesPerSecond, fault.durationMs)
        break
      case 'split':
        c.splitWrites(fault.durationMs)
        break
      case 'garbage':
        c.injectGarbage(fault.bytes)
        break
      case 'missed-keepalives':
        c.skipKeepalives(fault.count)
        break
      case 'reconnect-storm':
        this.storming = true
        this.stormRemaining = Math.max(0, fault.count - 1)
        c.shutdown('fault')
        break
    }
    return this.countFault(fault.kind)
  }

  /** Shorthand for `applyFault` with the kind's default parameters. */
  injectFault(kind: FaultKind, overrides: Partial<FaultSpec> = {}): boolean {
    return this.applyFault(resolveFault({ ...overrides, kind }))
  }

  /** Power off: end the tunnel with DISCONNECT and stop every timer. Resolves once closed. */
  stop(): Promise<void> {
    this.cancelTimer()
    this.faults?.stop()
    this.campaign = null
    const c = this.connection
    this.setState('stopped')
    this.env.connectGate?.cancel(this)
    this.pending?.transport.destroy()
    if (c === null) return Promise.resolve()
    return new Promise((resolve) => {
      this.stopWaiters.push(resolve)
      c.shutdown('stopped')
    })
  }

  serviceContext(): ServiceContext {
    this.context ??= {
      host: this.host,
      account: this.config.account,
      options: this.config.serviceOptions,
      counters: newServiceCounters(),
      now: Date.now,
    }
    return this.context
  }

  // ---- the campaign -------------------------------------------------------------------------

  private attempt(): void {
    const campaign = this.campaign
    if (campaign === null || this.currentState === 'stopped') return
    const fw = this.config.firmware
    const password = this.config.credentials.password
    if (fw.enforcePasswordRule && amtMajor(this.identity) >= 19 && (password.length < 8 || password.length > 16)) {
      // The firmware will not take such a password, so CIRA never comes up (rps#2756).
      this.campaign = null
      this.fail('password-rule')
      this.setState('refused')
      return
    }
    this.target = currentTarget(campaign)
    this.setState('connecting')
    if (this.env.connectGate === undefined) this.startAttempt()
    else this.env.connectGate.acquire(this)
  }

  /** @internal ConnectGate: our turn to connect. */
  granted(): void {
    this.startAttempt()
  }

  /** Open the connection (TCP, link, TLS) to the campaign's current target. */
  private startAttempt(): void {
    const campaign = this.campaign
    if (campaign === null || this.currentState !== 'connecting') {
      if (this.env.connectGate !== undefined) this.env.connectGate.release()
      return
    }
    this.holdsSlot = this.env.connectGate !== undefined
    const fw = this.config.firmware
    const target = currentTarget(campaign)
    this.counters.attempts++
    this.attemptStartedAt = this.env.wheel.now()
    this.arm('connect-timeout', fw.handshakeTimeoutMs)
    const pending = openTransport({
      target,
      localAddress: this.config.localAddress,
      tls: this.env.tls,
      requireNsCertType: fw.requireNsCertType,
      tlsCeiling: fw.tlsCeiling,
      link: this.config.link,
      linkWheel: this.env.linkWheel,
    })
    this.pending = pending
    pending.settle(
      () => this.established(pending.transport, pending.raw),
      (error) => this.attemptFailed(classifyConnectError(error), error.message),
    )
  }

  private established(transport: PendingTransport['transport'], raw: PendingTransport['raw']): void {
    this.pending = null
    if (this.currentState !== 'connecting') {
      transport.destroy()
      this.releaseSlot()
      return
    }
    this.setState('handshaking')
    const policy = (this.campaign as Campaign).policy
    const fw = this.config.firmware
    const elapsed = this.env.wheel.now() - this.attemptStartedAt
    this.cancelTimer()
    const connection = new ApfConnection({
      transport,
      rawSocket: raw,
      session: sessionConfigFor(this.config, TRIGGER_OF[policy], this.env.services),
      services: this.env.services,
      wheel: this.env.wheel,
      counters: this.counters,
      random: this.random,
      logger: this.env.logger,
      hooks: this,
      handshakeTimeoutMs: Math.max(1, fw.handshakeTimeoutMs - elapsed),
    })
    this.connection = connection
    if (this.splitUntil > this.env.wheel.now()) connection.splitWrites(this.splitUntil - this.env.wheel.now())
    connection.start()
  }

  private releaseSlot(): void {
    if (!this.holdsSlot) return
    this.holdsSlot = false
    this.env.connectGate?.release()
  }

  /** @internal ConnectionHooks: the tunnel is up. */
  tunnelReady(connection: ApfConnection): void {
    if (connection !== this.connection) return
    this.releaseSlot()
    this.counters.connects++
    this.tunnelPolicy = this.campaign?.policy ?? 'periodic'
    this.campaign = null
    this.setState('connected')
    this.env.onConnected?.(this, this.env.wheel.now() - this.attemptStartedAt)
    this.emit('connected')
    if (this.stormRemaining > 0) {
      this.stormRemaining--
      connection.shutdown('fault')
      return
    }
    this.storming = false
    const lifetime = this.config.policies.tunnelLifetimeMs[this.tunnelPolicy]
    if (lifetime > 0) this.arm('lifetime', lifetime)
  }

  /** @internal ConnectionHooks: the tunnel (or its handshake) ended. */
  tunnelClosed(connection: ApfConnection, outcome: ConnectionOutcome): void {
    if (connection !== this.connection) return
    this.connection = null
    if (!outcome.wasReady) {
      this.attemptFailed(outcome.reason as FailureReason, outcome.detail)
      return
    }
    const reason = outcome.reason as DisconnectReason
    this.counters.disconnects++
    bump(this.counters, 'disconnectReasons', reason)
    this.emit('disconnected', reason)
    this.cancelTimer()
    if (this.currentState === 'stopped') return this.resolveStop()
    if (reason === 'tunnel-lifetime') return this.goIdle()
    // A lost tunnel is called back at once on the policy that built it; storms skip the delay.
    this.campaign = startCampaign(this.tunnelPolicy ?? 'periodic', this.config.gateways)
    if (reason === 'fault' && this.storming) return this.attempt()
    this.setState('waiting')
    this.arm('attempt', this.config.reconnect.retryDelayMs)
  }

  private attemptFailed(reason: FailureReason, detail: string): void {
    this.releaseSlot()
    this.pending = null
    this.connection = null
    this.cancelTimer()
    if (this.currentState === 'stopped') return this.resolveStop()
    this.env.logger.debug({ deviceId: this.identity.uuid, reason, detail }, 'connect attempt failed')
    this.fail(reason)
    const campaign = this.campaign
    if (campaign === null) return this.goIdle()
    const step = afterFailure(campaign, this.env.wheel.now(), this.config.reconnect)
    if (step.action === 'give-up') {
      this.counters.gaveUp++
      this.campaign = null
      this.setState('gave-up')
      return
    }
    this.campaign = step.campaign
    this.setState('waiting')
    this.arm('attempt', step.delayMs)
  }

  private goIdle(): void {
    this.setState('idle')
    const interval = this.config.policies.periodicIntervalMs
    if (interval !== null) this.arm('periodic', interval)
  }

  /** The device's one wheel entry fired. */
  onTimer(): void {
    switch (this.timerPurpose) {
      case 'attempt':
        return this.attempt()
      case 'periodic':
        this.trigger('periodic')
        return
      case 'lifetime':
        this.connection?.shutdown('tunnel-lifetime')
        return
      case 'connect-timeout':
        if (this.currentState === 'connecting') this.pending?.transport.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }))
        return
    }
  }

  private arm(purpose: TimerPurpose, delayMs: number): void {
    this.timerPurpose = purpose
    if (this.timer === null) this.timer = this.env.wheel.schedule<SimulatedDevice>(delayMs, onDeviceTimer, this)
    else this.env.wheel.reschedule(this.timer, delayMs)
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.env.wheel.cancel(this.timer)
  }

  private fail(reason: FailureReason): void {
    bump(this.counters, 'failures', reason)
    this.emit('failure', reason)
  }

  private countFault(kind: FaultKind): boolean {
    bump(this.counters, 'faults', kind)
    return true
  }

  private resolveStop(): void {
    const waiters = this.stopWaiters
    this.stopWaiters = []
    for (const resolve of waiters) resolve()
  }

  private setState(state: DeviceState): void {
    const from = this.currentState
    if (state === from) return
    this.currentState = state
    this.env.onStateChange?.(this, from, state)
    this.emit('state', state)
  }
}

function onDeviceTimer(device: SimulatedDevice): void {
  device.onTimer()
}
