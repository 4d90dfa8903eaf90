/**
 * A device's WAN link: downlink and uplink bandwidth (token bucket) and round-trip latency (a
 * delay line holding each direction for half the RTT), applied to the device's TCP socket in
 * both directions. It sits under TLS, as a real link does, so TLS records pay for their bytes.
 *
 * Buffering is bounded per direction (`maxQueuedBytes`): uplink writes are acknowledged only
 * while the queue is below the bound (so the writer sees `write() === false`), and the socket
 * stops reading while the downlink queue is over it. Timers come from a shared TimerWheel
 * (fine-grained, one per process), armed only while a direction has bytes in flight.
 *
 * The vendor's WAN figures this exists to reproduce: 240 ms device-to-gateway latency; IDE-R at
 * 2/2 Mbit/s, 768/256 kbit/s and 512/512 kbit/s with 80 ms RTT.
 */

import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'
import type { TimerWheel, WheelEntry } from './wheel.js'

export interface LinkProfile {
  /** Gateway → device bytes per second; 0 = unlimited. */
  readonly downlinkBytesPerSecond: number
  /** Device → gateway bytes per second; 0 = unlimited. */
  readonly uplinkBytesPerSecond: number
  /** Round-trip time added by the link, ms (half each way). */
  readonly rttMs: number
  /** Most bytes held per direction (default 256 KiB). */
  readonly maxQueuedBytes?: number
}

export const UNSHAPED_LINK: LinkProfile = Object.freeze({ downlinkBytesPerSecond: 0, uplinkBytesPerSecond: 0, rttMs: 0 })

export function isShaped(link: LinkProfile): boolean {
  return link.downlinkBytesPerSecond > 0 || link.uplinkBytesPerSecond > 0 || link.rttMs > 0
}

const DEFAULT_MAX_QUEUED = 256 * 1024
/** How much the serializer hands on per wake-up: 5 ms worth, at least 1 KiB. */
const QUANTUM_SECONDS = 0.005

/**
 * One direction: bytes wait in the bucket queue until the link has sent what came before them
 * at `rate`, then in the delay line for `delayMs`, then go to `deliver`; `deliver` returning
 * false stops delivery until `unblock()`.
 *
 * The bucket's credit runs on the link's own clock (`freeAt`: when the bytes sent so far have
 * left at `rate`), not on timer wake-ups: a timer that fires late on a busy machine sends what
 * is owed at once instead of losing it, so a busy link keeps its rate exactly; an idle link
 * saves nothing up (its clock restarts at the next byte).
 */
export class LinkDirection {
  private readonly rate: number
  private readonly delayMs: number
  private readonly quantum: number
  private readonly wheel: TimerWheel
  private readonly deliver: (data: Buffer) => boolean
  private readonly onDrained: () => void
  private readonly bucket: Buffer[] = []
  private bucketHead = 0
  private readonly line: { data: Buffer; due: number }[] = []
  private lineHead = 0
  private freeAt = 0
  private blocked = false
  private entry: WheelEntry<LinkDirection> | null = null
  queuedBytes = 0

  constructor(rate: number, delayMs: number, wheel: TimerWheel, deliver: (data: Buffer) => boolean, onDrained: () => void) {
    this.rate = rate
    this.delayMs = delayMs
    this.quantum = Math.max(1024, rate * QUANTUM_SECONDS)
    this.wheel = wheel
    this.deliver = deliver
    this.onDrained = onDrained
  }

  enqueue(data: Buffer): void {
    if (data.length === 0) return
    const now = this.wheel.now()
    if (this.bucketHead === this.bucket.length && this.freeAt < now) this.freeAt = now
    this.bucket.push(data)
    this.queuedBytes += data.length
    this.service(now)
  }

  unblock(): void {
    if (!this.blocked) return
    this.blocked = false
    this.service()
  }

  stop(): void {
    if (this.entry !== null) this.wheel.cancel(this.entry)
    this.bucket.length = 0
    this.line.length = 0
    this.queuedBytes = 0
  }

  service(now = this.wheel.now()): void {
    this.drainBucket(now)
    this.drainLine(now)
    this.arm(now)
  }

  private drainBucket(now: number): void {
    let budget = this.rate > 0 ? Math.floor(((now - this.freeAt) * this.rate) / 1000) : Number.POSITIVE_INFINITY
    while (this.bucketHead < this.bucket.length && budget > 0) {
      const head = this.bucket[this.bucketHead] as Buffer
      const n = Math.min(budget, head.length)
      budget -= n
      // The piece has left the sender when the link clock says so; it arrives delayMs later.
      let sentAt = now
      if (this.rate > 0) {
        this.freeAt += (n * 1000) / this.rate
        sentAt = this.freeAt
      }
      this.line.push({ data: n === head.length ? head : head.subarray(0, n), due: sentAt + this.delayMs })
      if (n === head.length) this.bucket[this.bucketHead++] = EMPTY
      else this.bucket[this.bucketHead] = head.subarray(n)
    }
    if (this.bucketHead === this.bucket.length) {
      this.bucket.length = 0
      this.bucketHead = 0
    }
  }

