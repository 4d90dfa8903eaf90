/**
 * The simulated machine behind the firmware: power, user consent, boot settings and the text
 * on its screen. WS-MAN changes it (power actions, OptIn, boot to IDE-R); the redirection
 * services read it (SOL power bit, consent before a session, the IDE-R boot). No I/O; time
 * comes from the injected clock so timeouts are testable.
 */

import { EventEmitter } from 'node:events'
import type { DeviceIdentity } from '../identity.js'

export type RedirectionKind = 'sol' | 'ider' | 'kvm'

/** IPS_OptInService.OptInState. */
export const OptInState = { NOT_STARTED: 0, REQUESTED: 1, DISPLAYED: 2, RECEIVED: 3, IN_SESSION: 4 } as const

/** ReturnValue of StartOptIn / CancelOptIn / SendOptInCode (go-wsman-messages, TWM). */
export const OptInReturn = { SUCCESS: 0, INTERNAL_ERROR: 1, INVALID_STATE: 2, BLOCKED: 3, FAILED_FFS: 4 } as const

/** Timeouts of IPS_OptInService as captured: OptInCodeTimeout 120 s, OptInDisplayTimeout 300 s. */
export const OPT_IN_CODE_TIMEOUT_SECONDS = 120
export const OPT_IN_DISPLAY_TIMEOUT_SECONDS = 300

export interface BootSettings {
  useIder: boolean
  /** 0 floppy, 1 CD. */
  iderBootDevice: number
  useSol: boolean
  biosSetup: boolean
  biosPause: boolean
}

/**
 * Firmware switches WS-MAN turns on and off and the redirection service reads:
 * AMT_RedirectionService.ListenerEnabled (the 16994 listener) and EnabledState (SOL, IDE-R),
 * CIM_KVMRedirectionSAP.EnabledState (KVM). All on by default, as after Open AMT activation.
 */
export interface RedirectionFeatures {
  listenerEnabled: boolean
  solEnabled: boolean
  iderEnabled: boolean
  kvmEnabled: boolean
}

/**
 * A typed slot for state a service keeps per device across channels (WS-MAN nonces and
 * enumeration contexts, say). The key's type parameter ties the slot to what `create` makes.
 */
export class ServiceStateKey<T> {
  declare private readonly brand: T
  constructor(readonly name: string) {}
}

export interface HostOptions {
  readonly now?: () => number
  /** Source of randomness for consent codes; seeded per device by the fleet. */
  readonly random?: () => number
}

export interface HostEvents {
  power: [state: number]
  consent: [state: number]
  screen: [lines: readonly string[]]
}

export class SimulatedHost extends EventEmitter<HostEvents> {
  readonly identity: DeviceIdentity
  private readonly now: () => number
  private readonly random: () => number
  private power: number
  private optInState: number = OptInState.NOT_STARTED
  private optInCode: string | null = null
  private codeDeadline = 0
  private displayDeadline = 0
  private readonly activeSessions = new Set<RedirectionKind>()
  private screenLines: string[] = []
  readonly boot: BootSettings = { useIder: false, iderBootDevice: 1, useSol: false, biosSetup: false, biosPause: false }
  readonly features: RedirectionFeatures = { listenerEnabled: true, solEnabled: true, iderEnabled: true, kvmEnabled: true }
  /**
   * CIM_BootConfigSetting.ChangeBootOrder: InstanceID of the chosen CIM_BootSourceSetting
   * ('' when cleared), and whether CIM_BootService.SetBootConfigRole made it the next boot.
   */
  bootSource = ''
  bootConfigIsNext = false
  private services: Map<ServiceStateKey<unknown>, unknown> | null = null

  constructor(identity: DeviceIdentity, options: HostOptions = {}) {
    super()
    this.identity = identity
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.power = identity.initialPowerState
  }

  get powerState(): number {
    return this.power
  }

  get isPoweredOn(): boolean {
    return this.power === 2
  }

  /** CIM RequestPowerStateChange: 2 on, 8 off, 5 cycle, 10 reset, 12/13 graceful off, 14 graceful reset. */
  requestPowerState(state: number): number {
    const on = this.power === 2
    switch (state) {
      case 2:
        if (on) return 4097 // Invalid State Transition (CIM)
        this.setPower(2)
        return 0
      case 8:
      case 6:
      case 12:
      case 13:
        if (!on) return 4097
        this.setPower(8)
        return 0
      case 5:
      case 9:
      case 10:
      case 14:
        // Cycle and reset leave the machine on.
        this.setPower(2)
        return 0
      case 4:
      case 7:
        if (!on) return 4097
        this.setPower(state)
        return 0
      default:
        return 1 // Not Supported
    }
  }

