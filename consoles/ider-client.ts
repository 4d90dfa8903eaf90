/**
 * An IDE-R console serving a CD image (redirection-wsman.md §2.5, §6) on an open redirection
 * session: 0x40 with MeshCommander's values, 0x41 checked (sequence from 0, features 0, read
 * buffer ≤ 8192), 0x48 to enable IDE-R with a start mode, then answers to the device's 0x50
 * commands with the console sense conventions: the first TEST_UNIT_READY reports unit
 * attention 06/28/00, READ_CAPACITY gives the last LBA and 2048-byte blocks, READ_6/READ_10
 * are served in 0x54 chunks of at most the device's read buffer, writes are refused as
 * write-protected (07/27/00), anything else is 05/20/00.
 *
 * The image comes from a Buffer or a file (read chunk by chunk, never whole). `describeIderImage`
 * gives what the console publishes so the booting host can check what it read: the size and
 * SHA-256 of the whole 2048-byte blocks (a partial last block cannot be read over IDE-R).
 */

import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { ErrorCode } from '../protocol/errors.js'
import {
  CD_BLOCK_SIZE,
  commandEndResponse,
  dataToHost,
  decodeReadCdb,
  encodeReadCapacityData,
  IderDrive,
  IderFeature,
  IderFeatureType,
  RedirectionSessionError,
  ScsiOp,
  SenseCode,
  type IderCommandWritten,
  type RedirectionMessage,
  type Sense,
} from '../protocol/redirection/index.js'
import { expectMessage, type RedirectionConnection, type RedirectionSession } from './redirection-session.js'

export type IderImageSource = Buffer | { readonly path: string }

export interface IderImageInfo {
  /** Bytes the device can read: whole 2048-byte blocks. */
  readonly size: number
  readonly sha256: string
}

/** What the console publishes about the image: the size and SHA-256 of its whole blocks. */
export async function describeIderImage(source: IderImageSource): Promise<IderImageInfo> {
  const hash = createHash('sha256')
  if (Buffer.isBuffer(source)) {
    const size = source.length - (source.length % CD_BLOCK_SIZE)
    hash.update(source.subarray(0, size))
    return { size, sha256: hash.digest('hex') }
  }
  const handle = await open(source.path, 'r')
  let fileSize: number
  try {
    fileSize = (await handle.stat()).size
  } finally {
    await handle.close()
  }
  const size = fileSize - (fileSize % CD_BLOCK_SIZE)
  if (size > 0) {
    for await (const chunk of createReadStream(source.path, { start: 0, end: size - 1, highWaterMark: 64 * 1024 })) hash.update(chunk as Buffer)
  }
  return { size, sha256: hash.digest('hex') }
}

export type IderStartMode = 'now' | 'reboot' | 'graceful'
const START_MODES: Readonly<Record<IderStartMode, number>> = { now: IderFeature.START_NOW, reboot: IderFeature.START_ON_REBOOT, graceful: IderFeature.START_GRACEFUL }

export interface IderClientOptions {
  readonly image: IderImageSource
  /** When the device should start using the virtual CD (0x48 type 3); default `now`. */
  readonly startMode?: IderStartMode
  /** 0x40 values; MeshCommander sends 30000, 0, 20000. */
  readonly rxTimeoutMs?: number
  readonly txTimeoutMs?: number
  readonly heartbeatMs?: number
}

export interface IderStats {
  readonly commands: number
  readonly reads: number
  readonly bytesServed: number
  readonly firstReadAt: number
  readonly lastReadAt: number
  readonly bytesPerSecond: number
}

/** A source of image bytes by offset. */
interface ImageReader {
  readonly size: number
  read(offset: number, length: number): Promise<Buffer>
  close(): Promise<void>
}

async function openImage(source: IderImageSource): Promise<ImageReader> {
  if (Buffer.isBuffer(source)) {
    return { size: source.length, read: (offset, length) => Promise.resolve(source.subarray(offset, offset + length)), close: () => Promise.resolve() }
  }
  const handle: FileHandle = await open(source.path, 'r')
  const size = (await handle.stat()).size
  return {
    size,
    read: async (offset, length) => {
      const buf = Buffer.allocUnsafe(length)
      const { bytesRead } = await handle.read(buf, 0, length, offset)
      return bytesRead === length ? buf : buf.subarray(0, bytesRead)
    },
    close: () => handle.close(),
  }
}

export class IderClient {
  readonly connection: RedirectionConnection
  readonly readBufferSize: number
  readonly firmware: string
  private readonly image: ImageReader
  private readonly totalBlocks: number
  private outSeq = 0
  private inSeq = 1
  private unitAttentionSent = false
  private counts = { commands: 0, reads: 0, bytesServed: 0, firstReadAt: 0, lastReadAt: 0 }
  private featureReply: number | null = null
  private failure: Error | null = null
  private ended = false
  private readonly pumping: Promise<void>
  private readonly watchers = new Set<() => void>()

