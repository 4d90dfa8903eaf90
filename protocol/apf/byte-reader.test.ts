/*
 * The APF read cursor (apf.md: integers big-endian, strings u32-length-prefixed UTF-8). Running
 * out of bytes is "short" with the total length the first failed read needed, never an error;
 * an over-limit string length fails before the reader waits for its bytes.
 */

import { describe, expect, it } from 'vitest'
import { ApfDecodeError, ApfDisconnectReason, ErrorCode } from '../errors.js'
import { ByteReader } from './byte-reader.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

describe('ByteReader', () => {
  it('reads big-endian integers, booleans and views within its region', () => {
    const buf = hex('ff 01 0203 04050607 00 02 aabb cc')
    const r = new ByteReader(buf, 1, buf.length - 1)
    expect(r.u8()).toBe(1)
    expect(r.u16()).toBe(0x0203)
    expect(r.u32()).toBe(0x04050607)
    expect(r.bool()).toBe(false)
    expect(r.bool()).toBe(true)
    expect(r.remaining).toBe(2)
    expect(r.peek()).toBe(0xaa)
    const view = r.bytes(2)
    expect(view).toEqual(hex('aabb'))
    expect(view.buffer).toBe(buf.buffer) // a view, not a copy
    expect(r.peek()).toBe(-1) // the 0xcc after `end` is not ours
    expect(r.short).toBe(false)
    expect(r.pos - r.start).toBe(11)
  })

  it('a u16 one byte short marks the reader short with the length it needed', () => {
    const r = new ByteReader(hex('00 01 02'), 1, 2)
    expect(r.u16()).toBe(0)
    expect(r.short).toBe(true)
    expect(r.needed).toBe(2)
    expect(r.neededEnd).toBe(3)
  })

  it('after the first short read every read is a harmless zero and the need does not grow', () => {
    const r = new ByteReader(hex('0102'), 0, 2)
    expect(r.u32()).toBe(0)
    expect(r.needed).toBe(4)
    expect([r.u8(), r.u16(), r.u32()]).toEqual([0, 0, 0])
    expect(r.bytes(10).length).toBe(0)
    expect(r.string(10, 'name', 80)).toBe('')
    r.skip(5)
    expect(r.peek()).toBe(-1)
    expect(r.needed).toBe(4)
    expect(r.pos).toBe(0)
  })

  it('short u8, bytes and skip report the end each needed', () => {
    const empty = new ByteReader(Buffer.alloc(0), 0, 0)
    empty.u8()
    expect(empty.needed).toBe(1)
    const b = new ByteReader(hex('0102'), 0, 2)
    b.bytes(5)
    expect(b.needed).toBe(5)
    const s = new ByteReader(hex('010203'), 0, 3)
    s.skip(1)
    s.skip(4)
    expect(s.needed).toBe(5)
  })

  it('reads a u32-prefixed UTF-8 string and waits for its bytes when cut', () => {
    const text = hex('00000007 70c3a9707061') // "péppa" is 6 bytes; the length says 7
    const r = new ByteReader(text, 0, text.length)
    expect(r.string(64, 'serviceName', 5)).toBe('')
    expect(r.needed).toBe(11)
    const ok = hex('00000006 70c3a9707061')
    expect(new ByteReader(ok, 0, ok.length).string(6, 'serviceName', 5)).toBe('péppa')
  })

  it('a string length over its cap is APF_ERR_STRING_TOO_LONG before any byte of it arrives', () => {
    const r = new ByteReader(hex('00000041'), 0, 4)
    let thrown: unknown
    try {
      r.string(64, 'username', 50)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ApfDecodeError)
    expect(thrown).toMatchObject({ code: ErrorCode.APF_ERR_STRING_TOO_LONG, messageType: 50, disconnectReason: ApfDisconnectReason.PROTOCOL_ERROR })
  })
})
