/*
 * The ATAPI/SCSI layer of IDE-R (redirection-wsman.md §2.5, §6). Expected bytes are written out
 * by hand from the layouts (CDB integers big-endian; the 0x51/0x54 register blocks of
 * codec-ider.ts), never produced by the encoder under test.
 */

import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { decodeRedirectionMessage, encodeRedirectionMessage } from './codec.js'
import { RedirectionEncodeError } from './errors.js'
import type { IderDataToHost, IderRegisterMessage, RedirectionMessage } from './messages.js'
import {
  CD_BLOCK_SIZE,
  commandEndResponse,
  dataToHost,
  decodeReadCapacityData,
  decodeReadCdb,
  encodeRead10Cdb,
  encodeReadCapacityCdb,
  encodeReadCapacityData,
  encodeTestUnitReadyCdb,
  FLOPPY_BLOCK_SIZE,
  ScsiOp,
  SenseCode,
  senseEquals,
  senseOf,
} from './scsi.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (error) {
    return error instanceof RedirectionEncodeError ? error.code : `untyped ${String(error)}`
  }
  return 'no error'
}

function decodeIder(bytes: Buffer): RedirectionMessage {
  const result = decodeRedirectionMessage(bytes, 'ider')
  if (result.kind !== 'message') throw new Error(`expected a message, got ${result.kind}`)
  expect(result.length).toBe(bytes.length)
  return result.message
}

describe('opcodes and sense conventions', () => {
  it('uses the opcode numbers the console handles [MC-ider handleSCSI]', () => {
    expect(ScsiOp).toMatchObject({ TEST_UNIT_READY: 0x00, READ_6: 0x08, READ_CAPACITY: 0x25, READ_10: 0x28, GET_EVENT_STATUS_NOTIFICATION: 0x4a, GET_PERFORMANCE: 0xac })
  })

  it('uses the console sense triples', () => {
    expect(SenseCode.NO_MEDIUM).toEqual({ key: 0x02, asc: 0x3a, ascq: 0 })
    expect(SenseCode.UNIT_ATTENTION).toEqual({ key: 0x06, asc: 0x28, ascq: 0 })
    expect(SenseCode.INVALID_FIELD_IN_CDB).toEqual({ key: 0x05, asc: 0x24, ascq: 0 })
    expect(SenseCode.LBA_OUT_OF_RANGE).toEqual({ key: 0x05, asc: 0x21, ascq: 0 })
    expect(SenseCode.INVALID_COMMAND).toEqual({ key: 0x05, asc: 0x20, ascq: 0 })
    expect(SenseCode.WRITE_PROTECTED).toEqual({ key: 0x07, asc: 0x27, ascq: 0 })
    expect([CD_BLOCK_SIZE, FLOPPY_BLOCK_SIZE]).toEqual([2048, 512])
  })

  it('compares sense by key, ASC and ASCQ', () => {
    expect(senseEquals(SenseCode.NO_MEDIUM, { key: 2, asc: 0x3a, ascq: 0 })).toBe(true)
    expect(senseEquals(SenseCode.NO_MEDIUM, { key: 3, asc: 0x3a, ascq: 0 })).toBe(false)
    expect(senseEquals(SenseCode.NO_MEDIUM, { key: 2, asc: 0x3b, ascq: 0 })).toBe(false)
    expect(senseEquals(SenseCode.NO_MEDIUM, { key: 2, asc: 0x3a, ascq: 1 })).toBe(false)
  })
})

describe('CDB encoding', () => {
  it('TEST_UNIT_READY is twelve zero bytes', () => {
    expect(encodeTestUnitReadyCdb().toString('hex')).toBe('000000000000000000000000')
  })

  it('READ_CAPACITY is 0x25 followed by eleven zero bytes', () => {
    expect(encodeReadCapacityCdb().toString('hex')).toBe('250000000000000000000000')
  })

  it('READ_10 puts the LBA at [2..5] and the block count at [7..8], big-endian', () => {
    expect(encodeRead10Cdb(0x00012345, 0x0010)).toEqual(hex('28 00 00012345 00 0010 000000'))
    expect(encodeRead10Cdb(0xfffffffe, 0xffff)).toEqual(hex('28 00 fffffffe 00 ffff 000000'))
  })

  // Before the fix a fraction was truncated silently (LBA 0.5 read block 0) and a negative or
  // too large value threw Node's untyped RangeError.
  it('refuses an LBA or length that does not fit its field with REDIR_ERR_INVALID_FIELD', () => {
    const bad: [number, number][] = [
      [0.5, 1],
      [1, 1.9],
      [-1, 1],
      [2 ** 32, 1],
      [0, 0x10000],
      [Number.NaN, 1],
    ]
    for (const [lba, blocks] of bad) {
      expect(() => encodeRead10Cdb(lba, blocks)).toThrow(RedirectionEncodeError)
      expect(codeOf(() => encodeRead10Cdb(lba, blocks))).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    }
  })
})

