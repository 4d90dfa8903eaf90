/**
 * Redirection byte vectors (port 16994): every layout of shared/protocol/redirection-wsman.md
 * §2 with its decoded value, the captured IDE-R 0x41 reply, the notes' example bytes, and our
 * own for every message type and decode error code. Each valid vector runs as decode, encode
 * and round trip in redirection.vectors.test.ts.
 */

import { ErrorCode } from '../../protocol/errors.js'
import type { MessagePhase, RedirectionDecodeErrorCode, RedirectionLimits, RedirectionMessage } from '../../protocol/redirection/index.js'
import {
  decodeRfbClientMessage,
  decodeRfbProtocolVersion,
  decodeRfbRectangle,
  decodeRfbSecurityResult,
  decodeRfbSecurityTypes,
  decodeRfbServerInit,
  decodeRfbServerMessage,
  encodeRfbClientMessage,
  encodeRfbFramebufferUpdateHeader,
  encodeRfbProtocolVersion,
  encodeRfbRectangle,
  encodeRfbSecurityResult,
  encodeRfbSecurityTypes,
  encodeRfbServerCutText,
  encodeRfbServerInit,
  PIXEL_FORMAT_RGB565,
  encodeRfbBell,
  type RfbClientMessage,
  type RfbServerMessage,
  type RfbResult,
} from '../../protocol/redirection/rfb.js'

export interface RedirectionVector {
  readonly name: string
  /** A section of redirection-wsman.md with the source it cites, or "ciralab" for our own. */
  readonly source: string
  readonly phase: MessagePhase
  readonly hex: string
  readonly message: RedirectionMessage
}

export interface RedirectionErrorVector {
  readonly name: string
  readonly phase: MessagePhase
  readonly hex: string
  readonly code: RedirectionDecodeErrorCode
  readonly limits?: Partial<RedirectionLimits>
}

/** Hex of the parts, spaces dropped. */
const h = (...parts: string[]): string => parts.join('').replace(/\s+/g, '')
/** A u8-prefixed ASCII string as hex. */
const s8 = (text: string): string => Buffer.from([text.length]).toString('hex') + Buffer.from(text, 'latin1').toString('hex')
const ascii = (text: string): string => Buffer.from(text, 'latin1').toString('hex')
const u32le = (n: number): string => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b.toString('hex')
}

export const USER = 'admin'
export const PASSWORD = 'P@ssw0rd'
export const REALM = 'Digest:0123456789ABCDEF0123456789ABCDEF'
export const NONCE = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
const URI = '/RedirectionService'
/** Response digests computed independently (Python hashlib) for the values above. */
const RESPONSE_TYPE4_MESHCOMMANDER = '8258b05d85a432ce1a286d68185996a8'
const RESPONSE_TYPE3 = '35358ad2708ae8d3c0cbb3d7d75e3ce6'

const step1Data4 = h(s8(USER), '00 00', s8(URI), '00 00 00 00')
const step1Data3 = h(s8(USER), '00 00', s8(URI), '00 00 00')
const answer4 = h(s8(USER), s8(REALM), s8(NONCE), s8(URI), s8('00112233445566778899aabbccddeeff'), s8('00000002'), s8(RESPONSE_TYPE4_MESHCOMMANDER), s8('auth'))
const answer3 = h(s8(USER), s8(REALM), s8(NONCE), s8(URI), '00', '00', s8(RESPONSE_TYPE3))
const challenge4 = h(s8(REALM), s8(NONCE), s8('auth'))
const NO_REGS = { mask: 0, error: 0, sectorCount: 0, sectorNumber: 0, byteCount: 0, driveSelect: 0, status: 0 }
const NO_SENSE = { key: 0, asc: 0, ascq: 0 }
const SOL_MC = { maxTxBuffer: 10000, txBufferTimeout: 100, txOverflowTimeout: 0, hostSessionRxTimeout: 10000, hostFifoRxFlushTimeout: 100, heartbeatInterval: 0 }
const SOL_AMTTERM = { maxTxBuffer: 1000, txBufferTimeout: 100, txOverflowTimeout: 0, hostSessionRxTimeout: 10000, hostFifoRxFlushTimeout: 0, heartbeatInterval: 5000 }

