/**
 * fast-check arbitraries for every redirection message, by phase, and for the RFB client
 * messages. Used by the codec properties and available to robustness cases (random and
 * mutated messages sent through a gateway to a device's 16994).
 */

import fc from 'fast-check'
import type { AtaRegisters, MessagePhase, RedirectionMessage } from '../../protocol/redirection/index.js'
import type { PixelFormat, RfbClientMessage } from '../../protocol/redirection/rfb.js'
import { splitPoints as chunkPoints } from './chunking.js'

const u8 = fc.integer({ min: 0, max: 0xff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const u24 = fc.integer({ min: 0, max: 0xffffff })
const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 1, 0xffffffff))
const bytes = (maxLength: number, minLength = 0) => fc.uint8Array({ minLength, maxLength }).map((a) => Buffer.from(a))
/** Text fields: ASCII as consoles send it, and any Unicode (short enough for a u8 length in UTF-8). */
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 6 }))
const tag = fc.oneof(
  fc.constantFrom('SOL ', 'IDER', 'KVMR'),
  fc.array(u8, { minLength: 4, maxLength: 4 }).map((a) => Buffer.from(a).toString('latin1')),
)

const digestBody = (withQop: boolean) =>
  fc.record({
    kind: fc.constant('digest' as const),
    user: text,
    realm: text,
    nonce: text,
    uri: text,
    cnonce: text,
    nc: text,
    response: text,
    qop: withQop ? text : fc.constant(null),
  })

const authenticateSession = fc.oneof(
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION' as const), authType: u8, body: fc.constant({ kind: 'none' as const }) }),
  fc.record({
    type: fc.constant('AUTHENTICATE_SESSION' as const),
    authType: fc.constant(1),
    body: fc.record({ kind: fc.constant('password' as const), user: text, password: text }),
  }),
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION' as const), authType: fc.constant(4), body: digestBody(true) }),
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION' as const), authType: fc.constant(3), body: digestBody(false) }),
  fc.record({
    type: fc.constant('AUTHENTICATE_SESSION' as const),
    authType: u8.filter((t) => t !== 1 && t !== 3 && t !== 4),
    body: fc.record({ kind: fc.constant('opaque' as const), data: bytes(40, 1) }),
  }),
)

const challenge = (withQop: boolean) => fc.record({ kind: fc.constant('challenge' as const), realm: text, nonce: text, qop: withQop ? text : fc.constant(null) })

const authenticateSessionReply = fc.oneof(
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION_REPLY' as const), status: u8, authType: u8, body: fc.constant({ kind: 'none' as const }) }),
  fc.record({
    type: fc.constant('AUTHENTICATE_SESSION_REPLY' as const),
    status: u8,
    authType: fc.constant(0),
    body: fc.record({ kind: fc.constant('types' as const), authTypes: fc.array(u8, { minLength: 1, maxLength: 8 }) }),
  }),
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION_REPLY' as const), status: u8, authType: fc.constant(4), body: challenge(true) }),
  fc.record({ type: fc.constant('AUTHENTICATE_SESSION_REPLY' as const), status: u8, authType: fc.constant(3), body: challenge(false) }),
  fc.record({
    type: fc.constant('AUTHENTICATE_SESSION_REPLY' as const),
    status: u8,
    authType: u8.filter((t) => t !== 0 && t !== 3 && t !== 4),
    body: fc.record({ kind: fc.constant('opaque' as const), data: bytes(40, 1) }),
  }),
)

const endSession = fc.constant({ type: 'END_REDIRECTION_SESSION' as const })

const sessionMessage: fc.Arbitrary<RedirectionMessage> = fc.oneof(
  fc.record({ type: fc.constant('START_REDIRECTION_SESSION' as const), flag: u8, tag }),
  fc.record({
    type: fc.constant('START_REDIRECTION_SESSION_REPLY' as const),
    status: u8,
    protocolMajor: u8,
    protocolMinor: u8,
    firmwareMajor: u8,
    firmwareMinor: u8,
    oemIana: u32,
    oem: bytes(16),
  }),
  endSession,
  authenticateSession,
  authenticateSessionReply,
)

const solParameters = {
  maxTxBuffer: u16,
  txBufferTimeout: u16,
  txOverflowTimeout: u16,
  hostSessionRxTimeout: u16,
  hostFifoRxFlushTimeout: u16,
  heartbeatInterval: u16,
}

const solMessage: fc.Arbitrary<RedirectionMessage> = fc.oneof(
  endSession,
  fc.record({ type: fc.constant('START_SOL' as const), seq: u32, ...solParameters }),
  fc.record({ type: fc.constant('START_SOL_REPLY' as const), seq: u32, status: u8, ...solParameters }),
  fc.record({ type: fc.constantFrom('END_SOL' as const, 'END_SOL_REPLY' as const, 'SOL_KEEPALIVE_PING' as const, 'SOL_KEEPALIVE_PONG' as const, 'SOL_HEARTBEAT' as const), seq: u32 }),
  fc.record({ type: fc.constant('SOL_UNNAMED_27' as const), seq: u32, payload: bytes(6, 6) }),
  fc.record({ type: fc.constantFrom('SOL_DATA_TO_HOST' as const, 'SOL_DATA_FROM_HOST' as const), seq: u32, data: bytes(300) }),
  fc.record({ type: fc.constant('SOL_CONTROLS_FROM_HOST' as const), seq: u32, control: u8, status: u8 }),
)

