/**
 * One APF channel as a Duplex, with window credit both ways (protocol/apf/flow.ts):
 *
 * - console -> device: a write is sent only as far as the device's window allows; the rest, and
 *   its callback, wait for CHANNEL_WINDOW_ADJUST (or for the device socket to drain). So at most
 *   one chunk per channel waits here and `write()` returns false to the console: backpressure
 *   reaches the console socket instead of a queue.
 * - device -> console: data counts against our advertised window on arrival (a device past it
 *   is a protocol error), is pushed to the reader, and credit goes back in one WINDOW_ADJUST
 *   once the reader has drained half the window. Memory per channel is bounded by the windows.
 *
 * Exactly one CHANNEL_CLOSE is sent per channel, whoever closes first (mps#741).
 */

import { Duplex } from 'node:stream'
import { MessageType as M, ReceiveWindow, SendWindow, type ApfMessage } from '../../protocol/apf/index.js'
import { ChannelOpenError } from '../console/directory.js'

/** What a channel needs from its connection. */
export interface ChannelLink {
  /** Write CHANNEL_DATA header + payload without copying. False when the device socket is congested. */
  sendData(recipientChannel: number, payload: Buffer): boolean
  sendMessage(message: ApfMessage): void
  /** Call `channel.resumeSending()` once the device socket drains. */
  waitForDrain(channel: Channel): void
  /** Both CLOSEs are done (or the channel never opened): forget it. */
  release(channel: Channel): void
}

export type ChannelPhase = 'opening' | 'open' | 'closed'

interface PendingWrite {
  readonly chunk: Buffer
  offset: number
  readonly callback: (error?: Error | null) => void
}

export interface ChannelOpenWaiter {
  resolve(channel: Channel): void
  reject(error: ChannelOpenError): void
}

export class Channel extends Duplex {
  readonly localId: number
  readonly port: number
  private readonly link: ChannelLink
  private readonly receiveWindow: ReceiveWindow
  private sendWindow: SendWindow | null = null
  remoteId = -1
  phase: ChannelPhase = 'opening'
  private closeSent = false
  private closeReceived = false
  private pending: PendingWrite | null = null
  private pushedBytes = 0
  private creditedBytes = 0
  /** Set while opening; cleared once the device answers. */
  waiter: ChannelOpenWaiter | null = null
  bytesToDevice = 0
  bytesFromDevice = 0

  constructor(link: ChannelLink, localId: number, port: number, windowSize: number) {
    super({ allowHalfOpen: true, decodeStrings: true })
    this.link = link
    this.localId = localId
    this.port = port
    this.receiveWindow = new ReceiveWindow(windowSize)
  }

  get windowSize(): number {
    return this.receiveWindow.size
  }

  /** The device confirmed (or we confirmed a device-originated open): data may flow. */
  opened(remoteId: number, deviceWindow: number): void {
    this.remoteId = remoteId
    this.sendWindow = new SendWindow(deviceWindow)
    if (this.destroyed || this.phase === 'closed') {
      // Abandoned while opening (console gone, open timed out): close it at once.
      this.phase = 'open'
      this.sendClose()
      return
    }
    this.phase = 'open'
    const waiter = this.waiter
    this.waiter = null
    waiter?.resolve(this)
  }

  /** The device refused the open. */
  refused(reasonCode: number): void {
    this.phase = 'closed'
    this.closeReceived = true
    this.closeSent = true
    const waiter = this.waiter
    this.waiter = null
    waiter?.reject(new ChannelOpenError('refused', `device refused the channel to port ${this.port} (reason ${reasonCode})`, reasonCode))
    this.link.release(this)
    this.destroy()
  }

  /** Opening failed on our side (timeout, session ended). */
  failOpen(error: ChannelOpenError): void {
    const waiter = this.waiter
    this.waiter = null
    waiter?.reject(error)
    this.destroy()
  }

  /** CHANNEL_DATA from the device. False when it broke our window (a protocol error). */
  receiveData(data: Buffer): boolean {
    if (!this.receiveWindow.receive(data.length)) return false
    this.bytesFromDevice += data.length
    if (this.readableEnded || this.destroyed) {
      // Nobody will read it: give the credit straight back so a closing channel cannot stall.
      this.creditBack(data.length)
      return true
    }
    this.pushedBytes += data.length
    this.push(data)
    return true
  }

