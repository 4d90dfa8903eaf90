/**
 * A KVM console (redirection-wsman.md §2.6) on an open KVMR session: the 8-byte 0x40 → 0x41
 * step, then RFB as MeshCommander and ui-toolkit speak it to AMT: answer `RFB 003.008`
 * whatever the device announces, pick None security, expect SecurityResult 0, ClientInit
 * shared, read ServerInit, SetEncodings (RAW), then FramebufferUpdateRequests. Each update is
 * applied to a local framebuffer rectangle by rectangle, checking that every RAW tile is
 * 1..64 × 1..64 and inside the screen (ui-toolkit throws otherwise).
 */

import { ErrorCode } from '../protocol/errors.js'
import { ByteQueue, decodeFromQueue, RedirectionSessionError } from '../protocol/redirection/index.js'
import {
  bytesPerPixel,
  decodeRfbProtocolVersion,
  decodeRfbRectangle,
  decodeRfbSecurityResult,
  decodeRfbSecurityTypes,
  decodeRfbServerInit,
  decodeRfbServerMessage,
  encodeRfbClientMessage,
  encodeRfbProtocolVersion,
  readPixel,
  RfbEncoding,
  RfbSecurity,
  RFB_MAX_TILE,
  type PixelFormat,
  type RfbClientMessage,
  type RfbResult,
} from '../protocol/redirection/rfb.js'
import { expectMessage, type RedirectionConnection, type RedirectionSession } from './redirection-session.js'

export interface KvmClientOptions {
  /** SetEncodings list; default RAW only. */
  readonly encodings?: readonly number[]
}

export interface KvmUpdate {
  readonly rectangles: number
  /** Every RAW rectangle was 1..64 × 1..64 and inside the screen. */
  readonly tileSizesOk: boolean
  readonly largestTile: { readonly width: number; readonly height: number }
  readonly bytes: number
}

export class KvmClient {
  readonly connection: RedirectionConnection
  readonly serverVersion: { readonly major: number; readonly minor: number }
  readonly width: number
  readonly height: number
  readonly name: string
  readonly pixelFormat: PixelFormat
  /** The console's copy of the screen, width × height × bytes per pixel. */
  readonly framebuffer: Buffer
  frames = 0
  private readonly queue: ByteQueue

  private constructor(connection: RedirectionConnection, queue: ByteQueue, init: { version: { major: number; minor: number }; width: number; height: number; name: string; pixelFormat: PixelFormat }) {
    this.connection = connection
    this.queue = queue
    this.serverVersion = init.version
    this.width = init.width
    this.height = init.height
    this.name = init.name
    this.pixelFormat = init.pixelFormat
    this.framebuffer = Buffer.alloc(init.width * init.height * bytesPerPixel(init.pixelFormat))
  }

  /** The 0x40/0x41 step and the RFB handshake up to ServerInit and SetEncodings. */
  static async start(session: RedirectionSession, options: KvmClientOptions = {}): Promise<KvmClient> {
    const connection = session.connection
    await connection.send({ type: 'KVM_START' })
    await expectMessage(connection, 'KVM_START_REPLY')
    connection.phase = 'rfb'
    const queue = new ByteQueue()
    const read = <M>(decode: (buf: Buffer, offset: number, end: number) => RfbResult<M>): Promise<M> => readRfb(connection, queue, decode)
    const version = await read(decodeRfbProtocolVersion)
    // MeshCommander and ui-toolkit answer 3.8 whatever the device announced (AMT says 4.0).
    await connection.send(encodeRfbProtocolVersion(3, 8))
    const security = await read(decodeRfbSecurityTypes)
    if (security.types.length === 0) throw new RedirectionSessionError(ErrorCode.REDIR_ERR_START_REFUSED, `RFB refused: ${security.reason ?? 'no reason'}`)
    await connection.send(Buffer.from([RfbSecurity.NONE]))
    const result = await read(decodeRfbSecurityResult)
    if (result !== 0) throw new RedirectionSessionError(ErrorCode.REDIR_ERR_AUTH_FAILED, `RFB SecurityResult ${result}`)
    await connection.send(Buffer.from([1])) // ClientInit: shared
    const init = await read(decodeRfbServerInit)
    const client = new KvmClient(connection, queue, { version, ...init })
    await client.send({ type: 'SetEncodings', encodings: options.encodings ?? [RfbEncoding.RAW] })
    return client
  }

