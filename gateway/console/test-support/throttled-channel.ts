/**
 * A channel Duplex over a real TCP socket that behaves like an APF channel with a tiny window:
 * at most `window` bytes are buffered each way, writes are passed on in window-sized pieces
 * with a turn of the event loop between them (credit coming back slowly), and reads stop
 * pulling from the socket while `window` bytes are unread. Backpressure therefore reaches the
 * console socket exactly as it would through a device with a 499-byte window.
 */

import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'

export class ThrottledChannel extends Duplex {
  private readonly inner: Socket
  private readonly window: number
  private held: Buffer | null = null
  /** Most bytes ever buffered in this wrapper (both directions): the test's bound check. */
  maxBuffered = 0

  constructor(inner: Socket, window: number) {
    super({ allowHalfOpen: true, readableHighWaterMark: window, writableHighWaterMark: window })
    this.inner = inner
    this.window = window
    inner.on('data', (chunk: Buffer) => this.deliver(chunk))
    inner.on('end', () => this.push(null))
    inner.on('error', (error) => this.destroy(error))
    inner.on('close', () => {
      if (!this.destroyed && !this.readableEnded) this.destroy()
    })
  }

  private deliver(chunk: Buffer): void {
    let offset = 0
    while (offset < chunk.length) {
      const piece = chunk.subarray(offset, offset + this.window)
      offset += piece.length
      const more = this.push(piece)
      this.maxBuffered = Math.max(this.maxBuffered, this.readableLength + this.writableLength)
      if (!more) break
    }
    if (offset < chunk.length) {
      this.held = chunk.subarray(offset)
      this.inner.pause()
    }
  }

  override _read(): void {
    // Credit returns on the next turn, never synchronously: the reader has to keep up.
    setImmediate(() => {
      const held = this.held
      this.held = null
      if (held !== null) this.deliver(held)
      if (this.held === null && !this.inner.destroyed) this.inner.resume()
    })
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.readableLength + this.writableLength)
    let offset = 0
    const next = (): void => {
      if (offset >= chunk.length) return callback()
      if (this.inner.destroyed) return callback(new Error('device connection closed'))
      const piece = chunk.subarray(offset, offset + this.window)
      offset += piece.length
      if (this.inner.write(piece)) setImmediate(next)
      else this.inner.once('drain', next)
    }
    next()
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy()
    callback(error)
  }
}