  /** CHANNEL_WINDOW_ADJUST. False when the window would pass 2^32-1. */
  addCredit(bytesToAdd: number): boolean {
    if (this.sendWindow === null || !this.sendWindow.add(bytesToAdd)) return false
    this.resumeSending()
    return true
  }

  /** CHANNEL_CLOSE from the device. */
  remoteClosed(): void {
    if (this.phase === 'opening' && this.remoteId < 0) {
      this.refused(0)
      return
    }
    this.closeReceived = true
    this.sendClose()
    this.phase = 'closed'
    this.releasePending()
    this.link.release(this)
    if (this.destroyed) return
    if (!this.readableEnded) this.push(null)
    if (this.writableFinished || this.writableEnded) return
    // Nothing more can reach the device: finish the writable side so the stream can end.
    this.end()
  }

  /** The session is gone: fail everything now. */
  sessionEnded(): void {
    this.closeSent = true
    this.closeReceived = true
    if (this.phase === 'opening') this.failOpen(new ChannelOpenError('disconnected', `device disconnected before the channel to port ${this.port} opened`))
    this.phase = 'closed'
    this.releasePending()
    this.destroy()
  }

  resumeSending(): void {
    const pending = this.pending
    if (pending === null) return
    if (this.closeSent || this.sendWindow === null) {
      this.releasePending()
      return
    }
    while (pending.offset < pending.chunk.length) {
      const n = this.sendWindow.take(pending.chunk.length - pending.offset)
      if (n === 0) return
      const piece = pending.chunk.subarray(pending.offset, pending.offset + n)
      pending.offset += n
      this.bytesToDevice += n
      if (!this.link.sendData(this.remoteId, piece)) {
        this.link.waitForDrain(this)
        if (pending.offset < pending.chunk.length) return
        // All sent, but the socket is full: hold the callback until it drains.
        this.pending = { chunk: EMPTY, offset: 0, callback: pending.callback }
        return
      }
    }
    this.pending = null
    pending.callback()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.closeSent || this.phase !== 'open') {
      // The device side is closed: the bytes have nowhere to go.
      callback()
      return
    }
    this.pending = { chunk, offset: 0, callback }
    this.resumeSending()
  }

  override _final(callback: (error?: Error | null) => void): void {
    // APF has no half-close: ending the console side closes the channel (directory.ts contract).
    this.sendClose()
    callback()
  }

  override _read(): void {
    this.returnCredit()
  }

  /**
   * Credit goes back for what left our buffer. `_read` alone is not enough: Node calls it before
   * taking the chunk out, and not again until the next push, so a reader draining the last
   * buffered chunk would never return its credit. Checking after every read() covers both.
   */
  override read(size?: number): unknown {
    const chunk: unknown = super.read(size)
    this.returnCredit()
    return chunk
  }

  private returnCredit(): void {
    const delivered = this.pushedBytes - this.readableLength
    const fresh = delivered - this.creditedBytes
    if (fresh <= 0) return
    this.creditedBytes = delivered
    this.creditBack(fresh)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.phase === 'opening') {
      this.phase = 'closed'
      const waiter = this.waiter
      this.waiter = null
      waiter?.reject(new ChannelOpenError('disconnected', `channel to port ${this.port} was abandoned while opening`))
    } else {
      this.sendClose()
      this.phase = 'closed'
    }
    this.releasePending()
    if (this.closeReceived) this.link.release(this)
    callback(error)
  }

  private creditBack(length: number): void {
    const bytesToAdd = this.receiveWindow.consumed(length)
    if (bytesToAdd > 0 && !this.closeSent && this.remoteId >= 0) {
      this.link.sendMessage({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: this.remoteId, bytesToAdd })
    }
  }

  private sendClose(): void {
    if (this.closeSent || this.remoteId < 0) return
    this.closeSent = true
    this.link.sendMessage({ type: M.CHANNEL_CLOSE, recipientChannel: this.remoteId })
  }

  private releasePending(): void {
    const pending = this.pending
    this.pending = null
    pending?.callback()
  }
}

const EMPTY = Buffer.alloc(0)
