/**
 * IDE redirection messages 0x40–0x54 and KVM's 8-byte 0x40/0x41 step (redirection-wsman.md
 * §2.5, §2.6). IDE-R messages start with `cmd, 00, 00, attributes, seq u32 LE`. Each decoder
 * starts after the command byte.
 */

import { ErrorCode } from '../errors.js'
import { IderFeatureType, RedirCommand as C, type RedirectionLimits } from './constants.js'
import type { LeReader } from './byte-reader.js'
import { checkByteLength, checkMaxLength, LeWriter } from './byte-writer.js'
import { RedirectionDecodeError, RedirectionEncodeError } from './errors.js'
import type {
  AtaRegisters,
  IderCommandWritten,
  IderDataFromHost,
  IderDataToHost,
  IderDisableEnableFeatures,
  IderDisableEnableFeaturesReply,
  IderErrorOccurred,
  IderHeaderOnly,
  IderRegisterMessage,
  IderResetOccurred,
  KvmStep,
  Sense,
  StartIder,
  StartIderReply,
} from './messages.js'

interface Header {
  readonly seq: number
  readonly attributes: number
}

function readHeader(r: LeReader): Header {
  r.skip(2)
  const attributes = r.u8()
  return { seq: r.u32(), attributes }
}

function header(size: number, command: number, m: Header): LeWriter {
  return new LeWriter(size).u8(command, 'command').zeros(2).u8(m.attributes, 'attributes').u32(m.seq, 'seq')
}

/*
 * 0x40 START_IDER, console → device, 18 bytes [MC-ider; amtterm's order differs, MeshCommander's is followed]
 *   header; u16 LE RxTimeout, TxTimeout, Heartbeat (ms); u32 LE Version
 */
export function decodeStartIder(r: LeReader): StartIder {
  const h = readHeader(r)
  return { type: 'START_IDER', ...h, rxTimeout: r.u16(), txTimeout: r.u16(), heartbeatInterval: r.u16(), version: r.u32() }
}

export function encodeStartIder(m: StartIder): Buffer {
  return header(18, C.START_IDER, m)
    .u16(m.rxTimeout, 'rxTimeout')
    .u16(m.txTimeout, 'txTimeout')
    .u16(m.heartbeatInterval, 'heartbeatInterval')
    .u32(m.version, 'version')
    .done()
}

/*
 * 0x41 START_IDER_REPLY, device → console, 30 + N bytes [MC-ider; UIT capture; AMTTERM]
 *   header
 *   [8] major  [9] minor  [10] fw major  [11] fw minor
 *   [12..15] u32 LE reserved (captured 0x00000102)
 *   [16..17] u16 LE read buffer (≤ 8192)   [18..19] u16 LE write buffer (≤ 8192)
 *   [20] reserved (captured 0x0C)   [21] features (consoles require 0)
 *   [22..24] reserved   [25..28] u32 LE OEM IANA   [29] OEM length N, then N bytes
 */
export function decodeStartIderReply(r: LeReader): StartIderReply {
  const h = readHeader(r)
  const majorVersion = r.u8()
  const minorVersion = r.u8()
  const firmwareMajor = r.u8()
  const firmwareMinor = r.u8()
  const reserved12 = r.u32()
  const readBufferSize = r.u16()
  const writeBufferSize = r.u16()
  const reserved20 = r.u8()
  const features = r.u8()
  const reserved22 = r.u24()
  const oemIana = r.u32()
  const oem = r.bytes(r.u8())
  return {
    type: 'START_IDER_REPLY',
    ...h,
    majorVersion,
    minorVersion,
    firmwareMajor,
    firmwareMinor,
    reserved12,
    readBufferSize,
    writeBufferSize,
    reserved20,
    features,
    reserved22,
    oemIana,
    oem,
  }
}