  send(m: RfbClientMessage): Promise<void> {
    return this.connection.send(encodeRfbClientMessage(m))
  }

  /** Ask for the whole screen (or only what changed) and apply the next FramebufferUpdate. */
  async requestFrame(incremental = false, timeoutMs?: number): Promise<KvmUpdate> {
    await this.send({ type: 'FramebufferUpdateRequest', incremental, x: 0, y: 0, width: this.width, height: this.height })
    return this.readUpdate(timeoutMs)
  }

  sendKey(keysym: number): Promise<void> {
    return this.send({ type: 'KeyEvent', down: true, keysym }).then(() => this.send({ type: 'KeyEvent', down: false, keysym }))
  }

  sendPointer(x: number, y: number, buttonMask = 0): Promise<void> {
    return this.send({ type: 'PointerEvent', buttonMask, x, y })
  }

  /** The pixel value at (x, y) of the local framebuffer. */
  pixelAt(x: number, y: number): number {
    return readPixel(this.framebuffer, (y * this.width + x) * bytesPerPixel(this.pixelFormat), this.pixelFormat)
  }

  close(): void {
    this.connection.close()
  }

  /** Skip Bell and ServerCutText until a FramebufferUpdate, then read and apply its rectangles. */
  private async readUpdate(timeoutMs?: number): Promise<KvmUpdate> {
    const read = <M>(decode: (buf: Buffer, offset: number, end: number) => RfbResult<M>): Promise<M> => readRfb(this.connection, this.queue, decode, timeoutMs)
    let header = await read(decodeRfbServerMessage)
    while (header.type !== 'FramebufferUpdate') header = await read(decodeRfbServerMessage)
    const bpp = bytesPerPixel(this.pixelFormat)
    let tileSizesOk = true
    let bytes = 0
    const largest = { width: 0, height: 0 }
    for (let i = 0; i < header.rectangleCount; i++) {
      const rect = await read((buf, offset, end) => decodeRfbRectangle(buf, bpp, offset, end))
      if (rect.encoding !== RfbEncoding.RAW) continue
      const inside = rect.x + rect.width <= this.width && rect.y + rect.height <= this.height
      if (rect.width < 1 || rect.height < 1 || rect.width > RFB_MAX_TILE || rect.height > RFB_MAX_TILE || !inside) tileSizesOk = false
      largest.width = Math.max(largest.width, rect.width)
      largest.height = Math.max(largest.height, rect.height)
      bytes += rect.pixels.length
      if (inside) this.blit(rect.x, rect.y, rect.width, rect.height, rect.pixels, bpp)
    }
    this.frames++
    return { rectangles: header.rectangleCount, tileSizesOk, largestTile: largest, bytes }
  }

  private blit(x: number, y: number, width: number, height: number, pixels: Buffer, bpp: number): void {
    const rowBytes = width * bpp
    for (let row = 0; row < height; row++) {
      pixels.copy(this.framebuffer, ((y + row) * this.width + x) * bpp, row * rowBytes, (row + 1) * rowBytes)
    }
  }
}

/** Decode one RFB item from `queue`, pulling raw chunks from the connection until it is complete. */
async function readRfb<M>(
  connection: RedirectionConnection,
  queue: ByteQueue,
  decode: (buf: Buffer, offset: number, end: number) => RfbResult<M>,
  timeoutMs?: number,
): Promise<M> {
  for (;;) {
    const result = decodeFromQueue(queue, decode)
    if (result.kind === 'message') return result.message
    if (result.kind === 'error') throw result.error
    queue.push(await connection.nextRaw(timeoutMs))
  }
}