const SESSION_VECTORS: RedirectionVector[] = [
  { name: '0x10 start SOL', source: '§2.2 [MC-redir]', phase: 'session', hex: '10000000534f4c20', message: { type: 'START_REDIRECTION_SESSION', flag: 0, tag: 'SOL ' } },
  { name: '0x10 start IDER', source: '§2.2 [MC-redir]', phase: 'session', hex: '1000000049444552', message: { type: 'START_REDIRECTION_SESSION', flag: 0, tag: 'IDER' } },
  { name: '0x10 start KVMR', source: '§2.2, §2.6 [UIT]', phase: 'session', hex: '100100004b564d52', message: { type: 'START_REDIRECTION_SESSION', flag: 1, tag: 'KVMR' } },
  {
    name: '0x11 suggested realistic reply (fw 16.1, IANA 0x157)',
    source: '§2.2 [inferred]',
    phase: 'session',
    hex: '110000000100100157010000' + '00',
    message: { type: 'START_REDIRECTION_SESSION_REPLY', status: 0, protocolMajor: 1, protocolMinor: 0, firmwareMajor: 16, firmwareMinor: 1, oemIana: 0x157, oem: Buffer.alloc(0) },
  },
  {
    name: '0x11 SWBOX reply (proto 1.0, fw 2.0, IANA 0x5555)',
    source: '§2.2 [SWBOX]',
    phase: 'session',
    hex: '11000000010002005555000000',
    message: { type: 'START_REDIRECTION_SESSION_REPLY', status: 0, protocolMajor: 1, protocolMinor: 0, firmwareMajor: 2, firmwareMinor: 0, oemIana: 0x5555, oem: Buffer.alloc(0) },
  },
  {
    name: '0x11 BUSY with 2 OEM bytes',
    source: 'ciralab',
    phase: 'session',
    hex: '1102000001000b0857010000' + '02abcd',
    message: { type: 'START_REDIRECTION_SESSION_REPLY', status: 2, protocolMajor: 1, protocolMinor: 0, firmwareMajor: 11, firmwareMinor: 8, oemIana: 0x157, oem: Buffer.from('abcd', 'hex') },
  },
  { name: '0x12 end session', source: '§2.2 [AMTTERM, MPS]', phase: 'session', hex: '12000000', message: { type: 'END_REDIRECTION_SESSION' } },
  { name: '0x13 auth query', source: '§2.3.1', phase: 'session', hex: '130000000000000000', message: { type: 'AUTHENTICATE_SESSION', authType: 0, body: { kind: 'none' } } },
  {
    name: '0x13 empty Kerberos (built-in web server path)',
    source: '§2.3.8 [MC-redir, PYWS]',
    phase: 'session',
    hex: '130000000200000000',
    message: { type: 'AUTHENTICATE_SESSION', authType: 2, body: { kind: 'none' } },
  },
  {
    name: '0x14 query reply [03 04]',
    source: '§2.3.1 [inferred]',
    phase: 'session',
    hex: '1400000000020000000304',
    message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 0, body: { kind: 'types', authTypes: [3, 4] } },
  },
  {
    name: '0x14 SWBOX query reply [01]',
    source: '§2.3.1 [SWBOX]',
    phase: 'session',
    hex: '14000000000100000001',
    message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 0, body: { kind: 'types', authTypes: [1] } },
  },
  {
    name: '0x13 digest type 4 step 1 (L = ulen + urilen + 8)',
    source: '§2.3.2 [MC-redir]',
    phase: 'session',
    hex: h('1300000004', u32le(5 + 19 + 8), step1Data4),
    message: { type: 'AUTHENTICATE_SESSION', authType: 4, body: { kind: 'digest', user: USER, realm: '', nonce: '', uri: URI, cnonce: '', nc: '', response: '', qop: '' } },
  },
  {
    name: '0x13 digest type 3 step 1 (L = ulen + urilen + 7)',
    source: '§2.3.2 [AMTTERM]',
    phase: 'session',
    hex: h('1300000003', u32le(5 + 19 + 7), step1Data3),
    message: { type: 'AUTHENTICATE_SESSION', authType: 3, body: { kind: 'digest', user: USER, realm: '', nonce: '', uri: URI, cnonce: '', nc: '', response: '', qop: null } },
  },
  {
    name: '0x14 digest type 4 challenge (status FAILURE, realm, nonce, qop auth)',
    source: '§2.3.3 [MC-redir; MPS]',
    phase: 'session',
    hex: h('1401000004', u32le(challenge4.length / 2), challenge4),
    message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: 4, body: { kind: 'challenge', realm: REALM, nonce: NONCE, qop: 'auth' } },
  },
  {
    name: '0x14 digest type 3 challenge (no qop)',
    source: '§2.3.3 [AMTTERM]',
    phase: 'session',
    hex: h('1401000003', u32le(1 + REALM.length + 1 + NONCE.length), s8(REALM), s8(NONCE)),
    message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: 3, body: { kind: 'challenge', realm: REALM, nonce: NONCE, qop: null } },
  },
  {
    name: '0x13 digest type 4 answer, MeshCommander variant (nc 00000002, 32-hex cnonce)',
    source: '§2.3.4 [MC-redir; response by Python hashlib]',
    phase: 'session',
    hex: h('1300000004', u32le(answer4.length / 2), answer4),
    message: {
      type: 'AUTHENTICATE_SESSION',
      authType: 4,
      body: { kind: 'digest', user: USER, realm: REALM, nonce: NONCE, uri: URI, cnonce: '00112233445566778899aabbccddeeff', nc: '00000002', response: RESPONSE_TYPE4_MESHCOMMANDER, qop: 'auth' },
    },
  },
  {
    name: '0x13 digest type 3 answer (RFC 2069)',
    source: '§2.3.4 [AMTTERM; response by Python hashlib]',
    phase: 'session',
    hex: h('1300000003', u32le(answer3.length / 2), answer3),
    message: { type: 'AUTHENTICATE_SESSION', authType: 3, body: { kind: 'digest', user: USER, realm: REALM, nonce: NONCE, uri: URI, cnonce: '', nc: '', response: RESPONSE_TYPE3, qop: null } },
  },
  { name: '0x14 digest success', source: '§2.3.5 [MPS; SWBOX]', phase: 'session', hex: '140000000400000000', message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 4, body: { kind: 'none' } } },
  { name: '0x14 digest failure', source: '§2.3.5 [inferred]', phase: 'session', hex: '140100000400000000', message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: 4, body: { kind: 'none' } } },
  {
    name: '0x13 user/password (type 1)',
    source: '§2.3.6 [SWBOX; HAMT]',
    phase: 'session',
    hex: h('1300000001', u32le(1 + 5 + 1 + 8), s8(USER), s8(PASSWORD)),
    message: { type: 'AUTHENTICATE_SESSION', authType: 1, body: { kind: 'password', user: USER, password: PASSWORD } },
  },
  { name: '0x14 user/password success (9 bytes)', source: '§2.3.6 [HAMT]', phase: 'session', hex: '140000000100000000', message: { type: 'AUTHENTICATE_SESSION_REPLY', status: 0, authType: 1, body: { kind: 'none' } } },
  {
    name: '0x13 Kerberos with data (opaque)',
    source: 'ciralab',
    phase: 'session',
    hex: h('1300000002', u32le(3), '010203'),
    message: { type: 'AUTHENTICATE_SESSION', authType: 2, body: { kind: 'opaque', data: Buffer.from([1, 2, 3]) } },
  },
]

