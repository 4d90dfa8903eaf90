/**
 * IDE redirection on the simulated device (redirection-wsman.md §2.5): 0x40 → 0x41, feature
 * requests (0x48 → 0x49), heartbeats (0x4B) at the interval the console asked for, keepalive
 * pongs, and a host that boots from the console's virtual CD (IderBoot) once IDE-R is enabled:
 * at once with start mode "now", or at the host's next power-on or reset when the boot
 * settings say UseIDER. 0x42 → 0x43 ends the session.
 *
 * Device → console sequence numbers run 0, 1, 2, … from the 0x41 (consoles stop on a gap).
 */

import {
  ATA_PACKET_COMMAND,
  IderDrive,
  IderFeature,
  IderFeatureType,
  INTEL_IANA,
  type IderDataToHost,
  type IderRegisterMessage,
  type RedirectionMessage,
  type StartIder,
} from '../../../protocol/redirection/index.js'
import type { DeviceLink, SessionHandler } from './connection.js'
import { IderBoot, type BootOutcome } from './ider-boot.js'

/** The device's IDE-R buffers: the most consoles accept (they reject more than 8192). */
export const IDER_BUFFER_SIZE = 0x2000
const MIN_HEARTBEAT_MS = 1000

type WithoutSeq<T> = T extends unknown ? Omit<T, 'seq' | 'attributes'> : never

export class IderHandler implements SessionHandler {
  private readonly link: DeviceLink
  private seq = 0
  private opened = false
  private enabled = false
  private startMode = 0
  private boot: IderBoot | null = null
  /** How the last boot ended. */
  lastOutcome: BootOutcome | null = null
  private readonly onPower = (state: number): void => this.powerChanged(state)

  constructor(link: DeviceLink) {
    this.link = link
    link.ctx.host.on('power', this.onPower)
  }

  onMessage(m: RedirectionMessage): void {
    switch (m.type) {
      case 'START_IDER':
        this.open(m)
        return
      case 'IDER_DISABLE_ENABLE_FEATURES':
        this.features(m.featureType, m.value)
        return
      case 'IDER_KEEPALIVE_PING':
        this.send({ type: 'IDER_KEEPALIVE_PONG' })
        return
      case 'IDER_COMMAND_END_RESPONSE':
      case 'IDER_DATA_TO_HOST':
        this.response(m)
        return
      case 'IDER_KEEPALIVE_PONG':
      case 'IDER_RESET_OCCURRED_RESPONSE':
      case 'IDER_GET_DATA_FROM_HOST': // the simulated host never writes, so there is nothing to send
        return
      case 'END_IDER':
        this.send({ type: 'END_IDER_REPLY' })
        this.link.finish()
        return
      default:
        this.link.finish()
    }
  }

  onRaw(): void {
    this.link.finish()
  }

  dispose(): void {
    this.link.ctx.host.off('power', this.onPower)
    this.boot = null
  }

  private send(m: WithoutSeq<RedirectionMessage>): boolean {
    return this.link.send({ ...m, seq: this.seq++ >>> 0, attributes: 0 } as RedirectionMessage)
  }

  private open(m: StartIder): void {
    if (this.opened) return
    this.opened = true
    const { firmwareMajor, firmwareMinor } = firmwareOf(this.link.ctx.host.identity.amtVersion)
    this.seq = 0
    this.send({
      type: 'START_IDER_REPLY',
      majorVersion: 1,
      minorVersion: 0,
      firmwareMajor,
      firmwareMinor,
      // [inferred] bytes of unknown meaning, as the captured reply has them.
      reserved12: 0x0102,
      readBufferSize: IDER_BUFFER_SIZE,
      writeBufferSize: IDER_BUFFER_SIZE,
      reserved20: 0x0c,
      features: 0,
      reserved22: 0,
      oemIana: INTEL_IANA,
      oem: Buffer.alloc(0),
    })
    if (m.heartbeatInterval > 0) {
      this.link.every(Math.max(MIN_HEARTBEAT_MS, m.heartbeatInterval), () => this.send({ type: 'IDER_HEARTBEAT' }))
    }
  }

  private features(featureType: number, value: number | null): void {
    switch (featureType) {
      case IderFeatureType.GET_SUPPORTED:
        this.send({ type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY', featureType, value: 1 })
        return
      case IderFeatureType.GET_REGISTER_STATE:
        this.send({ type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY', featureType, value: this.enabled ? 0x02 : 0 })
        return
      default: {
        const v = value ?? 0
        this.enabled = (v & IderFeature.ENABLE) !== 0
        this.startMode = v & IderFeature.START_MODE_MASK
        this.send({ type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY', featureType, value: 1 })
        if (this.enabled && this.startMode === IderFeature.START_NOW) this.startBoot()
      }
    }
  }

  private powerChanged(state: number): void {
    // On reboot / graceful: the BIOS reads the virtual CD when the host comes up set to boot from it.
    if (state !== 2 || !this.enabled || this.startMode === IderFeature.START_NOW) return
    if (!this.link.ctx.host.boot.useIder) return
    this.startBoot()
  }

  private startBoot(): void {
    if (this.boot?.busy === true || this.link.closed) return
    this.boot = new IderBoot({ expected: this.link.ctx.options.iderExpectedImage })
    this.issue(this.boot.start())
  }

  private issue(cdb: Buffer): void {
    this.send({
      type: 'IDER_COMMAND_WRITTEN',
      cableSelect: 0,
      feature: 0, // PIO
      sectorCount: 0,
      sectorNumber: 0,
      byteCount: IDER_BUFFER_SIZE,
      driveSelect: IderDrive.CD,
      command: ATA_PACKET_COMMAND,
      cdb,
    })
  }

  private response(m: IderRegisterMessage | IderDataToHost): void {
    if (this.boot === null) return
    const step = this.boot.onResponse(m)
    const { counters } = this.link.ctx
    counters.iderBytesRead += step.bytesRead
    if (step.command !== null) this.issue(step.command)
    if (step.outcome !== null) this.record(step.outcome)
  }

  private record(outcome: BootOutcome): void {
    const { counters } = this.link.ctx
    if (outcome.kind === 'verified') counters.iderImagesVerified++
    else if (outcome.kind === 'mismatch' || outcome.kind === 'failed') counters.iderIntegrityFailures++
    this.lastOutcome = outcome
  }
}

function firmwareOf(amtVersion: string): { firmwareMajor: number; firmwareMinor: number } {
  const [major, minor] = amtVersion.split('.').map((part) => Number.parseInt(part, 10))
  return { firmwareMajor: (major ?? 0) & 0xff, firmwareMinor: (minor ?? 0) & 0xff }
}
