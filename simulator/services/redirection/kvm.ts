/**
 * KVM on the simulated device (redirection-wsman.md §2.6): after the KVMR login the console
 * sends the 8-byte 0x40, the device answers 0x41 and starts RFB on the same stream:
 * `RFB 004.000`, security list [None], SecurityResult 0, ServerInit (640×480 RGB565, the
 * device's name), then FramebufferUpdates of RAW ≤64×64 tiles of the test pattern, answering
 * full requests at once and incremental ones when the screen changed. Key and pointer events
 * change the pattern. The device closes the session after `kvmIdleTimeoutMs` without console
 * input (AMT: about 3 minutes); update requests and KVM data-channel keepalives are not input.
 *
 * Frames are written tile by tile and wait for 'drain' when a write returns false; at most one
 * update request is held while a frame is being sent.
 */

import { ByteQueue, decodeFromQueue, type RedirectionMessage } from '../../../protocol/redirection/index.js'
import {
  decodeRfbClientMessage,
  decodeRfbProtocolVersion,
  decodeRfbU8,
  encodeRfbFramebufferUpdateHeader,
  encodeRfbProtocolVersion,
  encodeRfbRectangle,
  encodeRfbSecurityResult,
  encodeRfbSecurityTypes,
  encodeRfbServerInit,
  PIXEL_FORMAT_RGB565,
  RfbEncoding,
  RfbSecurity,
  type PixelFormat,
  type RfbClientMessage,
  type RfbResult,
} from '../../../protocol/redirection/rfb.js'
import type { DeviceLink, SessionHandler } from './connection.js'
import { renderTile, SCREEN_HEIGHT, SCREEN_WIDTH, tilesOf, type PatternState, type Tile } from './test-pattern.js'

type RfbState = 'awaiting-kvm-start' | 'version' | 'security' | 'client-init' | 'normal'