const registers: fc.Arbitrary<AtaRegisters> = fc.record({ mask: u8, error: u8, sectorCount: u8, sectorNumber: u8, byteCount: u16, driveSelect: u8, status: u8 })
const sense = fc.record({ key: u8, asc: u8, ascq: u8 })
const h = { seq: u32, attributes: u8 }

const iderMessage: fc.Arbitrary<RedirectionMessage> = fc.oneof(
  endSession,
  fc.record({ type: fc.constant('START_IDER' as const), ...h, rxTimeout: u16, txTimeout: u16, heartbeatInterval: u16, version: u32 }),
  fc.record({
    type: fc.constant('START_IDER_REPLY' as const),
    ...h,
    majorVersion: u8,
    minorVersion: u8,
    firmwareMajor: u8,
    firmwareMinor: u8,
    reserved12: u32,
    readBufferSize: u16,
    writeBufferSize: u16,
    reserved20: u8,
    features: u8,
    reserved22: u24,
    oemIana: u32,
    oem: bytes(16),
  }),
  fc.record({
    type: fc.constantFrom(
      'END_IDER' as const,
      'END_IDER_REPLY' as const,
      'IDER_KEEPALIVE_PING' as const,
      'IDER_KEEPALIVE_PONG' as const,
      'IDER_RESET_OCCURRED_RESPONSE' as const,
      'IDER_HEARTBEAT' as const,
    ),
    ...h,
  }),
  fc.record({ type: fc.constant('IDER_RESET_OCCURRED' as const), ...h, mask: u8 }),
  fc.oneof(
    fc.record({ type: fc.constant('IDER_DISABLE_ENABLE_FEATURES' as const), ...h, featureType: fc.constant(1), value: fc.constant(null) }),
    fc.record({ type: fc.constant('IDER_DISABLE_ENABLE_FEATURES' as const), ...h, featureType: fc.constantFrom(2, 3), value: u32 }),
  ),
  fc.record({ type: fc.constant('IDER_DISABLE_ENABLE_FEATURES_REPLY' as const), ...h, featureType: u8, value: u32 }),
  fc.record({ type: fc.constant('IDER_ERROR_OCCURRED' as const), ...h, reason: u8 }),
  fc.record({
    type: fc.constant('IDER_COMMAND_WRITTEN' as const),
    ...h,
    cableSelect: u8,
    feature: u8,
    sectorCount: u8,
    sectorNumber: u8,
    byteCount: u16,
    driveSelect: u8,
    command: u8,
    cdb: bytes(12, 12),
  }),
  fc.record({
    type: fc.constantFrom('IDER_COMMAND_END_RESPONSE' as const, 'IDER_GET_DATA_FROM_HOST' as const),
    ...h,
    cableSelect: u8,
    transferBytes: u16,
    packetNumber: u8,
    input: registers,
    output: registers,
    sense,
  }),
  fc.record({ type: fc.constant('IDER_DATA_FROM_HOST' as const), ...h, cableSelect: u8, data: bytes(300) }),
  fc.record({ type: fc.constant('IDER_DATA_TO_HOST' as const), ...h, cableSelect: u8, packetNumber: u8, input: registers, output: registers, sense, data: bytes(300) }),
)

const kvmMessage: fc.Arbitrary<RedirectionMessage> = fc.oneof(endSession, fc.constant({ type: 'KVM_START' as const }), fc.constant({ type: 'KVM_START_REPLY' as const }))

export const MESSAGE_PHASES: readonly MessagePhase[] = ['session', 'sol', 'ider', 'kvm']

export const redirectionMessageIn: Readonly<Record<MessagePhase, fc.Arbitrary<RedirectionMessage>>> = {
  session: sessionMessage,
  sol: solMessage,
  ider: iderMessage,
  kvm: kvmMessage,
}

/** A phase and a message that belongs to it. */
export const phasedRedirectionMessage = fc.constantFrom(...MESSAGE_PHASES).chain((phase) => fc.tuple(fc.constant(phase), redirectionMessageIn[phase]))

const pixelFormat: fc.Arbitrary<PixelFormat> = fc.record({
  bitsPerPixel: fc.constantFrom(8, 16, 32),
  depth: u8,
  bigEndian: fc.boolean(),
  trueColour: fc.boolean(),
  redMax: u16,
  greenMax: u16,
  blueMax: u16,
  redShift: u8,
  greenShift: u8,
  blueShift: u8,
})

export const rfbClientMessage: fc.Arbitrary<RfbClientMessage> = fc.oneof(
  fc.record({ type: fc.constant('SetPixelFormat' as const), pixelFormat }),
  fc.record({ type: fc.constant('SetEncodings' as const), encodings: fc.array(fc.integer({ min: -0x80000000, max: 0x7fffffff }), { maxLength: 16 }) }),
  fc.record({ type: fc.constant('FramebufferUpdateRequest' as const), incremental: fc.boolean(), x: u16, y: u16, width: u16, height: u16 }),
  fc.record({ type: fc.constant('KeyEvent' as const), down: fc.boolean(), keysym: u32 }),
  fc.record({ type: fc.constant('PointerEvent' as const), buttonMask: u8, x: u16, y: u16 }),
  fc.record({ type: fc.constant('ClientCutText' as const), text: bytes(64) }),
)

/** Redirection streams are cut at up to 12 points. */
export function splitPoints(length: number): fc.Arbitrary<number[]> {
  return chunkPoints(length, 12)
}

export { splitAt } from './chunking.js'
