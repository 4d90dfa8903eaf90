/**
 * One APF channel on the probe device, driven as firmware would: it sends only within the
 * gateway's window, grants its own window with WINDOW_ADJUST on its own schedule, and checks
 * that the gateway never sends past the window the probe granted. Data both ways is hashed.
 */

import { createHash, type Hash } from 'node:crypto'
import { MessageType as M, SendWindow } from '../../protocol/apf/index.js'
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
  const credit = new SendWindow(plan.sendWindow)
  const sentHash: Hash = createHash('sha256').update(plan.send)
  const receivedHash: Hash = createHash('sha256')
  let sent = 0
  let received = 0
  let inFlight = 0
  let peak = 0
  let unadjusted = 0
  let violationText: string | null = null
  let closes = 0
  let largest = 0
  let messages = 0
  let closeSent = false
  for (;;) {
    while (sent < plan.send.length && credit.available > 0 && probe.closed === null) {
      const n = credit.take(Math.min(plan.maxChunk, plan.send.length - sent))
      await probe.send({ type: M.CHANNEL_DATA, recipientChannel: ids.remote, data: plan.send.subarray(sent, sent + n) })
      sent += n
    }
    const done = sent >= plan.send.length && received >= plan.expectBytes
    if (done && plan.closeWhenDone && !closeSent) {
      closeSent = true
      await probe.send({ type: M.CHANNEL_CLOSE, recipientChannel: ids.remote })
    }
    if (done && (!plan.closeWhenDone || closes > 0)) break
    const r = await probe.next(plan.stallMs)
    if (r === null) {
      const stalled = `${probe.describeSilence(plan.stallMs)} with ${sent}/${plan.send.length} bytes sent and ${received}/${plan.expectBytes} received (gateway window for us: ${credit.available})`
      return result(stalled)
    }
    messages++
    const m = r.message
    if (m.type === M.CHANNEL_WINDOW_ADJUST && m.recipientChannel === ids.local) {
      credit.add(m.bytesToAdd)
    } else if (m.type === M.CHANNEL_DATA && m.recipientChannel === ids.local) {
      received += m.data.length
      largest = Math.max(largest, m.data.length)
      receivedHash.update(m.data)
      inFlight += m.data.length
      peak = Math.max(peak, inFlight)
      if (inFlight > plan.receiveWindow && violationText === null) {
        violationText = `${inFlight} bytes in flight against a window of ${plan.receiveWindow} (message ${messages})`
      }
      unadjusted += m.data.length
      if (plan.adjust === 'every-message' || unadjusted >= plan.receiveWindow / 2) {
        await probe.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: ids.remote, bytesToAdd: unadjusted })
        inFlight -= unadjusted
        unadjusted = 0
      }
    } else if (m.type === M.CHANNEL_CLOSE && m.recipientChannel === ids.local) {
      closes++
      if (!closeSent) {
        closeSent = true
        await probe.send({ type: M.CHANNEL_CLOSE, recipientChannel: ids.remote })
      }
      if (received < plan.expectBytes) return result(`CHANNEL_CLOSE after ${received}/${plan.expectBytes} bytes`)
    }
  }
  return result(null)

  function result(stalled: string | null): PumpResult {
    return {
      sent,
      received,
      receivedSha256: receivedHash.digest('hex'),
      sentSha256: sentHash.digest('hex'),
      peakInFlight: peak,
      windowViolation: violationText,
      closesFromGateway: closes,
      largestChunk: largest,
      stalled,
      messages,
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
