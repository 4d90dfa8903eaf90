/**
 * Writes one little-endian message into a buffer sized exactly up front. Every integer is
 * range-checked so a caller bug becomes a `RedirectionEncodeError` naming the field.
 */

import { RedirectionEncodeError } from './errors.js'

export function checkRange(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RedirectionEncodeError(`${field} must be an integer in 0..${max}, got ${value}`)
  }
}

export class LeWriter {
  readonly buf: Buffer
  pos = 0

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  u8(value: number, field: string): this {
    checkRange(value, 0xff, field)
    this.buf[this.pos++] = value
    return this
  }

  u16(value: number, field: string): this {
    checkRange(value, 0xffff, field)
    this.buf.writeUInt16LE(value, this.pos)
    this.pos += 2
    return this
  }

  u24(value: number, field: string): this {
    checkRange(value, 0xffffff, field)
    this.buf.writeUIntLE(value, this.pos, 3)
    this.pos += 3
    return this
  }

  u32(value: number, field: string): this {
    checkRange(value, 0xffffffff, field)
    this.buf.writeUInt32LE(value, this.pos)
    this.pos += 4
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

  /** Four tag bytes as latin1. */
  tag(value: string, field: string): this {
    if (Buffer.byteLength(value, 'latin1') !== 4 || /[^\u0000-\u00ff]/u.test(value)) {
      throw new RedirectionEncodeError(`${field} must be 4 latin1 characters, got ${JSON.stringify(value)}`)
    }
    this.pos += this.buf.write(value, this.pos, 4, 'latin1')
    return this
  }

  /** A u8-prefixed UTF-8 string; `encoded` is its bytes, made when sizing. */
  string8(encoded: Buffer): this {
    this.buf[this.pos++] = encoded.length
    return this.bytes(encoded)
  }

  done(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`redirection encoder sized ${this.buf.length} bytes but wrote ${this.pos}`)
    return this.buf
  }
}

/** UTF-8 bytes of a u8-prefixed string field, checked to fit the prefix. */
export function string8Bytes(value: string, field: string): Buffer {
  const bytes = Buffer.from(value, 'utf8')
  if (bytes.length > 0xff) throw new RedirectionEncodeError(`${field} is ${bytes.length} bytes; a u8 length allows 255`)
  return bytes
}

export function checkByteLength(value: Uint8Array, length: number, field: string): void {
  if (value.length !== length) throw new RedirectionEncodeError(`${field} must be ${length} bytes, got ${value.length}`)
}

export function checkMaxLength(value: Uint8Array, max: number, field: string): void {
  if (value.length > max) throw new RedirectionEncodeError(`${field} is ${value.length} bytes, over the maximum of ${max}`)
}
