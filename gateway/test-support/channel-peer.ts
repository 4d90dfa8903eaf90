/**
 * The device end of one channel in a test: sends `payload` to the gateway within the window the
 * gateway advertised, receives the gateway's data checking it never exceeds the device's
 * window, and returns credit with one WINDOW_ADJUST per CHANNEL_DATA (as GoAPF does).
 */

import { createHash } from 'node:crypto'
import { MessageType as M } from '../../protocol/apf/index.js'
import type { TestDevice } from './apf-device.js'

export interface PeerOptions {
  readonly device: TestDevice
  readonly gatewayChannel: number
  readonly gatewayWindow: number
  readonly deviceWindow: number
  /** Bytes the device sends to the console. */
  readonly payload: Buffer
  /** Bytes the device expects from the console. */
  readonly expectBytes: number
  readonly chunkSize?: number
  readonly timeoutMs?: number
}

export interface PeerResult {
  readonly receivedSha256: string
  readonly receivedBytes: number
  readonly largestData: number
  readonly windowViolations: number
}

export async function runChannelPeer(o: PeerOptions): Promise<PeerResult> {
  const hash = createHash('sha256')
  let sendCredit = o.gatewayWindow
  let offset = 0
  let received = 0
  let deviceWindowLeft = o.deviceWindow
  let largestData = 0
  let windowViolations = 0
  const chunk = o.chunkSize ?? 4096
  while (received < o.expectBytes || offset < o.payload.length) {
    while (offset < o.payload.length && sendCredit > 0) {
      const n = Math.min(sendCredit, chunk, o.payload.length - offset)
      o.device.send({ type: M.CHANNEL_DATA, recipientChannel: o.gatewayChannel, data: o.payload.subarray(offset, offset + n) })
      sendCredit -= n
      offset += n
    }
    const m = await o.device.next(undefined, o.timeoutMs ?? 10_000)
    if (m.type === M.CHANNEL_DATA) {
      if (m.data.length > deviceWindowLeft) windowViolations++
      deviceWindowLeft -= m.data.length
      largestData = Math.max(largestData, m.data.length)
      hash.update(m.data)
      received += m.data.length
      o.device.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: o.gatewayChannel, bytesToAdd: m.data.length })
      deviceWindowLeft += m.data.length
    } else if (m.type === M.CHANNEL_WINDOW_ADJUST) {
      sendCredit += m.bytesToAdd
    } else if (m.type === M.CHANNEL_CLOSE) {
      throw new Error('gateway closed the channel before the transfer finished')
    }
  }
  return { receivedSha256: hash.digest('hex'), receivedBytes: received, largestData, windowViolations }
}