export function encodeStartIderReply(m: StartIderReply): Buffer {
  checkMaxLength(m.oem, 0xff, 'oem')
  return header(30 + m.oem.length, C.START_IDER_REPLY, m)
    .u8(m.majorVersion, 'majorVersion')
    .u8(m.minorVersion, 'minorVersion')
    .u8(m.firmwareMajor, 'firmwareMajor')
    .u8(m.firmwareMinor, 'firmwareMinor')
    .u32(m.reserved12, 'reserved12')
    .u16(m.readBufferSize, 'readBufferSize')
    .u16(m.writeBufferSize, 'writeBufferSize')
    .u8(m.reserved20, 'reserved20')
    .u8(m.features, 'features')
    .u24(m.reserved22, 'reserved22')
    .u32(m.oemIana, 'oemIana')
    .u8(m.oem.length, 'oem length')
    .bytes(m.oem)
    .done()
}

/* 0x42/0x43 end, 0x44/0x45 keepalive, 0x47 reset response, 0x4B heartbeat: header only, 8 bytes [MC-ider, AMTTERM] */
export function iderHeaderOnlyDecoder(type: IderHeaderOnly['type']) {
  return (r: LeReader): IderHeaderOnly => ({ type, ...readHeader(r) })
}

export function encodeIderHeaderOnly(m: IderHeaderOnly): Buffer {
  return header(8, C[m.type], m).done()
}

/* 0x46 RESET_OCCURRED, device → console, 9 bytes: header, u8 reset mask [MC-ider, AMTTERM] */
export function decodeIderResetOccurred(r: LeReader): IderResetOccurred {
  const h = readHeader(r)
  return { type: 'IDER_RESET_OCCURRED', ...h, mask: r.u8() }
}

export function encodeIderResetOccurred(m: IderResetOccurred): Buffer {
  return header(9, C.IDER_RESET_OCCURRED, m).u8(m.mask, 'mask').done()
}

/*
 * 0x48 DISABLE_ENABLE_FEATURES, console → device, 9 or 13 bytes [MC-ider, AMTTERM, SWBOX]
 *   header; u8 type (1 get supported, 2 get register state, 3 set register state);
 *   u32 LE value for types 2 and 3 only. Any other type has no known length.
 */
export function decodeIderDisableEnableFeatures(r: LeReader): IderDisableEnableFeatures {
  const h = readHeader(r)
  const featureType = r.u8()
  if (r.short || featureType === IderFeatureType.GET_SUPPORTED) return { type: 'IDER_DISABLE_ENABLE_FEATURES', ...h, featureType, value: null }
  if (featureType !== IderFeatureType.GET_REGISTER_STATE && featureType !== IderFeatureType.SET_REGISTER_STATE) {
    throw new RedirectionDecodeError(ErrorCode.REDIR_ERR_MALFORMED, `feature request type ${featureType} has no known length`, {
      command: C.IDER_DISABLE_ENABLE_FEATURES,
    })
  }
  return { type: 'IDER_DISABLE_ENABLE_FEATURES', ...h, featureType, value: r.u32() }
}

export function encodeIderDisableEnableFeatures(m: IderDisableEnableFeatures): Buffer {
  const withValue = m.featureType === IderFeatureType.GET_REGISTER_STATE || m.featureType === IderFeatureType.SET_REGISTER_STATE
  if (m.featureType !== IderFeatureType.GET_SUPPORTED && !withValue) {
    throw new RedirectionEncodeError(`feature request type must be 1, 2 or 3, got ${m.featureType}`)
  }
  if (withValue !== (m.value !== null)) throw new RedirectionEncodeError(`feature request type ${m.featureType} ${withValue ? 'needs' : 'has no'} value`)
  const w = header(withValue ? 13 : 9, C.IDER_DISABLE_ENABLE_FEATURES, m).u8(m.featureType, 'featureType')
  if (m.value !== null) w.u32(m.value, 'value')
  return w.done()
}