describe('decodeReadCdb', () => {
  it('reads READ_10 LBA and length', () => {
    expect(decodeReadCdb(hex('28 00 00012345 00 0010 000000'))).toEqual({ lba: 0x12345, blocks: 16 })
  })

  it('reads READ_10 from exactly the 9 bytes that hold its fields', () => {
    expect(decodeReadCdb(hex('28 00 00000007 00 0001'))).toEqual({ lba: 7, blocks: 1 })
    expect(decodeReadCdb(hex('28 00 00000007 00 00'))).toBeNull()
  })

  it('reads READ_6: a 21-bit LBA (LUN bits masked) and a length where 0 means 256 [§6]', () => {
    expect(decodeReadCdb(hex('08 01 0203 04 00'))).toEqual({ lba: 0x010203, blocks: 4 })
    expect(decodeReadCdb(hex('08 ff ffff 00 00'))).toEqual({ lba: 0x1fffff, blocks: 256 })
    expect(decodeReadCdb(hex('08 e0 0010 ff 00 000000000000'))).toEqual({ lba: 0x10, blocks: 255 })
    expect(decodeReadCdb(hex('08 00 0000'))).toBeNull()
  })

  it('is null for any other opcode and for an empty CDB', () => {
    expect(decodeReadCdb(encodeTestUnitReadyCdb())).toBeNull()
    expect(decodeReadCdb(hex('2a 00 00000000 00 0001 000000'))).toBeNull()
    expect(decodeReadCdb(Buffer.alloc(0))).toBeNull()
  })
})

describe('READ_CAPACITY data', () => {
  it('is last LBA then block length, both u32 big-endian', () => {
    // A 4 MiB CD image: 2048 blocks of 2048 bytes, last LBA 2047.
    expect(encodeReadCapacityData(2047, CD_BLOCK_SIZE).toString('hex')).toBe('000007ff00000800')
    // A 1.44 MB floppy: 2880 sectors of 512 bytes.
    expect(encodeReadCapacityData(2879, FLOPPY_BLOCK_SIZE).toString('hex')).toBe('00000b3f00000200')
  })

  it('decodes the same layout, ignoring bytes after the eighth, and is null when short', () => {
    expect(decodeReadCapacityData(hex('000007ff00000800'))).toEqual({ lastLba: 2047, blockSize: 2048 })
    expect(decodeReadCapacityData(hex('ffffffff00000200 99'))).toEqual({ lastLba: 0xffffffff, blockSize: 512 })
    expect(decodeReadCapacityData(hex('000007ff000008'))).toBeNull()
  })

  it('refuses values that are not a u32 with REDIR_ERR_INVALID_FIELD', () => {
    expect(codeOf(() => encodeReadCapacityData(2 ** 32, 512))).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf(() => encodeReadCapacityData(-1, 512))).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
    expect(codeOf(() => encodeReadCapacityData(10, 2048.5))).toBe(ErrorCode.REDIR_ERR_INVALID_FIELD)
  })
})