interface UpdateRequest {
  readonly incremental: boolean
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export class KvmHandler implements SessionHandler {
  private readonly link: DeviceLink
  private readonly queue = new ByteQueue()
  private state: RfbState = 'awaiting-kvm-start'
  private pixelFormat: PixelFormat = PIXEL_FORMAT_RGB565
  private pattern: PatternState = { width: SCREEN_WIDTH, height: SCREEN_HEIGHT, generation: 0, pointerX: -64, pointerY: -64 }
  /** The screen changed since the last frame sent (incremental requests wait for this). */
  private dirty = true
  private pending: UpdateRequest | null = null
  private sending = false
  private lastInput: number

  constructor(link: DeviceLink) {
    this.link = link
    this.lastInput = link.ctx.now()
    this.armIdle(link.ctx.options.kvmIdleTimeoutMs)
  }

  onMessage(m: RedirectionMessage): void {
    if (m.type !== 'KVM_START' || this.state !== 'awaiting-kvm-start') {
      this.link.finish()
      return
    }
    this.link.setPhase('rfb')
    this.state = 'version'
    // The 0x41 and the RFB version may share a segment; consoles split on the 8 bytes.
    this.link.write(Buffer.concat([Buffer.from([0x41, 0, 0, 0, 0, 0, 0, 0]), encodeRfbProtocolVersion(4, 0)]))
  }

  onRaw(data: Buffer): void {
    this.queue.push(data)
    while (!this.link.closed) {
      const result = this.step()
      if (result === 'need-more') return
      if (result === 'error') {
        this.link.finish()
        return
      }
    }
  }

  dispose(): void {
    this.queue.clear()
    this.pending = null
  }

  private step(): 'progress' | 'need-more' | 'error' {
    switch (this.state) {
      case 'version':
        return this.take(decodeRfbProtocolVersion, (v) => this.onVersion(v.major, v.minor))
      case 'security':
        return this.take(decodeRfbU8, (choice) => this.onSecurity(choice))
      case 'client-init':
        return this.take(decodeRfbU8, () => this.onClientInit())
      case 'normal':
        return this.take(decodeRfbClientMessage, (m) => this.onClientMessage(m))
      default:
        return 'error'
    }
  }

  private take<M>(decode: (buf: Buffer, offset: number, end: number) => RfbResult<M>, handle: (m: M) => void): 'progress' | 'need-more' | 'error' {
    const result = decodeFromQueue(this.queue, decode)
    if (result.kind === 'need-more') return 'need-more'
    if (result.kind === 'error') return 'error'
    handle(result.message)
    return 'progress'
  }

  private onVersion(major: number, minor: number): void {
    if (major === 3 && minor < 7) {
      // RFB 3.3: the server announces the one security type as a u32 (None), with no SecurityResult after it.
      this.link.write(encodeRfbSecurityResult(RfbSecurity.NONE))
      this.state = 'client-init'
      return
    }
    // [inferred] AMT's list on 16994 is not documented; consoles answer None whatever is offered.
    this.link.write(encodeRfbSecurityTypes({ types: [RfbSecurity.NONE], reason: null }))
    this.state = 'security'
  }

  private onSecurity(choice: number): void {
    if (choice !== RfbSecurity.NONE) {
      this.link.write(encodeRfbSecurityResult(1))
      this.link.finish()
      return
    }
    this.link.write(encodeRfbSecurityResult(0))
    this.state = 'client-init'
  }

  private onClientInit(): void {
    this.state = 'normal'
    this.link.write(
      encodeRfbServerInit({ width: SCREEN_WIDTH, height: SCREEN_HEIGHT, pixelFormat: PIXEL_FORMAT_RGB565, name: this.link.ctx.host.identity.fqdn }),
    )
  }

  private onClientMessage(m: RfbClientMessage): void {
    switch (m.type) {
      case 'SetPixelFormat':
        if (!m.pixelFormat.trueColour || ![8, 16, 32].includes(m.pixelFormat.bitsPerPixel)) {
          this.link.finish()
          return
        }
        this.pixelFormat = m.pixelFormat
        this.dirty = true
        return
      case 'SetEncodings': // RAW is always used; AMT requires consoles to list it.
      case 'ClientCutText': // KVM data channel (keepalives every 5 s): not user input
        return
      case 'FramebufferUpdateRequest':
        this.request(m)
        return
      case 'KeyEvent':
        this.input(this.pattern.pointerX, this.pattern.pointerY)
        return
      case 'PointerEvent':
        this.input(m.x, m.y)
        return
      default: {
        const unknown: never = m
        throw new Error(`unhandled RFB message ${JSON.stringify(unknown)}`)
      }
    }
  }

  private input(pointerX: number, pointerY: number): void {
    this.lastInput = this.link.ctx.now()
    this.pattern = { ...this.pattern, generation: this.pattern.generation + 1, pointerX, pointerY }
    this.dirty = true
    if (this.pending !== null && !this.sending) this.serve()
  }

  private request(r: UpdateRequest): void {
    // Hold at most one: a full request replaces an incremental one.
    if (this.pending === null || !r.incremental) this.pending = r
    if (!this.sending) this.serve()
  }

  private serve(): void {
    const r = this.pending
    if (r === null || (r.incremental && !this.dirty)) return
    this.pending = null
    this.dirty = false
    const tiles = tilesOf(r.x, r.y, r.width, r.height, SCREEN_WIDTH, SCREEN_HEIGHT)
    this.sending = true
    this.link.write(encodeRfbFramebufferUpdateHeader(tiles.length))
    this.sendTiles(tiles, 0, this.pattern, this.pixelFormat)
  }

  /** Write tiles from `index` on; on backpressure continue after 'drain'. */
  private sendTiles(tiles: readonly Tile[], index: number, pattern: PatternState, pf: PixelFormat): void {
    const bpp = pf.bitsPerPixel >>> 3
    for (let i = index; i < tiles.length; i++) {
      if (this.link.closed) return
      const t = tiles[i] as Tile
      const ok = this.link.write(encodeRfbRectangle({ ...t, encoding: RfbEncoding.RAW, pixels: renderTile(pattern, pf, t.x, t.y, t.width, t.height) }, bpp))
      if (!ok && i + 1 < tiles.length) {
        this.link.onDrain(() => this.sendTiles(tiles, i + 1, pattern, pf))
        return
      }
    }
    this.sending = false
    this.link.ctx.counters.kvmFrames++
    if (this.pending !== null) this.serve()
  }

  private armIdle(delayMs: number): void {
    this.link.after(delayMs, () => {
      const idle = this.link.ctx.now() - this.lastInput
      const timeout = this.link.ctx.options.kvmIdleTimeoutMs
      if (idle >= timeout) this.link.finish()
      else this.armIdle(timeout - idle)
    })
  }
}