  private constructor(connection: RedirectionConnection, image: ImageReader, readBufferSize: number, firmware: string) {
    this.connection = connection
    this.image = image
    this.readBufferSize = readBufferSize
    this.firmware = firmware
    this.totalBlocks = Math.floor(image.size / CD_BLOCK_SIZE)
    this.outSeq = 2
    this.pumping = this.pump()
  }

  /** 0x40 → 0x41 → 0x48 (enable + start mode); then serve the device's commands until the session ends. */
  static async start(session: RedirectionSession, options: IderClientOptions): Promise<IderClient> {
    const connection = session.connection
    const image = await openImage(options.image)
    try {
      await connection.send({
        type: 'START_IDER',
        seq: 0,
        attributes: 0,
        rxTimeout: options.rxTimeoutMs ?? 30000,
        txTimeout: options.txTimeoutMs ?? 0,
        heartbeatInterval: options.heartbeatMs ?? 20000,
        version: 1,
      })
      const reply = await expectMessage(connection, 'START_IDER_REPLY')
      // MeshCommander stops on a sequence gap (from 0), a non-zero features byte or a buffer it cannot use.
      if (reply.seq !== 0 || reply.features !== 0 || reply.readBufferSize === 0 || reply.readBufferSize > 8192) {
        throw new RedirectionSessionError(ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE, `unusable START_IDER_REPLY: seq ${reply.seq}, features ${reply.features}, read buffer ${reply.readBufferSize}`)
      }
      const value = IderFeature.ENABLE | START_MODES[options.startMode ?? 'now']
      await connection.send({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 1, attributes: 0, featureType: IderFeatureType.SET_REGISTER_STATE, value })
      return new IderClient(connection, image, reply.readBufferSize, `${reply.firmwareMajor}.${reply.firmwareMinor}`)
    } catch (error) {
      await image.close()
      connection.close()
      throw error
    }
  }

  get stats(): IderStats {
    const c = this.counts
    const elapsed = c.lastReadAt - c.firstReadAt
    return { ...c, bytesPerSecond: elapsed > 0 ? (c.bytesServed * 1000) / elapsed : 0 }
  }

  /** The value of the device's 0x49 answer to our 0x48 (1 = success). */
  get featureResult(): number | null {
    return this.featureReply
  }

  /** Resolve once `bytes` image bytes have been served. */
  waitForBytesServed(bytes: number, timeoutMs = 30_000): Promise<IderStats> {
    return this.waitFor(() => this.counts.bytesServed >= bytes, timeoutMs, `${bytes} bytes served`).then(() => this.stats)
  }

  /** Resolve once `count` commands have been answered. */
  waitForCommands(count: number, timeoutMs = 30_000): Promise<IderStats> {
    return this.waitFor(() => this.counts.commands >= count, timeoutMs, `${count} commands`).then(() => this.stats)
  }

  /** 0x42, wait for 0x43 (or the device closing), then close. */
  async end(): Promise<void> {
    if (!this.ended && this.failure === null) {
      await this.send({ type: 'END_IDER', seq: 0, attributes: 0 }).catch(() => undefined)
      await this.waitFor(() => this.ended, 10_000, 'END_IDER_REPLY').catch(() => undefined)
    }
    this.connection.close()
    await this.pumping
  }

