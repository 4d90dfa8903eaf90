/*
 * The two redirection cursors: LeReader over the stream (little-endian, short is "need more")
 * and AuthDataReader over a complete 0x13/0x14 `data[L]` (running out is malformed, and so is
 * data left after the last field).
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { AuthDataReader, LeReader } from './byte-reader.js'
import { RedirectionDecodeError } from './errors.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

function decodeErrorOf(f: () => unknown): RedirectionDecodeError {
  try {
    f()
  } catch (error) {
    if (error instanceof RedirectionDecodeError) return error
    throw error
  }
  throw new Error('no RedirectionDecodeError thrown')
}

describe('LeReader', () => {
  it('reads little-endian u16, u24, u32 and a latin1 tag', () => {
    const r = new LeReader(hex('0201 030201 04030201 4b564d52'), 0, 13)
    expect([r.u16(), r.u24(), r.u32(), r.tag()]).toEqual([0x0102, 0x010203, 0x01020304, 'KVMR'])
    expect(r.short).toBe(false)
  })

  it('short reads return zero values and remember the first end needed', () => {
    const r = new LeReader(hex('01'), 0, 1)
    expect(r.tag()).toBe('')
    expect(r.neededEnd).toBe(4)
    expect([r.u8(), r.u24()]).toEqual([0, 0])
    expect(r.neededEnd).toBe(4)
  })

  it('checks a length against its cap only while not short', () => {
    const r = new LeReader(hex('ff'), 0, 1)
    expect(decodeErrorOf(() => r.checkLength(10, 9, 'data', 0x28))).toMatchObject({ code: ErrorCode.REDIR_ERR_DATA_TOO_LONG, command: 0x28 })
    r.u16()
    expect(r.checkLength(10, 9, 'data', 0x28)).toBe(10)
  })
})

describe('AuthDataReader', () => {
  it('reads u8-prefixed UTF-8 strings and counts what is left', () => {
    const d = new AuthDataReader(hex('05 61646d696e 02 c3a9 00 07'), 0x13)
    expect(d.remaining).toBe(11)
    expect(d.string('user')).toBe('admin')
    expect(d.string('realm')).toBe('é')
    expect(d.string('nonce')).toBe('')
    expect(d.remaining).toBe(1)
    expect(d.u8('type')).toBe(7)
    expect(d.remaining).toBe(0)
    d.end('digest data')
  })

  it('a missing field, a string past the data and bytes after the last field are REDIR_ERR_MALFORMED', () => {
    expect(decodeErrorOf(() => new AuthDataReader(Buffer.alloc(0), 0x13).u8('type'))).toMatchObject({ code: ErrorCode.REDIR_ERR_MALFORMED, command: 0x13 })
    expect(decodeErrorOf(() => new AuthDataReader(hex('05 6162'), 0x14).string('realm'))).toMatchObject({ code: ErrorCode.REDIR_ERR_MALFORMED, command: 0x14 })
    const extra = new AuthDataReader(hex('01 61 ff'), 0x13)
    extra.string('user')
    expect(decodeErrorOf(() => extra.end('user/password data')).code).toBe(ErrorCode.REDIR_ERR_MALFORMED)
  })
})