const SOL_VECTORS: RedirectionVector[] = [
  { name: '0x12 end session in SOL', source: '§2.2', phase: 'sol', hex: '12000000', message: { type: 'END_REDIRECTION_SESSION' } },
  {
    name: '0x20 start SOL, MeshCommander values',
    source: '§2.4 [MC-redir, UIT]',
    phase: 'sol',
    hex: '2000000001000000' + '1027' + '6400' + '0000' + '1027' + '6400' + '0000' + '00000000',
    message: { type: 'START_SOL', seq: 1, ...SOL_MC },
  },
  {
    name: '0x20 start SOL, amtterm values',
    source: '§2.4 [AMTTERM, HAMT]',
    phase: 'sol',
    hex: '2000000000000000' + 'e803' + '6400' + '0000' + '1027' + '0000' + '8813' + '00000000',
    message: { type: 'START_SOL', seq: 0, ...SOL_AMTTERM },
  },
  {
    name: '0x21 start SOL reply (echoed parameters)',
    source: '§2.4 [inferred]',
    phase: 'sol',
    hex: '2100000000000000' + '1027' + '6400' + '0000' + '1027' + '6400' + '0000' + '000000',
    message: { type: 'START_SOL_REPLY', seq: 0, status: 0, ...SOL_MC },
  },
  { name: '0x22 end SOL', source: '§2.4 [AMTTERM]', phase: 'sol', hex: '2200000009000000', message: { type: 'END_SOL', seq: 9 } },
  { name: '0x23 end SOL reply', source: '§2.4 [SWBOX]', phase: 'sol', hex: '2300000004000000', message: { type: 'END_SOL_REPLY', seq: 4 } },
  { name: '0x24 keepalive ping', source: '§2.4 [AMTTERM]', phase: 'sol', hex: '2400000002000000', message: { type: 'SOL_KEEPALIVE_PING', seq: 2 } },
  { name: '0x25 keepalive pong', source: '§2.4 [AMTTERM]', phase: 'sol', hex: '2500000002000000', message: { type: 'SOL_KEEPALIVE_PONG', seq: 2 } },
  {
    name: '0x27 after 0x21',
    source: '§2.4 [MC-redir, MCe, UIT]',
    phase: 'sol',
    hex: '270000000200000000001b000000',
    message: { type: 'SOL_UNNAMED_27', seq: 2, payload: Buffer.from('00001b000000', 'hex') },
  },
  { name: '0x28 keystrokes', source: '§2.4', phase: 'sol', hex: '2800000003000000' + '0300' + ascii('ls\r'), message: { type: 'SOL_DATA_TO_HOST', seq: 3, data: Buffer.from('ls\r') } },
  { name: '0x28 keystrokes with seq 0 (amtterm)', source: '§2.4 [AMTTERM]', phase: 'sol', hex: '2800000000000000' + '0100' + '61', message: { type: 'SOL_DATA_TO_HOST', seq: 0, data: Buffer.from('a') } },
  { name: '0x29 controls, host powered on', source: '§2.4 [AMTTERM]', phase: 'sol', hex: '29000000010000000004', message: { type: 'SOL_CONTROLS_FROM_HOST', seq: 1, control: 0, status: 4 } },
  { name: '0x2A host output', source: '§2.4', phase: 'sol', hex: '2a00000002000000' + '0700' + ascii('login: '), message: { type: 'SOL_DATA_FROM_HOST', seq: 2, data: Buffer.from('login: ') } },
  { name: '0x2A empty', source: 'ciralab', phase: 'sol', hex: '2a000000020000000000', message: { type: 'SOL_DATA_FROM_HOST', seq: 2, data: Buffer.alloc(0) } },
  { name: '0x2B heartbeat (hamtsolo answer)', source: '§2.4 [HAMT]', phase: 'sol', hex: '2b00000002000000', message: { type: 'SOL_HEARTBEAT', seq: 2 } },
]