  private drainLine(now: number): void {
    let delivered = false
    while (!this.blocked && this.lineHead < this.line.length) {
      const head = this.line[this.lineHead] as { data: Buffer; due: number }
      if (head.due > now) break
      this.lineHead++
      this.queuedBytes -= head.data.length
      delivered = true
      if (!this.deliver(head.data)) this.blocked = true
    }
    if (this.lineHead === this.line.length) {
      this.line.length = 0
      this.lineHead = 0
    }
    if (delivered) this.onDrained()
  }

  /** Wake when the delay line's head is due or the bucket has tokens for its head. */
  private arm(now: number): void {
    let wait = Number.POSITIVE_INFINITY
    if (!this.blocked && this.lineHead < this.line.length) wait = (this.line[this.lineHead] as { due: number }).due - now
    if (this.bucketHead < this.bucket.length && this.rate > 0) {
      const want = Math.min((this.bucket[this.bucketHead] as Buffer).length, this.quantum)
      wait = Math.min(wait, this.freeAt + (want * 1000) / this.rate - now)
    }
    if (wait === Number.POSITIVE_INFINITY) {
      if (this.entry !== null) this.wheel.cancel(this.entry)
      return
    }
    if (this.entry === null) this.entry = this.wheel.schedule<LinkDirection>(Math.max(0, wait), serviceDirection, this)
    else this.wheel.reschedule(this.entry, Math.max(0, wait))
  }
}

function serviceDirection(direction: LinkDirection): void {
  direction.service()
}

const EMPTY = Buffer.alloc(0)

/**
 * The device side of a shaped socket. Write to it as to the socket; read what the gateway sent,
 * late and at the link's pace. Destroying it destroys the socket.
 */
export class LinkedSocket extends Duplex {
  readonly socket: Socket
  private readonly maxQueued: number
  private readonly up: LinkDirection
  private readonly down: LinkDirection
  private writeCallback: ((error?: Error | null) => void) | null = null
  private finalCallback: ((error?: Error | null) => void) | null = null
  private socketPaused = false
  private socketEnded = false
  private endPushed = false

  constructor(socket: Socket, link: LinkProfile, wheel: TimerWheel) {
    super({ allowHalfOpen: false })
    this.socket = socket
    this.maxQueued = link.maxQueuedBytes ?? DEFAULT_MAX_QUEUED
    const oneWay = link.rttMs / 2
    this.up = new LinkDirection(link.uplinkBytesPerSecond, oneWay, wheel, (data) => socket.write(data), () => this.upDrained())
    this.down = new LinkDirection(link.downlinkBytesPerSecond, oneWay, wheel, (data) => this.push(data), () => this.downDrained())
    socket.on('data', (data: Buffer) => this.fromSocket(data))
    socket.on('drain', () => this.up.unblock())
    socket.on('end', () => {
      this.socketEnded = true
      this.downDrained()
    })
    socket.on('error', (error) => this.destroy(error))
    // Bytes still on the link arrive after the socket has gone, as on a real path.
    socket.on('close', () => {
      this.socketEnded = true
      if (this.down.queuedBytes === 0) this.destroy()
      else this.downDrained()
    })
    socket.on('connect', () => this.emit('connect'))
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.up.enqueue(chunk)
    if (this.up.queuedBytes < this.maxQueued) callback()
    else this.writeCallback = callback
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finalCallback = callback
    this.upDrained()
  }

  override _read(): void {
    this.down.unblock()
    this.downDrained()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.up.stop()
    this.down.stop()
    this.socket.destroy()
    callback(error)
  }

  private fromSocket(data: Buffer): void {
    this.down.enqueue(data)
    if (!this.socketPaused && this.down.queuedBytes >= this.maxQueued) {
      this.socketPaused = true
      this.socket.pause()
    }
  }

  private upDrained(): void {
    if (this.writeCallback !== null && this.up.queuedBytes < this.maxQueued) {
      const callback = this.writeCallback
      this.writeCallback = null
      callback()
    }
    if (this.finalCallback !== null && this.up.queuedBytes === 0) {
      const callback = this.finalCallback
      this.finalCallback = null
      this.socket.end()
      callback()
    }
  }

  private downDrained(): void {
    if (this.socketPaused && this.down.queuedBytes < this.maxQueued / 2) {
      this.socketPaused = false
      this.socket.resume()
    }
    if (this.socketEnded && this.down.queuedBytes === 0 && !this.readableEnded && !this.endPushed) {
      this.endPushed = true
      this.push(null)
      if (this.socket.destroyed) this.once('end', () => this.destroy())
    }
  }
}
