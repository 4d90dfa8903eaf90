/**
 * A little-endian cursor over one region of a Buffer, made per decode call (redirection
 * integers are little-endian, redirection-wsman.md §2.1).
 *
 * Running past the end is not an error: the reader goes "short" and remembers the smallest end
 * that would have satisfied the first failed read; later reads return zero values and the
 * caller checks `short` once. Length fields are checked against their caps before waiting
 * for the bytes, so an over-limit length fails at once and nothing is allocated for it.
 */

import { ErrorCode } from '../errors.js'
import { RedirectionDecodeError } from './errors.js'

const EMPTY = Buffer.alloc(0)

export class LeReader {
  readonly buf: Buffer
  readonly start: number
  readonly end: number
  pos: number
  /** Absolute index the buffer must reach for the first failed read to succeed; 0 when not short. */
  neededEnd = 0

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf
    this.start = start
    this.end = end
    this.pos = start
  }

  get short(): boolean {
    return this.neededEnd !== 0
  }

  private take(length: number): number {
    if (this.neededEnd !== 0) return -1
    if (this.pos + length > this.end) {
      this.neededEnd = this.pos + length
      return -1
    }
    const at = this.pos
    this.pos += length
    return at
  }

  u8(): number {
    const at = this.take(1)
    return at < 0 ? 0 : (this.buf[at] as number)
  }

  u16(): number {
    const at = this.take(2)
    return at < 0 ? 0 : this.buf.readUInt16LE(at)
  }

  u24(): number {
    const at = this.take(3)
    return at < 0 ? 0 : this.buf.readUIntLE(at, 3)
  }

  u32(): number {
    const at = this.take(4)
    return at < 0 ? 0 : this.buf.readUInt32LE(at)
  }

  /** `length` raw bytes as a view of the input (no copy). */
  bytes(length: number): Buffer {
    const at = this.take(length)
    return at < 0 ? EMPTY : this.buf.subarray(at, at + length)
  }

  skip(length: number): void {
    this.take(length)
  }

  /** Four bytes as latin1 (session tags). */
  tag(): string {
    const at = this.take(4)
    return at < 0 ? '' : this.buf.toString('latin1', at, at + 4)
  }

  /**
   * A length checked against `max` as soon as it is read: over the limit is an error even
   * when the bytes it announces have not arrived.
   */
  checkLength(length: number, max: number, field: string, command: number): number {
    if (this.neededEnd === 0 && length > max) {
      throw new RedirectionDecodeError(ErrorCode.REDIR_ERR_DATA_TOO_LONG, `${field} is ${length} bytes, over the limit of ${max}`, { command })
    }
    return length
  }
}

/**
 * A cursor over the `data[L]` of an authentication message, already complete in memory:
 * running out is malformed data, not "need more".
 */
export class AuthDataReader {
  private pos = 0

  constructor(
    private readonly data: Buffer,
    private readonly command: number,
  ) {}

  get remaining(): number {
    return this.data.length - this.pos
  }

  u8(field: string): number {
    if (this.pos >= this.data.length) throw this.malformed(`${field} is missing`)
    return this.data[this.pos++] as number
  }

  /** A u8-prefixed UTF-8 string. */
  string(field: string): string {
    const length = this.u8(`${field} length`)
    if (this.pos + length > this.data.length) throw this.malformed(`${field} runs ${this.pos + length - this.data.length} bytes past the data`)
    const s = this.data.toString('utf8', this.pos, this.pos + length)
    this.pos += length
    return s
  }

  /** Every byte must have been used: data longer than its fields is malformed. */
  end(what: string): void {
    if (this.pos !== this.data.length) throw this.malformed(`${what} has ${this.data.length - this.pos} bytes after its last field`)
  }

  private malformed(message: string): RedirectionDecodeError {
    return new RedirectionDecodeError(ErrorCode.REDIR_ERR_MALFORMED, message, { command: this.command })
  }
}