const IDER_VECTORS: RedirectionVector[] = [
  {
    name: '0x40 START_IDER, MeshCommander values',
    source: '§2.5 [MC-ider]',
    phase: 'ider',
    hex: '4000000000000000' + '3075' + '0000' + '204e' + '01000000',
    message: { type: 'START_IDER', seq: 0, attributes: 0, rxTimeout: 30000, txTimeout: 0, heartbeatInterval: 20000, version: 1 },
  },
  {
    name: '0x41 START_IDER_REPLY, captured (v1.0, fw 16.1, buffers 0x2000, IANA 0x157)',
    source: '§2.5 [UIT iderDataProcessor.spec.ts]',
    phase: 'ider',
    hex: '41 00 00 00 00 00 00 00 01 00 10 01 02 01 00 00 00 20 00 20 0C 00 00 00 00 57 01 00 00 00'.replace(/ /g, '').toLowerCase(),
    message: {
      type: 'START_IDER_REPLY',
      seq: 0,
      attributes: 0,
      majorVersion: 1,
      minorVersion: 0,
      firmwareMajor: 16,
      firmwareMinor: 1,
      reserved12: 0x0102,
      readBufferSize: 0x2000,
      writeBufferSize: 0x2000,
      reserved20: 0x0c,
      features: 0,
      reserved22: 0,
      oemIana: 0x157,
      oem: Buffer.alloc(0),
    },
  },
  { name: '0x42 END_IDER', source: '§2.5', phase: 'ider', hex: '4200000007000000', message: { type: 'END_IDER', seq: 7, attributes: 0 } },
  { name: '0x43 END_IDER_REPLY', source: '§2.5', phase: 'ider', hex: '4300000009000000', message: { type: 'END_IDER_REPLY', seq: 9, attributes: 0 } },
  { name: '0x44 keepalive ping', source: '§2.5', phase: 'ider', hex: '4400000003000000', message: { type: 'IDER_KEEPALIVE_PING', seq: 3, attributes: 0 } },
  { name: '0x45 keepalive pong', source: '§2.5', phase: 'ider', hex: '4500000004000000', message: { type: 'IDER_KEEPALIVE_PONG', seq: 4, attributes: 0 } },
  { name: '0x46 reset occurred', source: '§2.5', phase: 'ider', hex: '460000000500000001', message: { type: 'IDER_RESET_OCCURRED', seq: 5, attributes: 0, mask: 1 } },
  { name: '0x47 reset occurred response', source: '§2.5', phase: 'ider', hex: '4700000006000000', message: { type: 'IDER_RESET_OCCURRED_RESPONSE', seq: 6, attributes: 0 } },
  {
    name: '0x48 set register state: enable + on reboot (MeshCommander after 0x41)',
    source: '§2.5 [MC-ider]',
    phase: 'ider',
    hex: '4800000001000000' + '03' + '09000000',
    message: { type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 1, attributes: 0, featureType: 3, value: 0x09 },
  },
  { name: '0x48 get supported (9 bytes)', source: '§2.5', phase: 'ider', hex: '480000000200000001', message: { type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 2, attributes: 0, featureType: 1, value: null } },
  {
    name: '0x49 set register state: success',
    source: '§2.5 [MC-ider]',
    phase: 'ider',
    hex: '4900000001000000' + '03' + '01000000',
    message: { type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY', seq: 1, attributes: 0, featureType: 3, value: 1 },
  },
  { name: '0x4A error occurred', source: '§2.5', phase: 'ider', hex: '4a000000080000000a0000', message: { type: 'IDER_ERROR_OCCURRED', seq: 8, attributes: 0, reason: 10 } },
  { name: '0x4B heartbeat', source: '§2.5', phase: 'ider', hex: '4b0000000b000000', message: { type: 'IDER_HEARTBEAT', seq: 11, attributes: 0 } },
  {
    name: '0x50 COMMAND_WRITTEN TEST_UNIT_READY to the CD',
    source: '§2.5 [AMTTERM redir.h]',
    phase: 'ider',
    hex: '5000000002000000' + '00' + '00' + '00' + '00' + '0020' + 'b0' + 'a0' + '00'.repeat(12),
    message: { type: 'IDER_COMMAND_WRITTEN', seq: 2, attributes: 0, cableSelect: 0, feature: 0, sectorCount: 0, sectorNumber: 0, byteCount: 0x2000, driveSelect: 0xb0, command: 0xa0, cdb: Buffer.alloc(12) },
  },
  {
    name: '0x50 COMMAND_WRITTEN READ_10 LBA 16, 32 blocks',
    source: '§2.5 [AMTTERM redir.h]',
    phase: 'ider',
    hex: '5000000003000000' + '00000000' + 'feff' + 'b0' + 'a0' + '280000000010' + '000020000000',
    message: {
      type: 'IDER_COMMAND_WRITTEN',
      seq: 3,
      attributes: 0,
      cableSelect: 0,
      feature: 0,
      sectorCount: 0,
      sectorNumber: 0,
      byteCount: 0xfffe,
      driveSelect: 0xb0,
      command: 0xa0,
      cdb: Buffer.from('280000000010000020000000', 'hex'),
    },
  },
  {
    name: '0x51 COMMAND_END_RESPONSE success (MeshCommander registers)',
    source: '§2.5 [MC-ider]',
    phase: 'ider',
    hex: '5100000204000000' + '00' + '0000' + '00' + '00'.repeat(8) + 'c50003000000b050' + '000000',
    message: {
      type: 'IDER_COMMAND_END_RESPONSE',
      seq: 4,
      attributes: 2,
      cableSelect: 0,
      transferBytes: 0,
      packetNumber: 0,
      input: NO_REGS,
      output: { mask: 0xc5, error: 0, sectorCount: 3, sectorNumber: 0, byteCount: 0, driveSelect: 0xb0, status: 0x50 },
      sense: NO_SENSE,
    },
  },
  {
    name: '0x51 COMMAND_END_RESPONSE unit attention 06/28/00',
    source: '§2.5 [MC-ider; AMTTERM ider.c]',
    phase: 'ider',
    hex: '5100000205000000' + '00' + '0000' + '00' + '00'.repeat(8) + '87600300' + '0000b051' + '062800',
    message: {
      type: 'IDER_COMMAND_END_RESPONSE',
      seq: 5,
      attributes: 2,
      cableSelect: 0,
      transferBytes: 0,
      packetNumber: 0,
      input: NO_REGS,
      output: { mask: 0x87, error: 0x60, sectorCount: 3, sectorNumber: 0, byteCount: 0, driveSelect: 0xb0, status: 0x51 },
      sense: { key: 6, asc: 0x28, ascq: 0 },
    },
  },
  {
    name: '0x52 GET_DATA_FROM_HOST (chunk size 512 at [9..10] and [16..17])',
    source: '§2.5 [MC-ider; SWBOX]',
    phase: 'ider',
    hex: '5200000006000000' + '00' + '0002' + '00' + '0000000000020000' + '00'.repeat(8) + '000000',
    message: {
      type: 'IDER_GET_DATA_FROM_HOST',
      seq: 6,
      attributes: 0,
      cableSelect: 0,
      transferBytes: 512,
      packetNumber: 0,
      input: { ...NO_REGS, byteCount: 512 },
      output: NO_REGS,
      sense: NO_SENSE,
    },
  },
  {
    name: '0x53 DATA_FROM_HOST (14-byte header)',
    source: '§2.5 [SWBOX]',
    phase: 'ider',
    hex: '5300000007000000' + '00' + '0400' + '000000' + 'deadbeef',
    message: { type: 'IDER_DATA_FROM_HOST', seq: 7, attributes: 0, cableSelect: 0, data: Buffer.from('deadbeef', 'hex') },
  },
  {
    name: '0x54 DATA_TO_HOST, last chunk of READ_CAPACITY (MeshCommander registers)',
    source: '§2.5 [MC-ider; SWBOX "34 + len"]',
    phase: 'ider',
    hex: '5400000208000000' + '00' + '0800' + '00' + 'b5000200' + '0800b058' + '85000300' + '0000b050' + '000000' + '000000' + '000007ff00000800',
    message: {
      type: 'IDER_DATA_TO_HOST',
      seq: 8,
      attributes: 2,
      cableSelect: 0,
      packetNumber: 0,
      input: { mask: 0xb5, error: 0, sectorCount: 2, sectorNumber: 0, byteCount: 8, driveSelect: 0xb0, status: 0x58 },
      output: { mask: 0x85, error: 0, sectorCount: 3, sectorNumber: 0, byteCount: 0, driveSelect: 0xb0, status: 0x50 },
      sense: NO_SENSE,
      data: Buffer.from('000007ff00000800', 'hex'),
    },
  },
  { name: '0x12 end session in IDE-R', source: '§2.2', phase: 'ider', hex: '12000000', message: { type: 'END_REDIRECTION_SESSION' } },
]

const KVM_VECTORS: RedirectionVector[] = [
  { name: 'KVM 0x40 after KVMR login', source: '§2.6.1 [MC-redir; UIT]', phase: 'kvm', hex: '4000000000000000', message: { type: 'KVM_START' } },
  { name: 'KVM 0x41 reply (8 bytes)', source: '§2.6.1 [inferred]', phase: 'kvm', hex: '4100000000000000', message: { type: 'KVM_START_REPLY' } },
]

export const REDIRECTION_VECTORS: readonly RedirectionVector[] = [...SESSION_VECTORS, ...SOL_VECTORS, ...IDER_VECTORS, ...KVM_VECTORS]

export const REDIRECTION_ERROR_VECTORS: readonly RedirectionErrorVector[] = [
  { name: 'unknown command in the session phase', phase: 'session', hex: '99', code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND },
  { name: 'SOL message before authentication', phase: 'session', hex: '2000000001000000', code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND },
  { name: 'session start inside SOL', phase: 'sol', hex: '10000000534f4c20', code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND },
  { name: 'IDE-R command in a KVM session', phase: 'kvm', hex: '50', code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND },
  { name: 'unnamed 0x26 in SOL', phase: 'sol', hex: '26', code: ErrorCode.REDIR_ERR_UNKNOWN_COMMAND },
  { name: 'auth data L over the limit, from the header alone', phase: 'session', hex: '1300000004ffffffff', code: ErrorCode.REDIR_ERR_DATA_TOO_LONG },
  { name: 'auth reply L over a small limit', phase: 'session', hex: '140000000011000000', code: ErrorCode.REDIR_ERR_DATA_TOO_LONG, limits: { maxAuthDataLength: 16 } },
  { name: 'SOL data over a small limit', phase: 'sol', hex: '2a000000000000000101', code: ErrorCode.REDIR_ERR_DATA_TOO_LONG, limits: { maxDataLength: 256 } },
  { name: 'IDE-R data over a small limit', phase: 'ider', hex: '540000000000000000ff7f', code: ErrorCode.REDIR_ERR_DATA_TOO_LONG, limits: { maxDataLength: 8192 } },
  { name: 'user/password data with a trailing byte', phase: 'session', hex: h('1300000001', u32le(5), '01610162', '00'), code: ErrorCode.REDIR_ERR_MALFORMED },
  { name: 'digest string running past L', phase: 'session', hex: h('1300000004', u32le(3), '056164'), code: ErrorCode.REDIR_ERR_MALFORMED },
  { name: 'digest answer missing its qop', phase: 'session', hex: h('1300000004', u32le(7), '00000000000000'), code: ErrorCode.REDIR_ERR_MALFORMED },
  { name: 'challenge with an extra byte', phase: 'session', hex: h('1401000003', u32le(3), '000000'), code: ErrorCode.REDIR_ERR_MALFORMED },
  { name: 'feature request of unknown type 7', phase: 'ider', hex: '480000000000000007', code: ErrorCode.REDIR_ERR_MALFORMED },
]

/** An RFB vector: bytes, the value, and the codec pair that maps one to the other. */
export interface RfbVector {
  readonly name: string
  readonly source: string
  readonly hex: string
  readonly value: unknown
  readonly decode: (buf: Buffer) => RfbResult<unknown>
  readonly encode: () => Buffer
}

function rfb<M>(name: string, source: string, hex: string, value: M, decode: (buf: Buffer) => RfbResult<M>, encode: (m: M) => Buffer): RfbVector {
  return { name, source, hex: h(hex), value, decode, encode: () => encode(value) }
}

const client = (name: string, source: string, hex: string, value: RfbClientMessage): RfbVector =>
  rfb(name, source, hex, value, (b) => decodeRfbClientMessage(b), encodeRfbClientMessage)
function encodeServerMessage(m: RfbServerMessage): Buffer {
  if (m.type === 'FramebufferUpdate') return encodeRfbFramebufferUpdateHeader(m.rectangleCount)
  if (m.type === 'ServerCutText') return encodeRfbServerCutText(m.text)
  return encodeRfbBell()
}

const KVM_CHANNEL_PREFIX = Buffer.from('\0KvmDataChannel\0', 'latin1')
const RGB565_HEX = '10 10 00 01 001f 003f 001f 0b 05 00 000000'

export const RFB_VECTORS: readonly RfbVector[] = [
  rfb('ProtocolVersion RFB 004.000 (AMT)', '§2.6.2', ascii('RFB 004.000\n'), { major: 4, minor: 0 }, (b) => decodeRfbProtocolVersion(b), (v) => encodeRfbProtocolVersion(v.major, v.minor)),
  rfb('ProtocolVersion RFB 003.008 (consoles)', '§2.6.2 [MC-desk; UIT]', ascii('RFB 003.008\n'), { major: 3, minor: 8 }, (b) => decodeRfbProtocolVersion(b), (v) => encodeRfbProtocolVersion(v.major, v.minor)),
  rfb('security list 01 01 (None)', '§2.6.3 [inferred]', '0101', { types: [1], reason: null }, (b) => decodeRfbSecurityTypes(b), encodeRfbSecurityTypes),
  rfb('security failure with reason', 'RFC 6143 §7.1.2', '00 00000004 ' + ascii('busy'), { types: [], reason: 'busy' }, (b) => decodeRfbSecurityTypes(b), encodeRfbSecurityTypes),
  rfb('SecurityResult OK', '§2.6.3', '00000000', 0, (b) => decodeRfbSecurityResult(b), encodeRfbSecurityResult),
  rfb(
    'ServerInit 640x480 RGB565 little-endian',
    '§2.6.4 [MC-desk; UIT]',
    '0280 01e0 ' + RGB565_HEX + ' 00000003 ' + ascii('dev'),
    { width: 640, height: 480, pixelFormat: PIXEL_FORMAT_RGB565, name: 'dev' },
    (b) => decodeRfbServerInit(b),
    encodeRfbServerInit,
  ),
  client('SetPixelFormat RGB565', '§2.6.5', '00 000000 ' + RGB565_HEX, { type: 'SetPixelFormat', pixelFormat: PIXEL_FORMAT_RGB565 }),
  client('SetEncodings ZRLE, RAW, KVM data channel, DesktopSize', '§2.6.5 [MC-desk]', '02 00 0004 00000010 00000000 00000444 ffffff21', {
    type: 'SetEncodings',
    encodings: [16, 0, 1092, -223],
  }),
  client('FramebufferUpdateRequest full 640x480', '§2.6.5', '03 00 0000 0000 0280 01e0', { type: 'FramebufferUpdateRequest', incremental: false, x: 0, y: 0, width: 640, height: 480 }),
  client('KeyEvent down Return', '§2.6.5', '04 01 0000 0000ff0d', { type: 'KeyEvent', down: true, keysym: 0xff0d }),
  client('PointerEvent button 1 at 10,20', '§2.6.5', '05 01 000a 0014', { type: 'PointerEvent', buttonMask: 1, x: 10, y: 20 }),
  client('ClientCutText KVM data channel keepalive', '§2.6.5 [MC-desk]', '06 000000 00000010 ' + KVM_CHANNEL_PREFIX.toString('hex'), { type: 'ClientCutText', text: KVM_CHANNEL_PREFIX }),
  rfb('FramebufferUpdate header, 2 rectangles', '§2.6.6', '00 00 0002', { type: 'FramebufferUpdate', rectangleCount: 2 }, (b) => decodeRfbServerMessage(b), encodeServerMessage),
  rfb('ServerCutText', '§2.6.6', '03 000000 00000002 6869', { type: 'ServerCutText', text: Buffer.from('hi') }, (b) => decodeRfbServerMessage(b), encodeServerMessage),
  rfb(
    'RAW rectangle 2x1 at 64,0, pixels little-endian',
    '§2.6.4, §2.6.6 [UIT Encoding.ts]',
    '0040 0000 0002 0001 00000000 1f00 e007',
    { x: 64, y: 0, width: 2, height: 1, encoding: 0, pixels: Buffer.from('1f00e007', 'hex') },
    (b) => decodeRfbRectangle(b, 2),
    (v) => encodeRfbRectangle(v, 2),
  ),
  rfb('DesktopSize pseudo-rectangle', '§2.6.6', '0000 0000 0320 0258 ffffff21', { x: 0, y: 0, width: 800, height: 600, encoding: -223, pixels: Buffer.alloc(0) }, (b) => decodeRfbRectangle(b, 2), (v) => encodeRfbRectangle(v, 2)),
]