describe('commandEndResponse (0x51 for a command without data)', () => {
  it('success: output mask 0xC5, sector count 3, status 0x50, zero sense', () => {
    const m = commandEndResponse(4, 0xb0, SenseCode.NONE)
    const bytes = hex(`
      51 0000 02 04000000
      00 0000 00
      00 00 00 00 0000 00 00
      c5 00 03 00 0000 b0 50
      00 00 00`)
    expect(encodeRedirectionMessage(m)).toEqual(bytes)
    expect(decodeIder(bytes)).toEqual(m)
    expect(senseOf(m)).toEqual(SenseCode.NONE)
  })

  it('check condition: output mask 0x87, error = key << 4, status 0x51 and the sense bytes', () => {
    const m = commandEndResponse(0x01020304, 0xa0, SenseCode.NO_MEDIUM)
    const bytes = hex(`
      51 0000 02 04030201
      00 0000 00
      00 00 00 00 0000 00 00
      87 20 03 00 0000 a0 51
      02 3a 00`)
    expect(encodeRedirectionMessage(m)).toEqual(bytes)
    expect(decodeIder(bytes)).toEqual(m)
    expect(senseOf(m)).toEqual(SenseCode.NO_MEDIUM)
  })

  it('keeps the error register a byte for the highest sense key', () => {
    const m = commandEndResponse(1, 0xb0, { key: 0x0f, asc: 0x11, ascq: 0x22 })
    expect(m.output.error).toBe(0xf0)
    expect(encodeRedirectionMessage(m).subarray(20, 31)).toEqual(hex('87 f0 03 00 0000 b0 51 0f 11 22'))
  })

  it('a key of 0 is success even with a non-zero ASC: no sense is sent', () => {
    const m = commandEndResponse(2, 0xb0, { key: 0, asc: 0x3a, ascq: 1 })
    expect(m.output.status).toBe(0x50)
    expect(m.sense).toEqual(SenseCode.NONE)
  })
})

describe('dataToHost (0x54)', () => {
  it('the last PIO chunk of a read: attributes 2, input mask 0xB5 with the byte count, output 0x85/3/0x50', () => {
    const m = dataToHost(9, 0xb0, hex('deadbeef'), true)
    const bytes = hex(`
      54 0000 02 09000000
      00 0400 00
      b5 00 02 00 0400 b0 58
      85 00 03 00 0000 b0 50
      00 00 00 000000
      deadbeef`)
    expect(encodeRedirectionMessage(m)).toEqual(bytes)
    expect(decodeIder(bytes)).toEqual(m)
  })

  it('a middle DMA chunk: attributes 1, input mask 0xB4 with byte count 0, output registers zero', () => {
    const m = dataToHost(10, 0xa0, hex('0102'), false, true)
    const bytes = hex(`
      54 0000 01 0a000000
      00 0200 00
      b4 00 02 00 0000 a0 58
      00 00 00 00 0000 00 00
      00 00 00 000000
      0102`)
    expect(encodeRedirectionMessage(m)).toEqual(bytes)
    expect(decodeIder(bytes)).toEqual(m)
  })

  it('the last DMA chunk carries both attribute bits (0x03)', () => {
    const m = dataToHost(11, 0xb0, Buffer.alloc(2048, 0x5a), true, true)
    const bytes = encodeRedirectionMessage(m)
    expect(bytes.length).toBe(34 + 2048)
    expect(bytes.subarray(0, 34)).toEqual(hex('54 0000 03 0b000000 00 0008 00 b4 00 02 00 0000 b0 58 85 00 03 00 0000 b0 50 000000 000000'))
    expect(senseOf(m)).toEqual(SenseCode.NONE)
  })
})

describe('senseOf, as a device reads a console reply', () => {
  it('returns the sense bytes only when the output status has ERR set', () => {
    const failed = decodeIder(hex('51 0000 02 05000000 00 0000 00 0000000000000000 87 50 03 00 0000 b0 51 05 24 00')) as IderRegisterMessage
    expect(senseOf(failed)).toEqual(SenseCode.INVALID_FIELD_IN_CDB)
    // Sense bytes without ERR (a console that leaves stale bytes) mean no error.
    const stale = decodeIder(hex('51 0000 02 06000000 00 0000 00 0000000000000000 c5 00 03 00 0000 b0 50 05 24 00')) as IderRegisterMessage
    expect(senseOf(stale)).toEqual(SenseCode.NONE)
  })

  it('reads the sense of a final 0x54 the same way', () => {
    const chunk = decodeIder(hex('54 0000 02 07000000 00 0100 00 b5 00 02 00 0100 b0 58 85 00 03 00 0000 b0 51 03 11 00 000000 ff')) as IderDataToHost
    expect(chunk.data).toEqual(hex('ff'))
    expect(senseOf(chunk)).toEqual({ key: 3, asc: 0x11, ascq: 0 })
  })
})
