/**
 * The verifiable byte stream a simulated host writes to its serial port in SOL `stream` mode
 * (our design, for stability runs): continuity and integrity can be checked by a console
 * whatever the 0x2A chunking, in constant memory on both sides.
 *
 * The stream is a sequence of 64-byte records of printable ASCII, so a terminal shows lines:
 *
 *   [0]      'S'
 *   [1..8]   sequence number, 8 upper-case hex digits (u32, wraps), from 0
 *   [9]      ' '
 *   [10..52] 43 filler letters: 'A' + (seq + i) mod 26
 *   [53]     ' '
 *   [54..61] checksum, 8 lower-case hex digits
 *   [62..63] '\r\n'
 *
 * checksum(k) = FNV-1a 32 of bytes [0..53] of record k, starting from checksum(k-1) instead of
 * the FNV offset basis (record 0 starts from the basis). The chain makes it a running checksum
 * of the whole stream, and lets a verifier re-synchronise one record after a corruption by
 * seeding from the checksum it received.
 */

export const SOL_STREAM_RECORD_LENGTH = 64
const CHECKSUM_AT = 54
const FILLER_AT = 10
const FILLER_LENGTH = 43
const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const HEX = Buffer.from('0123456789abcdef', 'latin1')
const HEX_UPPER = Buffer.from('0123456789ABCDEF', 'latin1')
const S = 0x53
const SPACE = 0x20
const CR = 0x0d
const LF = 0x0a

function fnv1a(seed: number, buf: Buffer, start: number, end: number): number {
  let h = seed
  for (let i = start; i < end; i++) {
    h ^= buf[i] as number
    h = Math.imul(h, FNV_PRIME) >>> 0
  }
  return h
}

function writeHex(out: Buffer, at: number, value: number, digits: Buffer): void {
  for (let i = 7; i >= 0; i--) {
    out[at + i] = digits[value & 0xf] as number
    value >>>= 4
  }
}

/** Record `seq` chained from `seed` into `out`; returns its checksum. */
function buildRecord(out: Buffer, seq: number, seed: number): number {
  out[0] = S
  writeHex(out, 1, seq, HEX_UPPER)
  out[9] = SPACE
  for (let i = 0; i < FILLER_LENGTH; i++) out[FILLER_AT + i] = 0x41 + ((seq + i) % 26)
  out[53] = SPACE
  const checksum = fnv1a(seed, out, 0, CHECKSUM_AT)
  writeHex(out, CHECKSUM_AT, checksum, HEX)
  out[62] = CR
  out[63] = LF
  return checksum
}

/** The device side: hands out the stream's next bytes, in any sizes. 64 bytes of state. */
export class SolStreamGenerator {
  private readonly record = Buffer.allocUnsafe(SOL_STREAM_RECORD_LENGTH)
  private offset = SOL_STREAM_RECORD_LENGTH
  private seq = 0
  private chain = FNV_OFFSET
  private produced = 0

  get bytesProduced(): number {
    return this.produced
  }

  /** The next `n` bytes of the stream, as a new Buffer. */
  read(n: number): Buffer {
    const out = Buffer.allocUnsafe(n)
    let at = 0
    while (at < n) {
      if (this.offset === SOL_STREAM_RECORD_LENGTH) {
        this.chain = buildRecord(this.record, this.seq, this.chain)
        this.seq = (this.seq + 1) >>> 0
        this.offset = 0
      }
      const take = Math.min(n - at, SOL_STREAM_RECORD_LENGTH - this.offset)
      this.record.copy(out, at, this.offset, this.offset + take)
      this.offset += take
      at += take
    }
    this.produced += n
    return out
  }
}

export interface SolStreamStats {
  readonly bytes: number
  readonly records: number
  readonly sequenceErrors: number
  readonly checksumErrors: number
  readonly formatErrors: number
}

/** The console side: checks sequence and checksum continuously. 64 bytes of state. */
export class SolStreamVerifier {
  private readonly record = Buffer.allocUnsafe(SOL_STREAM_RECORD_LENGTH)
  private filled = 0
  private expectedSeq = 0
  private chain = FNV_OFFSET
  /** After a framing error: drop bytes up to the next LF, then take whatever sequence comes. */
  private resyncing = false
  private seqUnknown = false
  private counts = { bytes: 0, records: 0, sequenceErrors: 0, checksumErrors: 0, formatErrors: 0 }

  get stats(): SolStreamStats {
    return { ...this.counts }
  }

  get errors(): number {
    return this.counts.sequenceErrors + this.counts.checksumErrors + this.counts.formatErrors
  }

  push(chunk: Buffer): void {
    this.counts.bytes += chunk.length
    let at = 0
    while (at < chunk.length) {
      if (this.resyncing) {
        const lf = chunk.indexOf(LF, at)
        if (lf < 0) return
        at = lf + 1
        this.resyncing = false
        continue
      }
      const take = Math.min(chunk.length - at, SOL_STREAM_RECORD_LENGTH - this.filled)
      chunk.copy(this.record, this.filled, at, at + take)
      this.filled += take
      at += take
      if (this.filled === SOL_STREAM_RECORD_LENGTH) {
        this.filled = 0
        this.check()
      }
    }
  }

  private check(): void {
    const r = this.record
    const seq = readHex(r, 1, HEX_UPPER)
    const received = readHex(r, CHECKSUM_AT, HEX)
    if (r[0] !== S || r[62] !== CR || r[63] !== LF || r[9] !== SPACE || r[53] !== SPACE || seq < 0 || received < 0) {
      this.realign()
      return
    }
    this.counts.records++
    if (this.seqUnknown) {
      // First record after a framing error: nothing to compare with, adopt its position.
      this.seqUnknown = false
    } else {
      if (seq !== this.expectedSeq) this.counts.sequenceErrors++
      if (fnv1a(this.chain, r, 0, CHECKSUM_AT) !== received) this.counts.checksumErrors++
    }
    this.expectedSeq = (seq + 1) >>> 0
    // Chain from what the generator sent, so one corrupted record costs one error.
    this.chain = received
  }

  /** A lost or extra byte shifted the framing: count it and realign after the next line end. */
  private realign(): void {
    this.counts.formatErrors++
    this.seqUnknown = true
    const lf = this.record.indexOf(LF)
    if (lf < 0) {
      this.resyncing = true
      return
    }
    if (lf < SOL_STREAM_RECORD_LENGTH - 1) {
      const rest = Buffer.from(this.record.subarray(lf + 1))
      this.counts.bytes -= rest.length
      this.push(rest)
    }
  }
}

/** Eight hex digits at `at` in exactly the generator's case (so a flipped case bit is caught), or -1. */
function readHex(buf: Buffer, at: number, digits: Buffer): number {
  let value = 0
  for (let i = at; i < at + 8; i++) {
    const digit = digits.indexOf(buf[i] as number)
    if (digit < 0) return -1
    value = value * 16 + digit
  }
  return value
}
