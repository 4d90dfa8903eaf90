/**
 * Bulk bytes through a CONNECT tunnel: a small service the bench adds to its simulated devices
 * (no AMT service moves bulk data over a raw port, so the bench brings its own) and the console
 * side that drives it. Both directions are checked end to end by SHA-256.
 *
 * Protocol on the tunnel, console first:
 *   op      1 byte   'D' (device sends) or 'U' (console sends)
 *   length  8 bytes  big-endian byte count
 * 'D': the device sends `length` pattern bytes and ends. 'U': the console sends `length` pattern
 * bytes; the device answers the 32-byte SHA-256 of what it read and ends.
 *
 * The pattern is 64 KiB blocks of seeded bytes with the block number in the first 8 bytes, so a
 * lost, repeated or reordered block changes the hash.
 */

import { createHash } from 'node:crypto'
import type { Duplex } from 'node:stream'
import type { ServiceModule } from '../../simulator/index.js'
import type { ChannelService } from '../../simulator/services/types.js'

/** The device port the bulk service answers on: forwarded by firmware, unused by the simulator. */
export const BULK_PORT = 16993
const BLOCK = 64 * 1024
const HEADER = 9

/** The same service for simulator worker processes, which import it by module URL. */
export const BULK_SERVICE_MODULE: ServiceModule = Object.freeze({ port: BULK_PORT, module: import.meta.url, exportName: 'serveBulk' })

function baseBlock(): Buffer {
  const block = Buffer.alloc(BLOCK)
  let x = 0x9e3779b9
  for (let i = 0; i < BLOCK; i += 4) {
    // xorshift32: cheap, deterministic filler.
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    block.writeUInt32LE(x >>> 0, i)
  }
  return block
}

/** Pattern bytes [0, length) in BLOCK pieces (the last one shorter). */
export function* patternBlocks(length: number): Generator<Buffer> {
  const base = baseBlock()
  for (let offset = 0, n = 0; offset < length; offset += BLOCK, n++) {
    const block = Buffer.from(base.subarray(0, Math.min(BLOCK, length - offset)))
    if (block.length >= 8) block.writeBigUInt64BE(BigInt(n), 0)
    yield block
  }
}

export function patternSha256(length: number): string {
  const hash = createHash('sha256')
  for (const block of patternBlocks(length)) hash.update(block)
  return hash.digest('hex')
}

/** Writes every block, waiting for 'drain' whenever the stream asks (backpressure). */
export async function writePattern(stream: Duplex, length: number): Promise<void> {
  for (const block of patternBlocks(length)) {
    if (stream.destroyed) throw new Error('stream closed while sending')
    if (!stream.write(block)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stream.removeListener('close', onClose)
          resolve()
        }
        const onClose = () => {
          stream.removeListener('drain', onDrain)
          reject(new Error('stream closed while sending'))
        }
        stream.once('drain', onDrain)
        stream.once('close', onClose)
      })
    }
  }
}

export function encodeBulkRequest(op: 'D' | 'U', length: number): Buffer {
  const header = Buffer.alloc(HEADER)
  header.write(op, 0, 'latin1')
  header.writeBigUInt64BE(BigInt(length), 1)
  return header
}

/** The device side as a simulator ChannelService. */
export const serveBulk: ChannelService = (stream) => serveBulkStream(stream)

/** The device side on any stream. */
export function serveBulkStream(stream: Duplex): void {
  let header = Buffer.alloc(0)
  let upload: { remaining: number; hash: ReturnType<typeof createHash> } | null = null
  stream.on('error', () => stream.destroy())
  stream.on('data', (chunk: Buffer) => {
    if (upload === null) {
      header = Buffer.concat([header, chunk])
      if (header.length < HEADER) return
      const op = String.fromCharCode(header[0] ?? 0)
      const length = Number(header.readBigUInt64BE(1))
      const rest = header.subarray(HEADER)
      if (op === 'D') {
        writePattern(stream, length).then(() => stream.end(), () => stream.destroy())
        return
      }
      if (op !== 'U') return void stream.destroy()
      upload = { remaining: length, hash: createHash('sha256') }
      chunk = rest
    }
    const take = chunk.subarray(0, upload.remaining)
    upload.hash.update(take)
    upload.remaining -= take.length
    if (upload.remaining === 0) stream.end(upload.hash.digest())
  })
}

export interface BulkResult {
  readonly bytes: number
  readonly seconds: number
  readonly hashOk: boolean
}

/**
 * Console side, 'D': read `length` bytes and check their hash against `expected` (give
 * patternSha256(length), computed once per phase: hashing 64 MiB again per transfer would load
 * the machine while the other transfers are still being timed).
 */
export function download(stream: Duplex, length: number, expected = patternSha256(length)): Promise<BulkResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const hash = createHash('sha256')
    let bytes = 0
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      hash.update(chunk)
    })
    stream.once('end', () => {
      stream.destroy()
      resolve({ bytes, seconds: (performance.now() - started) / 1000, hashOk: bytes === length && hash.digest('hex') === expected })
    })
    stream.once('error', reject)
    stream.write(encodeBulkRequest('D', length))
  })
}

/** Console side, 'U': send `length` bytes, compare the device's hash of them with `expected` (as for download). */
export async function upload(stream: Duplex, length: number, expected = patternSha256(length)): Promise<BulkResult> {
  const started = performance.now()
  const answer = new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = []
    stream.on('data', (chunk: Buffer) => parts.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(parts)))
    stream.once('error', reject)
  })
  stream.write(encodeBulkRequest('U', length))
  await writePattern(stream, length)
  const digest = await answer
  const seconds = (performance.now() - started) / 1000
  stream.destroy()
  return { bytes: length, seconds, hashOk: digest.toString('hex') === expected }
}
