/**
 * One APF channel on the probe device, driven as firmware would: it sends only within the
 * gateway's window, grants its own window with WINDOW_ADJUST on its own schedule, and checks
 * that the gateway never sends past the window the probe granted. Data both ways is hashed.
 */

import { createHash, type Hash } from 'node:crypto'
import { MessageType as M, SendWindow, type ApfMessage } from '../../protocol/apf/index.js'
import type { ProbeDevice } from './probe-device.js'

export interface ChannelIds {
  /** Our id (what the gateway writes as recipientChannel). */
  readonly local: number
  /** The gateway's id (what we write as recipientChannel). */
  readonly remote: number
}

export interface PumpPlan {
  /** Bytes to send to the gateway (device → console). */
  readonly send: Buffer
  /** The gateway's window for us, from CHANNEL_OPEN or the confirmation. */
  readonly sendWindow: number
  /** The window we granted the gateway; it must never be exceeded. */
  readonly receiveWindow: number
  /** Bytes we expect from the gateway before we are done (console → device). */
  readonly expectBytes: number
  /** Send at most this much per CHANNEL_DATA. */
  readonly maxChunk: number
  /** When to return credit: after each message, or once half the window is used. */
  readonly adjust: 'every-message' | 'half-window'
  /** Give up when nothing moves for this long. */
  readonly stallMs: number
  /** Send CHANNEL_CLOSE once everything is sent and received. */
  readonly closeWhenDone: boolean
}

export interface PumpResult {
  readonly sent: number
  readonly received: number
  readonly receivedSha256: string
  readonly sentSha256: string
  /** Most bytes the gateway had in flight against our window (never above receiveWindow if it conforms). */
  readonly peakInFlight: number
  /** Set when the gateway sent past the window we granted. */
  readonly windowViolation: string | null
  readonly closesFromGateway: number
  readonly largestChunk: number
  readonly stalled: string | null
  readonly messages: number
}

export async function pumpChannel(probe: ProbeDevice, ids: ChannelIds, plan: PumpPlan): Promise<PumpResult> {
  return new ChannelPump(probe, ids, plan).run()
}

/** The state of one pumped channel; `run` alternates sending within credit and handling one message. */
class ChannelPump {
  private readonly credit: SendWindow
  private readonly sentHash: Hash
  private readonly receivedHash: Hash = createHash('sha256')
  private sent = 0
  private received = 0
  private inFlight = 0
  private peak = 0
  private unadjusted = 0
  private violationText: string | null = null
  private closes = 0
  private largest = 0
  private messages = 0
  private closeSent = false

  constructor(
    private readonly probe: ProbeDevice,
    private readonly ids: ChannelIds,
    private readonly plan: PumpPlan,
  ) {
    this.credit = new SendWindow(plan.sendWindow)
    this.sentHash = createHash('sha256').update(plan.send)
  }

  async run(): Promise<PumpResult> {
    const plan = this.plan
    for (;;) {
      await this.sendWithinCredit()
      const done = this.sent >= plan.send.length && this.received >= plan.expectBytes
      if (done && plan.closeWhenDone) await this.closeOnce()
      if (done && (!plan.closeWhenDone || this.closes > 0)) return this.result(null)
      const r = await this.probe.next(plan.stallMs)
      if (r === null) {
        const waiting = `with ${this.sent}/${plan.send.length} bytes sent and ${this.received}/${plan.expectBytes} received (gateway window for us: ${this.credit.available})`
        return this.result(`${this.probe.describeSilence(plan.stallMs)} ${waiting}`)
      }
      this.messages++
      const early = await this.handle(r.message)
      if (early !== null) return this.result(early)
    }
  }

  private async sendWithinCredit(): Promise<void> {
    const { send, maxChunk } = this.plan
    while (this.sent < send.length && this.credit.available > 0 && this.probe.closed === null) {
      const n = this.credit.take(Math.min(maxChunk, send.length - this.sent))
      await this.probe.send({ type: M.CHANNEL_DATA, recipientChannel: this.ids.remote, data: send.subarray(this.sent, this.sent + n) })
      this.sent += n
    }
  }

  /** One message from the gateway; a text when the transfer ended early. */
  private async handle(m: ApfMessage): Promise<string | null> {
    if (m.type === M.CHANNEL_WINDOW_ADJUST && m.recipientChannel === this.ids.local) {
      this.credit.add(m.bytesToAdd)
    } else if (m.type === M.CHANNEL_DATA && m.recipientChannel === this.ids.local) {
      await this.onData(m.data)
    } else if (m.type === M.CHANNEL_CLOSE && m.recipientChannel === this.ids.local) {
      this.closes++
      await this.closeOnce()
      if (this.received < this.plan.expectBytes) return `CHANNEL_CLOSE after ${this.received}/${this.plan.expectBytes} bytes`
    }
    return null
  }

  private async onData(data: Buffer): Promise<void> {
    this.received += data.length
    this.largest = Math.max(this.largest, data.length)
    this.receivedHash.update(data)
    this.inFlight += data.length
    this.peak = Math.max(this.peak, this.inFlight)
    if (this.inFlight > this.plan.receiveWindow && this.violationText === null) {
      this.violationText = `${this.inFlight} bytes in flight against a window of ${this.plan.receiveWindow} (message ${this.messages})`
    }
    this.unadjusted += data.length
    if (this.plan.adjust === 'every-message' || this.unadjusted >= this.plan.receiveWindow / 2) {
      await this.probe.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: this.ids.remote, bytesToAdd: this.unadjusted })
      this.inFlight -= this.unadjusted
      this.unadjusted = 0
    }
  }

  private async closeOnce(): Promise<void> {
    if (this.closeSent) return
    this.closeSent = true
    await this.probe.send({ type: M.CHANNEL_CLOSE, recipientChannel: this.ids.remote })
  }

  private result(stalled: string | null): PumpResult {
    return {
      sent: this.sent,
      received: this.received,
      receivedSha256: this.receivedHash.digest('hex'),
      sentSha256: this.sentHash.digest('hex'),
      peakInFlight: this.peak,
      windowViolation: this.violationText,
      closesFromGateway: this.closes,
      largestChunk: this.largest,
      stalled,
      messages: this.messages,
    }
  }
}

/** Deterministic bytes for a transfer (a seeded stream, cheap to hash on both ends). */
export function patternBytes(length: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  let block = createHash('sha256').update(`${seed}`).digest()
  for (let off = 0; off < length; off += block.length) {
    block.copy(out, off, 0, Math.min(block.length, length - off))
    block = createHash('sha256').update(block).digest()
  }
  return out
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}