  private send(m: Extract<RedirectionMessage, { seq: number; attributes: number }>): Promise<void> {
    return this.connection.send({ ...m, seq: this.outSeq++ >>> 0 })
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const m = await this.connection.next(2 ** 31 - 1)
        if ('attributes' in m) {
          if (m.seq !== this.inSeq) throw new RedirectionSessionError(ErrorCode.REDIR_ERR_UNEXPECTED_MESSAGE, `device sequence ${m.seq}, expected ${this.inSeq}`)
          this.inSeq = (this.inSeq + 1) >>> 0
        }
        await this.onMessage(m)
        for (const watcher of this.watchers) watcher()
      }
    } catch (error) {
      this.failure = error as Error
      this.connection.close()
      await this.image.close()
      for (const watcher of this.watchers) watcher()
    }
  }

  private async onMessage(m: RedirectionMessage): Promise<void> {
    switch (m.type) {
      case 'IDER_COMMAND_WRITTEN':
        this.counts.commands++
        await this.command(m)
        return
      case 'IDER_DISABLE_ENABLE_FEATURES_REPLY':
        if (m.featureType === IderFeatureType.SET_REGISTER_STATE) this.featureReply = m.value
        return
      case 'IDER_KEEPALIVE_PING':
        await this.send({ type: 'IDER_KEEPALIVE_PONG', seq: 0, attributes: 0 })
        return
      case 'IDER_RESET_OCCURRED':
        // Commands are answered one at a time, so no read is queued when the reset arrives.
        await this.send({ type: 'IDER_RESET_OCCURRED_RESPONSE', seq: 0, attributes: 0 })
        return
      case 'END_IDER_REPLY':
        this.ended = true
        return
      default: // heartbeats, pongs, error reports
    }
  }

  private async command(m: IderCommandWritten): Promise<void> {
    const drive = (m.driveSelect & 0x10) !== 0 ? IderDrive.CD : IderDrive.FLOPPY
    if (drive !== IderDrive.CD) return this.endCommand(drive, SenseCode.NO_MEDIUM)
    const op = m.cdb[0] as number
    switch (op) {
      case ScsiOp.TEST_UNIT_READY:
        if (!this.unitAttentionSent) {
          this.unitAttentionSent = true
          return this.endCommand(drive, SenseCode.UNIT_ATTENTION)
        }
        return this.endCommand(drive, SenseCode.NONE)
      case ScsiOp.READ_CAPACITY:
        return this.data(drive, encodeReadCapacityData(Math.max(0, this.totalBlocks - 1), CD_BLOCK_SIZE))
      case ScsiOp.READ_6:
      case ScsiOp.READ_10:
        return this.read(drive, m.cdb)
      case ScsiOp.MODE_SENSE_6:
        return m.cdb[2] === 0x3f ? this.data(drive, Buffer.from([0, 0x05, 0x80, 0])) : this.endCommand(drive, SenseCode.INVALID_FIELD_IN_CDB)
      case ScsiOp.GET_EVENT_STATUS_NOTIFICATION:
        return this.data(drive, Buffer.from([0, 0x02, 0x80, 0]))
      case ScsiOp.READ_TOC:
        return this.data(drive, this.toc())
      case ScsiOp.START_STOP:
      case ScsiOp.ALLOW_MEDIUM_REMOVAL:
        return this.endCommand(drive, SenseCode.NONE)
      case ScsiOp.WRITE_6:
      case ScsiOp.WRITE_10:
      case ScsiOp.WRITE_AND_VERIFY_10:
        return this.endCommand(drive, SenseCode.WRITE_PROTECTED)
      default:
        // [inferred] INQUIRY, REQUEST_SENSE and the rest: consoles answer 05/20/00; real firmware
        // presumably answers some of them itself.
        return this.endCommand(drive, SenseCode.INVALID_COMMAND)
    }
  }

  private endCommand(drive: number, sense: Sense): Promise<void> {
    return this.send(commandEndResponse(0, drive, sense))
  }

  /** A short reply in one completed 0x54. */
  private data(drive: number, bytes: Buffer): Promise<void> {
    return this.send(dataToHost(0, drive, bytes, true))
  }

  private async read(drive: number, cdb: Buffer): Promise<void> {
    const request = decodeReadCdb(cdb)
    if (request === null) return this.endCommand(drive, SenseCode.INVALID_FIELD_IN_CDB)
    if (request.lba + request.blocks > this.totalBlocks) return this.endCommand(drive, SenseCode.LBA_OUT_OF_RANGE)
    if (request.blocks === 0) return this.endCommand(drive, SenseCode.NONE)
    this.counts.reads++
    if (this.counts.firstReadAt === 0) this.counts.firstReadAt = Date.now()
    let offset = request.lba * CD_BLOCK_SIZE
    const end = offset + request.blocks * CD_BLOCK_SIZE
    // One chunk read and sent at a time: memory is one read buffer, and send() waits for drain.
    while (offset < end) {
      const length = Math.min(this.readBufferSize, end - offset)
      const chunk = await this.image.read(offset, length)
      offset += length
      await this.send(dataToHost(0, drive, chunk, offset >= end))
      this.counts.bytesServed += chunk.length
      this.counts.lastReadAt = Date.now()
    }
  }

  /** A one-track data CD: header, track 1 at LBA 0, lead-out after the last block. */
  private toc(): Buffer {
    const out = Buffer.alloc(20)
    out.writeUInt16BE(18, 0)
    out[2] = 1
    out[3] = 1
    out.set([0, 0x14, 1, 0], 4)
    out.writeUInt32BE(0, 8)
    out.set([0, 0x14, 0xaa, 0], 12)
    out.writeUInt32BE(this.totalBlocks, 16)
    return out
  }

  private waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const limit = Math.min(this.connection.deadline, Date.now() + timeoutMs)
      const watcher = (): void => {
        if (check()) finish(null)
        else if (this.failure !== null) finish(this.failure)
      }
      const timer = setTimeout(() => finish(new RedirectionSessionError(ErrorCode.REDIR_ERR_TIMEOUT, `timed out waiting for ${what}`)), Math.max(0, limit - Date.now()))
      const finish = (error: Error | null): void => {
        clearTimeout(timer)
        this.watchers.delete(watcher)
        if (error === null) resolve()
        else reject(error)
      }
      this.watchers.add(watcher)
      watcher()
    })
  }
}
