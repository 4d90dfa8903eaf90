/**
 * The ATAPI/SCSI layer IDE-R carries (redirection-wsman.md §2.5, §6): CDBs the simulated host
 * issues, the sense conventions consoles answer with, and the register blocks of the console's
 * replies as MeshCommander builds them. CDB integers are big-endian, as SCSI has them.
 */

import { checkRange } from './byte-writer.js'
import { AtaStatus, IderAttribute } from './constants.js'
import type { AtaRegisters, IderDataToHost, IderRegisterMessage, Sense } from './messages.js'

export const ScsiOp = {
  TEST_UNIT_READY: 0x00,
  REQUEST_SENSE: 0x03,
  READ_6: 0x08,
  WRITE_6: 0x0a,
  INQUIRY: 0x12,
  MODE_SENSE_6: 0x1a,
  START_STOP: 0x1b,
  ALLOW_MEDIUM_REMOVAL: 0x1e,
  READ_FORMAT_CAPACITIES: 0x23,
  READ_CAPACITY: 0x25,
  READ_10: 0x28,
  WRITE_10: 0x2a,
  WRITE_AND_VERIFY_10: 0x2e,
  READ_TOC: 0x43,
  GET_CONFIGURATION: 0x46,
  GET_EVENT_STATUS_NOTIFICATION: 0x4a,
  READ_DISC_INFO: 0x51,
  MODE_SELECT_10: 0x55,
  MODE_SENSE_10: 0x5a,
  GET_PERFORMANCE: 0xac,
} as const

/** The console's sense conventions [MC-ider]. */
export const SenseCode = {
  NONE: { key: 0, asc: 0, ascq: 0 },
  NO_MEDIUM: { key: 0x02, asc: 0x3a, ascq: 0 },
  /** First TEST_UNIT_READY after mounting: medium may have changed. */
  UNIT_ATTENTION: { key: 0x06, asc: 0x28, ascq: 0 },
  INVALID_FIELD_IN_CDB: { key: 0x05, asc: 0x24, ascq: 0 },
  LBA_OUT_OF_RANGE: { key: 0x05, asc: 0x21, ascq: 0 },
  INVALID_COMMAND: { key: 0x05, asc: 0x20, ascq: 0 },
  WRITE_PROTECTED: { key: 0x07, asc: 0x27, ascq: 0 },
} as const satisfies Record<string, Sense>

export const CD_BLOCK_SIZE = 2048
export const FLOPPY_BLOCK_SIZE = 512

export function senseEquals(a: Sense, b: Sense): boolean {
  return a.key === b.key && a.asc === b.asc && a.ascq === b.ascq
}

function cdb(op: number): Buffer {
  const out = Buffer.alloc(12)
  out[0] = op
  return out
}

export function encodeTestUnitReadyCdb(): Buffer {
  return cdb(ScsiOp.TEST_UNIT_READY)
}

export function encodeReadCapacityCdb(): Buffer {
  return cdb(ScsiOp.READ_CAPACITY)
}

/* READ_10: [0] 0x28, [2..5] LBA BE, [7..8] transfer length in blocks BE. */
export function encodeRead10Cdb(lba: number, blocks: number): Buffer {
  checkRange(lba, 0xffffffff, 'READ_10 LBA')
  checkRange(blocks, 0xffff, 'READ_10 transfer length')
  const out = cdb(ScsiOp.READ_10)
  out.writeUInt32BE(lba, 2)
  out.writeUInt16BE(blocks, 7)
  return out
}

export interface ReadRequest {
  readonly lba: number
  readonly blocks: number
}

/** The LBA and block count of a READ_6 or READ_10 CDB; null for any other opcode. READ_6 length 0 means 256. */
export function decodeReadCdb(c: Buffer): ReadRequest | null {
  if (c[0] === ScsiOp.READ_10 && c.length >= 9) return { lba: c.readUInt32BE(2), blocks: c.readUInt16BE(7) }
  if (c[0] === ScsiOp.READ_6 && c.length >= 5) {
    const lba = (((c[1] as number) & 0x1f) << 16) | ((c[2] as number) << 8) | (c[3] as number)
    const blocks = c[4] === 0 ? 256 : (c[4] as number)
    return { lba, blocks }
  }
  return null
}

