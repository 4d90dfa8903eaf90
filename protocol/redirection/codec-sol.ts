/**
 * Serial-over-LAN messages 0x20–0x2B (redirection-wsman.md §2.4). Every message starts with
 * the 8-byte header `cmd, b1, b2, b3, seq u32 LE`; b1–b3 are zero except 0x21's status in b1.
 * Consoles do not validate sequence numbers (amtterm and hamtsolo send 0), and neither do we.
 * Each decoder starts after the command byte.
 */

import { RedirCommand as C, type RedirectionLimits } from './constants.js'
import type { LeReader } from './byte-reader.js'
import { checkByteLength, checkMaxLength, LeWriter } from './byte-writer.js'
import type { SolControlsFromHost, SolData, SolHeaderOnly, SolParameters, SolUnnamed27, StartSol, StartSolReply } from './messages.js'

/** Rest of the 8-byte header after the command byte: 3 ignored bytes (b1 read by 0x21 itself), seq. */
function readSeq(r: LeReader): number {
  r.skip(3)
  return r.u32()
}

function header(size: number, command: number, seq: number, b1 = 0): LeWriter {
  return new LeWriter(size).u8(command, 'command').u8(b1, 'b1').zeros(2).u32(seq, 'seq')
}

function readParameters(r: LeReader): SolParameters {
  return {
    maxTxBuffer: r.u16(),
    txBufferTimeout: r.u16(),
    txOverflowTimeout: r.u16(),
    hostSessionRxTimeout: r.u16(),
    hostFifoRxFlushTimeout: r.u16(),
    heartbeatInterval: r.u16(),
  }
}

function writeParameters(w: LeWriter, p: SolParameters): LeWriter {
  return w
    .u16(p.maxTxBuffer, 'maxTxBuffer')
    .u16(p.txBufferTimeout, 'txBufferTimeout')
    .u16(p.txOverflowTimeout, 'txOverflowTimeout')
    .u16(p.hostSessionRxTimeout, 'hostSessionRxTimeout')
    .u16(p.hostFifoRxFlushTimeout, 'hostFifoRxFlushTimeout')
    .u16(p.heartbeatInterval, 'heartbeatInterval')
}

/*
 * 0x20 StartSOLRedirection, console → device, 24 bytes [MC-redir, UIT, AMTTERM, HAMT]
 *   header (seq)
 *   u16 LE MaxTxBuffer, TxBufferTimeout, TxOverflowTimeout, HostSessionRxTimeout,
 *          HostFifoRxFlushTimeout, HeartbeatInterval
 *   u8×4   zero
 */
export function decodeStartSol(r: LeReader): StartSol {
  const seq = readSeq(r)
  const parameters = readParameters(r)
  r.skip(4)
  return { type: 'START_SOL', seq, ...parameters }
}

export function encodeStartSol(m: StartSol): Buffer {
  return writeParameters(header(24, C.START_SOL, m.seq), m).zeros(4).done()
}

/*
 * 0x21 StartSOLRedirectionReply, device → console, 23 bytes. Clients read only b1 (status,
 * 0 = success) and the length. [inferred] layout after b1, as the notes suggest: the header,
 * the six u16 values of 0x20 echoed, then 3 zero bytes.
 */
export function decodeStartSolReply(r: LeReader): StartSolReply {
  const status = r.u8()
  r.skip(2)
  const seq = r.u32()
  const parameters = readParameters(r)
  r.skip(3)
  return { type: 'START_SOL_REPLY', seq, status, ...parameters }
}

export function encodeStartSolReply(m: StartSolReply): Buffer {
  return writeParameters(header(23, C.START_SOL_REPLY, m.seq, m.status), m).zeros(3).done()
}

/* 0x22 end, 0x23 end reply, 0x24 ping, 0x25 pong, 0x2B heartbeat: header only, 8 bytes [AMTTERM, SWBOX] */
export function headerOnlyDecoder(type: SolHeaderOnly['type']) {
  return (r: LeReader): SolHeaderOnly => ({ type, seq: readSeq(r) })
}

export function encodeSolHeaderOnly(m: SolHeaderOnly): Buffer {
  return header(8, C[m.type], m.seq).done()
}

/*
 * 0x27 (unnamed), console → device, 14 bytes: `27 00 00 00 seq 00 00 1B 00 00 00`
 * [MC-redir, MCe, UIT]. Meaning undocumented: the 6 bytes after the header are kept as is.
 */
export function decodeSolUnnamed27(r: LeReader): SolUnnamed27 {
  const seq = readSeq(r)
  return { type: 'SOL_UNNAMED_27', seq, payload: r.bytes(6) }
}

export function encodeSolUnnamed27(m: SolUnnamed27): Buffer {
  checkByteLength(m.payload, 6, 'payload')
  return header(14, C.SOL_UNNAMED_27, m.seq).bytes(m.payload).done()
}

/** The 0x27 payload every known console sends. */
export const SOL_UNNAMED_27_PAYLOAD: Buffer = Buffer.from([0x00, 0x00, 0x1b, 0x00, 0x00, 0x00])

/*
 * 0x28 SOL data to host (console → device) and 0x2A SOL data from host (device → console),
 * 10 + n bytes [AMTTERM, HAMT, all clients]
 *   header (seq)
 *   u16 LE n
 *   u8×n   bytes (keystrokes / host serial output)
 */
export function solDataDecoder(type: SolData['type']) {
  return (r: LeReader, limits: RedirectionLimits): SolData => {
    const seq = readSeq(r)
    const length = r.checkLength(r.u16(), limits.maxDataLength, 'SOL data', C[type])
    return { type, seq, data: r.bytes(length) }
  }
}

export function encodeSolData(m: SolData): Buffer {
  checkMaxLength(m.data, 0xffff, 'data')
  return header(10 + m.data.length, C[m.type], m.seq).u16(m.data.length, 'length').bytes(m.data).done()
}

/*
 * 0x29 Controls from host, device → console, 10 bytes [AMTTERM redir.c/redir.h; HAMT]
 *   header (seq)
 *   u8 control (RTS 1, DTR 2, BREAK 4)
 *   u8 status (TX_OVERFLOW 1, LOOPBACK 2, SYSTEM_POWER_STATE 4 = powered on, RX_FLUSH_TIMEOUT 8, TESTMODE 16)
 */
export function decodeSolControls(r: LeReader): SolControlsFromHost {
  const seq = readSeq(r)
  return { type: 'SOL_CONTROLS_FROM_HOST', seq, control: r.u8(), status: r.u8() }
}

export function encodeSolControls(m: SolControlsFromHost): Buffer {
  return header(10, C.SOL_CONTROLS_FROM_HOST, m.seq).u8(m.control, 'control').u8(m.status, 'status').done()
}
