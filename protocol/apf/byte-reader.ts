/**
 * A cursor over one contiguous region of a Buffer, made per decode call.
 *
 * Running past the end is not an error: the reader goes "short", remembers the smallest total
 * length that would have satisfied the first read that failed, and every later read returns a
 * harmless zero value. The caller checks `short` once at the end. Length fields are checked
 * against their caps *before* the reader waits for the bytes, so an over-limit length fails
 * immediately and nothing is ever allocated for it.
 */

import { ApfDecodeError, ErrorCode } from '../errors.js'

export class ByteReader {
  readonly buf: Buffer
  readonly start: number
  readonly end: number
  pos: number
  /** Absolute index the buffer must reach for the first failed read to succeed; 0 when not short. */
  neededEnd = 0
  /**
   * The message decoded completely, but one more byte could belong to it (the two APF messages
   * with an optional tail: USERAUTH_FAILURE's MPS trailer and REQUEST_SUCCESS's port).
   */
  mayExtend = false

  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf
    this.start = start
    this.end = end
    this.pos = start
  }

  get short(): boolean {
    return this.neededEnd !== 0
  }

  /** Bytes from the message start the first failed read needed. */
  get needed(): number {
    return this.neededEnd - this.start
  }

  get remaining(): number {
    return this.end - this.pos
  }

  private markShort(requiredEnd: number): void {
    if (this.neededEnd === 0) this.neededEnd = requiredEnd
  }

  u8(): number {
    if (this.neededEnd !== 0) return 0
    if (this.pos + 1 > this.end) {
      this.markShort(this.pos + 1)
      return 0
    }
    return this.buf[this.pos++] as number
  }

  u16(): number {
    if (this.neededEnd !== 0) return 0
    if (this.pos + 2 > this.end) {
      this.markShort(this.pos + 2)
      return 0
    }
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }

  u32(): number {
    if (this.neededEnd !== 0) return 0
    if (this.pos + 4 > this.end) {
      this.markShort(this.pos + 4)
      return 0
    }
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  bool(): boolean {
    return this.u8() !== 0
  }

  /** `length` raw bytes as a view (no copy). */
  bytes(length: number): Buffer {
    if (this.neededEnd !== 0) return EMPTY
    if (this.pos + length > this.end) {
      this.markShort(this.pos + length)
      return EMPTY
    }
    const view = this.buf.subarray(this.pos, this.pos + length)
    this.pos += length
    return view
  }

  /** A u32-length-prefixed UTF-8 string, at most `maxLength` bytes. */
  string(maxLength: number, field: string, messageType: number): string {
    const length = this.u32()
    if (this.neededEnd !== 0) return ''
    if (length > maxLength) {
      throw new ApfDecodeError(
        ErrorCode.APF_ERR_STRING_TOO_LONG,
        `${field} is ${length} bytes, over the limit of ${maxLength}`,
        { messageType },
      )
    }
    if (this.pos + length > this.end) {
      this.markShort(this.pos + length)
      return ''
    }
    const s = this.buf.toString('utf8', this.pos, this.pos + length)
    this.pos += length
    return s
  }

  /** Skip `length` bytes (reserved fields). */
  skip(length: number): void {
    if (this.neededEnd !== 0) return
    if (this.pos + length > this.end) {
      this.markShort(this.pos + length)
      return
    }
    this.pos += length
  }

  /** The next byte without consuming it, or -1 at the end of the region. */
  peek(): number {
    if (this.neededEnd !== 0 || this.pos >= this.end) return -1
    return this.buf[this.pos] as number
  }
}

const EMPTY = Buffer.alloc(0)