  private setPower(state: number): void {
    this.power = state
    this.emit('power', state)
  }

  /** OptInState, after applying the code and display timeouts. */
  get consentState(): number {
    this.expireConsent()
    return this.optInState
  }

  /** The 6-digit code on the simulated screen while consent is being asked for. */
  get displayedCode(): string | null {
    this.expireConsent()
    return this.optInState === OptInState.DISPLAYED ? this.optInCode : null
  }

  get screen(): readonly string[] {
    return this.screenLines
  }

  startOptIn(): number {
    this.expireConsent()
    if (this.optInState !== OptInState.NOT_STARTED) return OptInReturn.INVALID_STATE
    this.optInCode = String(Math.floor(this.random() * 1_000_000)).padStart(6, '0')
    const t = this.now()
    this.codeDeadline = t + OPT_IN_CODE_TIMEOUT_SECONDS * 1000
    this.displayDeadline = t + OPT_IN_DISPLAY_TIMEOUT_SECONDS * 1000
    this.setConsent(OptInState.DISPLAYED)
    this.setScreen([`Intel(R) AMT user consent code: ${this.optInCode}`])
    return OptInReturn.SUCCESS
  }

  sendOptInCode(code: string | number): number {
    this.expireConsent()
    if (this.optInState !== OptInState.DISPLAYED && this.optInState !== OptInState.REQUESTED) return OptInReturn.INVALID_STATE
    if (String(code).padStart(6, '0') !== this.optInCode) return OptInReturn.BLOCKED
    this.optInCode = null
    this.setConsent(OptInState.RECEIVED)
    this.setScreen([])
    return OptInReturn.SUCCESS
  }

  cancelOptIn(): number {
    this.expireConsent()
    if (this.optInState === OptInState.IN_SESSION) return OptInReturn.INVALID_STATE
    this.optInCode = null
    this.setConsent(OptInState.NOT_STARTED)
    this.setScreen([])
    return OptInReturn.SUCCESS
  }

  /** Whether a redirection session of this kind must wait for consent under the device policy. */
  consentRequiredFor(kind: RedirectionKind): boolean {
    const policy = this.identity.consentPolicy
    if (policy === 0) return false
    if (policy === 1) return kind === 'kvm'
    return true
  }

  /** May a session of this kind start now? (Consent given, or not needed.) */
  mayStartRedirection(kind: RedirectionKind): boolean {
    if (!this.consentRequiredFor(kind)) return true
    const state = this.consentState
    return state === OptInState.RECEIVED || state === OptInState.IN_SESSION
  }

  redirectionStarted(kind: RedirectionKind): void {
    this.activeSessions.add(kind)
    if (this.consentRequiredFor(kind) && this.optInState === OptInState.RECEIVED) this.setConsent(OptInState.IN_SESSION)
  }

  redirectionEnded(kind: RedirectionKind): void {
    this.activeSessions.delete(kind)
    if (this.activeSessions.size === 0 && this.optInState === OptInState.IN_SESSION) this.setConsent(OptInState.NOT_STARTED)
  }

  get activeRedirections(): ReadonlySet<RedirectionKind> {
    return this.activeSessions
  }

  /** The state `key` names, made by `create` on first use (idle devices pay nothing). */
  serviceState<T>(key: ServiceStateKey<T>, create: () => T): T {
    this.services ??= new Map()
    if (!this.services.has(key)) this.services.set(key, create())
    // Sound: a key of type ServiceStateKey<T> is only ever stored with a value create() made.
    return this.services.get(key) as T
  }

  setScreen(lines: readonly string[]): void {
    this.screenLines = [...lines]
    this.emit('screen', this.screenLines)
  }

  private setConsent(state: number): void {
    if (state === this.optInState) return
    this.optInState = state
    this.emit('consent', state)
  }

  private expireConsent(): void {
    const t = this.now()
    if (this.optInState === OptInState.DISPLAYED && (t > this.codeDeadline || t > this.displayDeadline)) {
      this.optInCode = null
      this.setConsent(OptInState.NOT_STARTED)
      this.setScreen([])
    }
  }
}
