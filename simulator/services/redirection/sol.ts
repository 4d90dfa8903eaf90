/**
 * Serial-over-LAN on the simulated device (redirection-wsman.md §2.4): 0x20 → 0x21 and 0x29
 * (with the power bit), keystrokes (0x28) to the host console, host output as 0x2A, keepalive
 * pongs, heartbeats at the requested interval, 0x22 → 0x23 and the end of the session.
 *
 * `stream` mode replaces the console with SolStreamGenerator output at a steady rate, paced
 * by a tick at the console's TxBufferTimeout; it stops when a write returns false and resumes
 * on drain, without catching up (the rate is a ceiling), so memory stays constant.
 */

import {
  SolControl,
  SolStatus,
  SolStreamGenerator,
  type RedirectionMessage,
  type SolMessage,
  type SolParameters,
  type StartSol,
} from '../../../protocol/redirection/index.js'
import type { DeviceLink, SessionHandler } from './connection.js'
import { HostConsole } from './host-console.js'

/** 0x2A payloads when the console asked for MaxTxBuffer 0 (or more than we like to send at once). */
const DEFAULT_TX_BUFFER = 1000
const MAX_TX_BUFFER = 8192
const MIN_TICK_MS = 10
const MAX_TICK_MS = 1000
/** Heartbeats faster than this are not worth simulating. */
const MIN_HEARTBEAT_MS = 500

export class SolHandler implements SessionHandler {
  private readonly link: DeviceLink
  private readonly console: HostConsole
  private seq = 0
  private active = false
  private txBuffer = DEFAULT_TX_BUFFER
  private generator: SolStreamGenerator | null = null
  private cancelTick: (() => void) | null = null
  private budget = 0
  private lastTick = 0
  private tickMs = 100
  private readonly onPower = (state: number): void => this.powerChanged(state)

  constructor(link: DeviceLink) {
    this.link = link
    this.console = new HostConsole(link.ctx.host.identity)
  }

  onMessage(m: RedirectionMessage): void {
    switch (m.type) {
      case 'START_SOL':
        this.start(m)
        return
      case 'SOL_DATA_TO_HOST':
        this.link.ctx.counters.solBytesFromConsole += m.data.length
        if (this.active && this.generator === null && this.link.ctx.host.isPoweredOn) this.output(this.console.input(m.data))
        return
      case 'SOL_KEEPALIVE_PING':
        this.send({ type: 'SOL_KEEPALIVE_PONG', seq: 0 })
        return
      case 'SOL_UNNAMED_27': // sent by MeshCommander/ui-toolkit after 0x21; meaning unknown, accepted
      case 'SOL_HEARTBEAT': // the console's own heartbeat
      case 'SOL_KEEPALIVE_PONG':
        return
      case 'END_SOL':
        this.stop()
        this.send({ type: 'END_SOL_REPLY', seq: 0 })
        this.link.finish()
        return
      default:
        // 0x12, or a device-to-console message sent the wrong way: end the session.
        this.link.finish()
    }
  }

  onRaw(): void {
    this.link.finish()
  }

  dispose(): void {
    this.stop()
  }

  private send(m: SolMessage): boolean {
    return this.link.send({ ...m, seq: this.seq++ >>> 0 })
  }

  private start(m: StartSol): void {
    if (this.active) return
    this.active = true
    const { ctx } = this.link
    this.txBuffer = m.maxTxBuffer === 0 ? DEFAULT_TX_BUFFER : Math.min(m.maxTxBuffer, MAX_TX_BUFFER)
    const echoed: SolParameters = {
      maxTxBuffer: m.maxTxBuffer,
      txBufferTimeout: m.txBufferTimeout,
      txOverflowTimeout: m.txOverflowTimeout,
      hostSessionRxTimeout: m.hostSessionRxTimeout,
      hostFifoRxFlushTimeout: m.hostFifoRxFlushTimeout,
      heartbeatInterval: m.heartbeatInterval,
    }
    this.send({ type: 'START_SOL_REPLY', seq: 0, status: 0, ...echoed })
    this.sendControls()
    ctx.host.on('power', this.onPower)
    if (m.heartbeatInterval > 0) {
      this.link.every(Math.max(MIN_HEARTBEAT_MS, m.heartbeatInterval), () => this.send({ type: 'SOL_HEARTBEAT', seq: 0 }))
    }
    if (ctx.options.solMode === 'stream') {
      this.generator = new SolStreamGenerator()
      this.tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, m.txBufferTimeout || 100))
      this.startTicking()
    } else if (ctx.host.isPoweredOn) {
      this.output(this.console.boot())
    }
  }

  private sendControls(): void {
    const powered = this.link.ctx.host.isPoweredOn
    this.send({ type: 'SOL_CONTROLS_FROM_HOST', seq: 0, control: SolControl.RTS | SolControl.DTR, status: powered ? SolStatus.SYSTEM_POWER_STATE : 0 })
  }

  private powerChanged(state: number): void {
    if (!this.active || this.link.closed) return
    this.sendControls()
    // A machine coming on (or being reset) prints its BIOS screen again.
    if (state === 2 && this.generator === null) this.output(this.console.boot())
  }

  /** Host serial output as 0x2A messages of at most MaxTxBuffer bytes. */
  private output(bytes: Buffer): boolean {
    let ok = true
    for (let at = 0; at < bytes.length; at += this.txBuffer) {
      const data = bytes.subarray(at, at + this.txBuffer)
      this.link.ctx.counters.solBytesToConsole += data.length
      ok = this.send({ type: 'SOL_DATA_FROM_HOST', seq: 0, data })
    }
    return ok
  }

  private startTicking(): void {
    this.lastTick = this.link.ctx.now()
    this.budget = 0
    this.cancelTick = this.link.every(this.tickMs, () => this.tick())
  }

  private tick(): void {
    const generator = this.generator
    if (generator === null) return
    const now = this.link.ctx.now()
    const rate = this.link.ctx.options.solStreamBytesPerSecond
    // Allowance since the last tick, capped at a quarter second's worth so a stall is not caught up in a burst.
    this.budget = Math.min(this.budget + (rate * (now - this.lastTick)) / 1000, Math.max(this.txBuffer, rate / 4))
    this.lastTick = now
    while (this.budget >= 1) {
      const n = Math.min(Math.floor(this.budget), this.txBuffer)
      this.budget -= n
      if (!this.output(generator.read(n))) {
        this.pauseTicking()
        return
      }
    }
  }

  private pauseTicking(): void {
    this.cancelTick?.()
    this.cancelTick = null
    this.link.onDrain(() => {
      if (this.generator !== null && !this.link.closed) this.startTicking()
    })
  }

  private stop(): void {
    this.cancelTick?.()
    this.cancelTick = null
    this.generator = null
    this.link.ctx.host.off('power', this.onPower)
  }
}
