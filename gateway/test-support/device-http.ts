/**
 * The device's HTTP service for end-to-end tests, on the device end of APF channels: confirms
 * every CHANNEL_OPEN with a (tiny) window, parses one HTTP request per channel, answers, then
 * closes the channel (the proxies ask for `Connection: close`). Flow control is checked both
 * ways: the gateway must never send past our window, and we never send past its window.
 *
 * Paths: `/wsman` answers a WS-MAN-sized envelope; `/download/N` answers N pattern bytes;
 * anything else answers a short text. Every answer carries the request body's SHA-256.
 */

import { createHash } from 'node:crypto'
import { MessageType as M, RESERVED_ALL_ONES, type ApfMessage } from '../../protocol/apf/index.js'
import type { TestDevice } from './apf-device.js'

export function patternBytes(length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff
  return out
}

/** A WS-MAN-sized envelope (a typical AMT_GeneralSettings Get response is 3-4 KB). */
export function wsmanEnvelope(bytes = 3500): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8"?><a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope"><a:Body><g:AMT_GeneralSettings>'
  const tail = '</g:AMT_GeneralSettings></a:Body></a:Envelope>'
  return Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length - tail.length)) + tail)
}

interface DeviceChannel {
  readonly gatewayId: number
  sendCredit: number
  windowLeft: number
  head: Buffer
  headDone: boolean
  contentLength: number
  bodyReceived: number
  readonly hash: ReturnType<typeof createHash>
  path: string
  output: Buffer[]
  responded: boolean
  closeSent: boolean
}

export class DeviceHttpApp {
  readonly deviceWindow: number
  requests = 0
  windowViolations = 0
  largestData = 0
  private readonly device: TestDevice
  private readonly channels = new Map<number, DeviceChannel>()
  private nextId = 100

  constructor(device: TestDevice, deviceWindow: number) {
    this.device = device
    this.deviceWindow = deviceWindow
    device.handle((m) => this.onMessage(m))
  }

  get openChannels(): number {
    return this.channels.size
  }

  private onMessage(m: ApfMessage): void {
    switch (m.type) {
      case M.CHANNEL_OPEN: {
        const id = this.nextId++
        this.channels.set(id, { gatewayId: m.senderChannel, sendCredit: m.initialWindowSize, windowLeft: this.deviceWindow, head: Buffer.alloc(0), headDone: false, contentLength: 0, bodyReceived: 0, hash: createHash('sha256'), path: '', output: [], responded: false, closeSent: false })
        this.device.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: m.senderChannel, senderChannel: id, initialWindowSize: this.deviceWindow, reserved: RESERVED_ALL_ONES })
        return
      }
      case M.CHANNEL_DATA: {
        const ch = this.channels.get(m.recipientChannel)
        if (ch === undefined) return
        if (m.data.length > ch.windowLeft) this.windowViolations++
        this.largestData = Math.max(this.largestData, m.data.length)
        this.consume(ch, m.data)
        // Consumed at once: the whole credit goes back (GoAPF acknowledges every message).
        this.device.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: ch.gatewayId, bytesToAdd: m.data.length })
        return
      }
      case M.CHANNEL_WINDOW_ADJUST: {
        const ch = this.channels.get(m.recipientChannel)
        if (ch === undefined) return
        ch.sendCredit += m.bytesToAdd
        this.flush(ch)
        return
      }
      case M.CHANNEL_CLOSE: {
        const ch = this.channels.get(m.recipientChannel)
        if (ch === undefined) return
        if (!ch.closeSent) this.device.send({ type: M.CHANNEL_CLOSE, recipientChannel: ch.gatewayId })
        this.channels.delete(m.recipientChannel)
        return
      }
      case M.KEEPALIVE_OPTIONS_REQUEST:
        this.device.send({ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: m.intervalSeconds, timeoutSeconds: m.timeoutSeconds })
        return
      default:
        return
    }
  }

  private consume(ch: DeviceChannel, data: Buffer): void {
    let rest = data
    if (!ch.headDone) {
      ch.head = Buffer.concat([ch.head, data])
      const end = ch.head.indexOf('\r\n\r\n')
      if (end < 0) return
      const lines = ch.head.subarray(0, end).toString('latin1').split('\r\n')
      ch.path = (lines[0] ?? '').split(' ')[1] ?? '/'
      const length = lines.find((l) => /^content-length:/i.test(l))
      ch.contentLength = length === undefined ? 0 : Number(length.split(':')[1])
      rest = ch.head.subarray(end + 4)
      ch.headDone = true
    }
    ch.hash.update(rest)
    ch.bodyReceived += rest.length
    if (ch.bodyReceived >= ch.contentLength && !ch.responded) this.respond(ch)
  }

  private respond(ch: DeviceChannel): void {
    ch.responded = true
    this.requests++
    const sha = ch.hash.digest('hex')
    const download = /^\/download\/(\d+)$/.exec(ch.path)
    const body = ch.path === '/wsman' ? wsmanEnvelope() : download !== null ? patternBytes(Number(download[1])) : Buffer.from(`received ${ch.bodyReceived} bytes\n`)
    const head = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nX-Body-Sha256: ${sha}\r\nConnection: close\r\n\r\n`
    ch.output.push(Buffer.from(head), body)
    this.flush(ch)
  }

  private flush(ch: DeviceChannel): void {
    while (ch.output.length > 0 && ch.sendCredit > 0) {
      const first = ch.output[0] as Buffer
      const n = Math.min(first.length, ch.sendCredit, 32 * 1024)
      this.device.send({ type: M.CHANNEL_DATA, recipientChannel: ch.gatewayId, data: first.subarray(0, n) })
      ch.sendCredit -= n
      if (n === first.length) ch.output.shift()
      else ch.output[0] = first.subarray(n)
    }
    if (ch.responded && ch.output.length === 0 && !ch.closeSent) {
      ch.closeSent = true
      this.device.send({ type: M.CHANNEL_CLOSE, recipientChannel: ch.gatewayId })
    }
  }
}