/* READ_CAPACITY data: u32 BE last LBA, u32 BE block length (0x800 CD, 0x200 floppy). */
export function encodeReadCapacityData(lastLba: number, blockSize: number): Buffer {
  checkRange(lastLba, 0xffffffff, 'last LBA')
  checkRange(blockSize, 0xffffffff, 'block size')
  const out = Buffer.alloc(8)
  out.writeUInt32BE(lastLba, 0)
  out.writeUInt32BE(blockSize, 4)
  return out
}

export function decodeReadCapacityData(data: Buffer): { readonly lastLba: number; readonly blockSize: number } | null {
  if (data.length < 8) return null
  return { lastLba: data.readUInt32BE(0), blockSize: data.readUInt32BE(4) }
}

const ZERO_REGISTERS: AtaRegisters = Object.freeze({ mask: 0, error: 0, sectorCount: 0, sectorNumber: 0, byteCount: 0, driveSelect: 0, status: 0 })

/**
 * A console's 0x51 for a command without data [MC-ider]: success has output registers mask
 * 0xC5, sector count 3 (C/D + I/O), status 0x50 (DRDY+DSC); a check condition has mask 0x87,
 * error = sense key << 4, status 0x51 (ERR) and the sense bytes.
 */
export function commandEndResponse(seq: number, driveSelect: number, sense: Sense): IderRegisterMessage {
  const failed = sense.key !== 0
  return {
    type: 'IDER_COMMAND_END_RESPONSE',
    seq,
    attributes: IderAttribute.COMPLETED,
    cableSelect: 0,
    transferBytes: 0,
    packetNumber: 0,
    input: ZERO_REGISTERS,
    output: {
      mask: failed ? 0x87 : 0xc5,
      error: failed ? (sense.key << 4) & 0xff : 0,
      sectorCount: 3,
      sectorNumber: 0,
      byteCount: 0,
      driveSelect,
      status: failed ? AtaStatus.DRDY | AtaStatus.DSC | AtaStatus.ERR : AtaStatus.DRDY | AtaStatus.DSC,
    },
    sense: failed ? sense : SenseCode.NONE,
  }
}

/**
 * A console's 0x54 chunk [MC-ider]: input registers mask 0xB5 (PIO) / 0xB4 (DMA), sector count
 * 2 (I/O), byte count (0 for DMA), status 0x58 (DRDY+DSC+DRQ); on the last chunk of the command
 * (`completed`), output registers mask 0x85, sector count 3, status 0x50.
 */
export function dataToHost(seq: number, driveSelect: number, data: Buffer, completed: boolean, dma = false): IderDataToHost {
  return {
    type: 'IDER_DATA_TO_HOST',
    seq,
    attributes: (completed ? IderAttribute.COMPLETED : 0) | (dma ? IderAttribute.DMA : 0),
    cableSelect: 0,
    packetNumber: 0,
    input: {
      mask: dma ? 0xb4 : 0xb5,
      error: 0,
      sectorCount: 2,
      sectorNumber: 0,
      byteCount: dma ? 0 : data.length,
      driveSelect,
      status: AtaStatus.DRDY | AtaStatus.DSC | AtaStatus.DRQ,
    },
    output: completed
      ? { mask: 0x85, error: 0, sectorCount: 3, sectorNumber: 0, byteCount: 0, driveSelect, status: AtaStatus.DRDY | AtaStatus.DSC }
      : ZERO_REGISTERS,
    sense: SenseCode.NONE,
    data,
  }
}

/** The sense a device reads from a console's 0x51 or final 0x54: none unless the ERR status bit is set. */
export function senseOf(m: IderRegisterMessage | IderDataToHost): Sense {
  return (m.output.status & AtaStatus.ERR) !== 0 ? m.sense : SenseCode.NONE
}
