/**
 * Writes one message into a buffer sized exactly up front. Every u32 is range-checked so a
 * caller bug becomes an `ApfEncodeError` naming the field, never a silently wrapped value.
 */

import { ApfEncodeError } from '../errors.js'

export class ByteWriter {
  readonly buf: Buffer
  pos = 0

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  u8(value: number): this {
    this.buf[this.pos++] = value
    return this
  }

  u16(value: number, field: string): this {
    if ((value & 0xffff) !== value) throw new ApfEncodeError(`${field} must be an integer in 0..65535, got ${value}`)
    this.buf.writeUInt16BE(value, this.pos)
    this.pos += 2
    return this
  }

  u32(value: number, field: string): this {
    if (value >>> 0 !== value) throw new ApfEncodeError(`${field} must be an integer in 0..4294967295, got ${value}`)
    this.buf.writeUInt32BE(value, this.pos)
    this.pos += 4
    return this
  }

  bool(value: boolean): this {
    this.buf[this.pos++] = value ? 1 : 0
    return this
  }

  /** A u32 length prefix and the UTF-8 bytes; `byteLength` was computed when sizing. */
  string(value: string, byteLength: number): this {
    this.buf.writeUInt32BE(byteLength, this.pos)
    this.pos += 4
    this.pos += this.buf.write(value, this.pos, byteLength, 'utf8')
    return this
  }

  bytes(value: Uint8Array): this {
    this.buf.set(value, this.pos)
    this.pos += value.length
    return this
  }

  zeros(count: number): this {
    this.buf.fill(0, this.pos, this.pos + count)
    this.pos += count
    return this
  }

  done(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`APF encoder sized ${this.buf.length} bytes but wrote ${this.pos}`)
    }
    return this.buf
  }
}

export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8')
}
