/**
 * One APF channel on the device, handed to a service as a Duplex.
 *
 * Outgoing: the service's writes go out as CHANNEL_DATA only as far as the gateway's window
 * allows; the rest of a chunk waits (the write callback is held), so Writable buffering turns
 * into `write() === false` and 'drain' exactly as credit runs out and returns. Sending also stops
 * while the transport socket is congested, until the connection calls `resumeTransport()`.
 *
 * Incoming: data counts against the window we offered; it is queued here and handed to the
 * Readable only when the service asks for more (`_read`), and credit goes back to the gateway
 * (batched WINDOW_ADJUST, protocol/apf/flow.ts) only for bytes the service has consumed. With a
 * Readable high-water mark of one byte, `_read` means "everything pushed so far was read".
 *
 * Closing: exactly one CHANNEL_CLOSE leaves per channel (mps#741: AMT reuses ids at once, so a
 * second CLOSE could hit the next channel). The gateway's CLOSE is answered once; the id is
 * released when both sides have sent theirs.
 */

import { Duplex } from 'node:stream'
import { ReceiveWindow, SendWindow } from '../../protocol/apf/index.js'

/** What a channel needs from its connection. */
export interface ChannelWire {
  /** Write one CHANNEL_DATA; false when the transport is congested (wait for resumeTransport). */
  sendData(remoteId: number, data: Buffer): boolean
  sendWindowAdjust(remoteId: number, bytesToAdd: number): void
  sendClose(remoteId: number): void
  /** Both CLOSEs are out: the id may be reused. */
  release(localId: number): void
}

export interface ChannelOptions {
  readonly localId: number
  readonly remoteId: number
  readonly port: number
  /** The gateway's initial window (from its CHANNEL_OPEN). */
  readonly remoteWindow: number
  /** The window we offered in CHANNEL_OPEN_CONFIRMATION. */
  readonly receiveWindow: number
  /** Largest CHANNEL_DATA payload we send (default 32 KiB). */
  readonly maxDataPerMessage?: number
}

type WriteCallback = (error?: Error | null) => void

export class DeviceChannel extends Duplex {
  readonly localId: number
  readonly remoteId: number
  readonly port: number
  bytesIn = 0
  bytesOut = 0
  private readonly wire: ChannelWire
  private readonly sendWindow: SendWindow
  private readonly receiveWindow: ReceiveWindow
  private readonly maxData: number
  private pending: Buffer | null = null
  private pendingCallback: WriteCallback | null = null
  private transportBlocked = false
  /** Received, not yet handed to the Readable. Bounded by the receive window. */
  private inbox: Buffer[] = []
  private readWanted = false
  private handedOver = 0
  private credited = 0
  private closeSent = false
  private closeReceived = false
  private releasedId = false

  constructor(wire: ChannelWire, options: ChannelOptions) {
    super({
      readableHighWaterMark: 1,
      writableHighWaterMark: Math.max(1, Math.min(options.remoteWindow, 64 * 1024)),
      allowHalfOpen: true,
    })
    this.wire = wire
    this.localId = options.localId
    this.remoteId = options.remoteId
    this.port = options.port
    this.sendWindow = new SendWindow(options.remoteWindow)
    this.receiveWindow = new ReceiveWindow(options.receiveWindow)
    this.maxData = options.maxDataPerMessage ?? 32 * 1024
  }

  /** Credit the gateway still gives us. */
  get sendCredit(): number {
    return this.sendWindow.available
  }

  /** Both CLOSEs have been exchanged. */
  get apfClosed(): boolean {
    return this.closeSent && this.closeReceived
  }

  /** CHANNEL_DATA from the gateway. False when it broke our window (a protocol error). */
  receiveData(data: Buffer): boolean {
    if (this.closeReceived) return true
    if (!this.receiveWindow.receive(data.length)) return false
    if (this.closeSent) return true // we are closing: drop, as the service is gone
    this.bytesIn += data.length
    if (this.readWanted) {
      this.readWanted = false
      this.handOver(data)
    } else {
      this.inbox.push(data)
    }
    return true
  }

  /** CHANNEL_WINDOW_ADJUST from the gateway. False when it overflows 2^32-1. */
  addSendCredit(bytesToAdd: number): boolean {
    if (!this.sendWindow.add(bytesToAdd)) return false
    this.flushPending()
    return true
  }

  /** CHANNEL_CLOSE from the gateway: answer once, end the readable side after what is queued. */
  receiveClose(): void {
    if (this.closeReceived) return
    this.closeReceived = true
    if (!this.closeSent) {
      this.closeSent = true
      this.wire.sendClose(this.remoteId)
    }
    this.dropPendingWrite()
    for (const chunk of this.inbox) this.push(chunk)
    this.inbox = []
    this.push(null)
    if (!this.writableEnded) this.end()
    this.releaseOnce()
  }

  /** The transport socket drained: continue sending. */
  resumeTransport(): void {
    if (!this.transportBlocked) return
    this.transportBlocked = false
    this.flushPending()
  }

  /** The connection is gone: no more wire traffic, fail the stream for the service. */
  abort(error: Error): void {
    this.closeSent = true
    this.closeReceived = true
    this.releasedId = true
    this.dropPendingWrite()
    this.destroy(error)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    if (this.closeSent) {
      callback() // the gateway closed the channel; late writes go nowhere
      return
    }
    this.pending = chunk
    this.pendingCallback = callback
    this.flushPending()
  }

  override _final(callback: WriteCallback): void {
    this.sendCloseOnce()
    callback()
  }

  override _read(): void {
    const consumed = this.handedOver - this.readableLength - this.credited
    if (consumed > 0) this.returnCredit(consumed)
    const next = this.inbox.shift()
    if (next === undefined) this.readWanted = true
    else this.handOver(next)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.dropPendingWrite()
    this.inbox = []
    this.sendCloseOnce()
    callback(error)
  }

  private handOver(chunk: Buffer): void {
    this.handedOver += chunk.length
    this.push(chunk)
  }

  private returnCredit(consumed: number): void {
    this.credited += consumed
    if (this.closeSent) return
    const bytesToAdd = this.receiveWindow.consumed(consumed)
    if (bytesToAdd > 0) this.wire.sendWindowAdjust(this.remoteId, bytesToAdd)
  }

  private flushPending(): void {
    while (this.pending !== null && !this.transportBlocked && !this.closeSent) {
      if (this.pending.length === 0) {
        this.pending = null
        break
      }
      const n = this.sendWindow.take(Math.min(this.pending.length, this.maxData))
      if (n === 0) return // wait for WINDOW_ADJUST
      const piece = this.pending.subarray(0, n)
      this.pending = n === this.pending.length ? null : this.pending.subarray(n)
      this.bytesOut += n
      if (!this.wire.sendData(this.remoteId, piece)) this.transportBlocked = true
    }
    if (this.pending === null && this.pendingCallback !== null) {
      const callback = this.pendingCallback
      this.pendingCallback = null
      callback()
    }
  }

  private dropPendingWrite(): void {
    this.pending = null
    const callback = this.pendingCallback
    this.pendingCallback = null
    callback?.()
  }

  private sendCloseOnce(): void {
    if (this.closeSent) return
    this.closeSent = true
    this.wire.sendClose(this.remoteId)
    this.releaseOnce()
  }

  private releaseOnce(): void {
    if (this.releasedId || !this.closeSent || !this.closeReceived) return
    this.releasedId = true
    this.wire.release(this.localId)
  }
}