/* 0x49 DISABLE_ENABLE_FEATURES_REPLY, device → console, 13 bytes: header, u8 type, u32 LE value [MC-ider] */
export function decodeIderDisableEnableFeaturesReply(r: LeReader): IderDisableEnableFeaturesReply {
  const h = readHeader(r)
  return { type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY', ...h, featureType: r.u8(), value: r.u32() }
}

export function encodeIderDisableEnableFeaturesReply(m: IderDisableEnableFeaturesReply): Buffer {
  return header(13, C.IDER_DISABLE_ENABLE_FEATURES_REPLY, m).u8(m.featureType, 'featureType').u32(m.value, 'value').done()
}

/* 0x4A ERROR_OCCURRED, device → console, 11 bytes: header, u8 reason, 2 bytes (ignored, zero) [MC-ider] */
export function decodeIderErrorOccurred(r: LeReader): IderErrorOccurred {
  const h = readHeader(r)
  const reason = r.u8()
  r.skip(2)
  return { type: 'IDER_ERROR_OCCURRED', ...h, reason }
}

export function encodeIderErrorOccurred(m: IderErrorOccurred): Buffer {
  return header(11, C.IDER_ERROR_OCCURRED, m).u8(m.reason, 'reason').zeros(2).done()
}

/*
 * 0x50 COMMAND_WRITTEN, device → console, 28 bytes [AMTTERM redir.h; MC-ider]
 *   header; [8] cable select; [9] feature (bit 0 DMA); [10] sector count; [11] sector number;
 *   [12..13] u16 LE byte count; [14] drive select (0xB0 CD, 0xA0 floppy); [15] ATA command
 *   (0xA0 PACKET); [16..27] 12-byte ATAPI CDB
 */
export function decodeIderCommandWritten(r: LeReader): IderCommandWritten {
  const h = readHeader(r)
  return {
    type: 'IDER_COMMAND_WRITTEN',
    ...h,
    cableSelect: r.u8(),
    feature: r.u8(),
    sectorCount: r.u8(),
    sectorNumber: r.u8(),
    byteCount: r.u16(),
    driveSelect: r.u8(),
    command: r.u8(),
    cdb: r.bytes(12),
  }
}

export function encodeIderCommandWritten(m: IderCommandWritten): Buffer {
  checkByteLength(m.cdb, 12, 'cdb')
  return header(28, C.IDER_COMMAND_WRITTEN, m)
    .u8(m.cableSelect, 'cableSelect')
    .u8(m.feature, 'feature')
    .u8(m.sectorCount, 'sectorCount')
    .u8(m.sectorNumber, 'sectorNumber')
    .u16(m.byteCount, 'byteCount')
    .u8(m.driveSelect, 'driveSelect')
    .u8(m.command, 'command')
    .bytes(m.cdb)
    .done()
}

/* An ATA register block, 8 bytes: mask, error, sector count, sector number, byte count (lsb, msb), drive select, status. */
function readRegisters(r: LeReader): AtaRegisters {
  return { mask: r.u8(), error: r.u8(), sectorCount: r.u8(), sectorNumber: r.u8(), byteCount: r.u16(), driveSelect: r.u8(), status: r.u8() }
}

function writeRegisters(w: LeWriter, regs: AtaRegisters, name: string): LeWriter {
  return w
    .u8(regs.mask, `${name}.mask`)
    .u8(regs.error, `${name}.error`)
    .u8(regs.sectorCount, `${name}.sectorCount`)
    .u8(regs.sectorNumber, `${name}.sectorNumber`)
    .u16(regs.byteCount, `${name}.byteCount`)
    .u8(regs.driveSelect, `${name}.driveSelect`)
    .u8(regs.status, `${name}.status`)
}

function readSense(r: LeReader): Sense {
  return { key: r.u8(), asc: r.u8(), ascq: r.u8() }
}

function writeSense(w: LeWriter, s: Sense): LeWriter {
  return w.u8(s.key, 'sense.key').u8(s.asc, 'sense.asc').u8(s.ascq, 'sense.ascq')
}

/*
 * 0x51 COMMAND_END_RESPONSE and 0x52 GET_DATA_FROM_HOST, console → device, 31 bytes [MC-ider; AMTTERM ider.c]
 *   header (attributes 2 = completed); [8] cable select; [9..10] u16 LE transfer bytes;
 *   [11] packet number; [12..19] input registers; [20..27] output registers; [28] sense key;
 *   [29] ASC; [30] ASCQ. 0x52 puts the write chunk size at [9..10] and in the input byte count.
 */
export function registerMessageDecoder(type: IderRegisterMessage['type']) {
  return (r: LeReader): IderRegisterMessage => {
    const h = readHeader(r)
    const cableSelect = r.u8()
    const transferBytes = r.u16()
    const packetNumber = r.u8()
    const input = readRegisters(r)
    const output = readRegisters(r)
    return { type, ...h, cableSelect, transferBytes, packetNumber, input, output, sense: readSense(r) }
  }
}

export function encodeIderRegisterMessage(m: IderRegisterMessage): Buffer {
  const w = header(31, C[m.type], m).u8(m.cableSelect, 'cableSelect').u16(m.transferBytes, 'transferBytes').u8(m.packetNumber, 'packetNumber')
  return writeSense(writeRegisters(writeRegisters(w, m.input, 'input'), m.output, 'output'), m.sense).done()
}

/*
 * 0x53 DATA_FROM_HOST, device → console, 14 + n bytes [MC-ider; SWBOX]
 *   header; [8] cable select; [9..10] u16 LE n; [11..13] zero; n bytes
 */
export function decodeIderDataFromHost(r: LeReader, limits: RedirectionLimits): IderDataFromHost {
  const h = readHeader(r)
  const cableSelect = r.u8()
  const length = r.checkLength(r.u16(), limits.maxDataLength, 'IDE-R data', C.IDER_DATA_FROM_HOST)
  r.skip(3)
  return { type: 'IDER_DATA_FROM_HOST', ...h, cableSelect, data: r.bytes(length) }
}

export function encodeIderDataFromHost(m: IderDataFromHost): Buffer {
  checkMaxLength(m.data, 0xffff, 'data')
  return header(14 + m.data.length, C.IDER_DATA_FROM_HOST, m)
    .u8(m.cableSelect, 'cableSelect')
    .u16(m.data.length, 'length')
    .zeros(3)
    .bytes(m.data)
    .done()
}

/*
 * 0x54 DATA_TO_HOST, console → device, 34 + n bytes [MC-ider; AMTTERM ider.c; SWBOX "34 + len"]
 *   header (attributes: 2 on the last chunk of a read, 1 for DMA); [8] cable select;
 *   [9..10] u16 LE n; [11] packet number; [12..19] input registers (mask 0xB5 PIO / 0xB4 DMA,
 *   sector count 2, byte count, drive, status 0x58); [20..27] output registers (on the last
 *   chunk: mask 0x85, sector count 3, status 0x50); [28..30] sense; [31..33] zero; n bytes
 */
export function decodeIderDataToHost(r: LeReader, limits: RedirectionLimits): IderDataToHost {
  const h = readHeader(r)
  const cableSelect = r.u8()
  const length = r.checkLength(r.u16(), limits.maxDataLength, 'IDE-R data', C.IDER_DATA_TO_HOST)
  const packetNumber = r.u8()
  const input = readRegisters(r)
  const output = readRegisters(r)
  const sense = readSense(r)
  r.skip(3)
  return { type: 'IDER_DATA_TO_HOST', ...h, cableSelect, packetNumber, input, output, sense, data: r.bytes(length) }
}

export function encodeIderDataToHost(m: IderDataToHost): Buffer {
  checkMaxLength(m.data, 0xffff, 'data')
  const w = header(34 + m.data.length, C.IDER_DATA_TO_HOST, m).u8(m.cableSelect, 'cableSelect').u16(m.data.length, 'length').u8(m.packetNumber, 'packetNumber')
  return writeSense(writeRegisters(writeRegisters(w, m.input, 'input'), m.output, 'output'), m.sense).zeros(3).bytes(m.data).done()
}

/*
 * KVM 0x40 / 0x41, 8 bytes each [MC-redir; UIT; PYWS]: `40 00 00 00 00 00 00 00` from the
 * console after a KVMR login; the device answers 0x41 and 7 bytes ([inferred] zero, ignored
 * when decoding), then RFB starts on the same stream.
 */
export function kvmStepDecoder(type: KvmStep['type']) {
  return (r: LeReader): KvmStep => {
    r.skip(7)
    return { type }
  }
}

export function encodeKvmStep(m: KvmStep): Buffer {
  const out = Buffer.alloc(8)
  out[0] = C[m.type]
  return out
}
