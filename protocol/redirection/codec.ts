/**
 * The redirection codec: one decoder and one encoder for every message of port 16994. The
 * gateway-independent simulator, the console clients, conformance and bench all import it.
 *
 * Which messages can appear depends on the phase of the session (0x40 is START_IDER in an
 * IDE-R session and the 8-byte KVM step in a KVM session), so decoding takes the phase, and
 * the session tells the stream decoder when it changes. Decoding has three outcomes, kept
 * apart: a message with its byte length; "need more" with the smallest total length that
 * could complete it; or a typed RedirectionDecodeError. A short buffer is never an error.
 */

import { ErrorCode } from '../errors.js'
import { LeReader } from './byte-reader.js'
import {
  decodeIderCommandWritten,
  decodeIderDataFromHost,
  decodeIderDataToHost,
  decodeIderDisableEnableFeatures,
  decodeIderDisableEnableFeaturesReply,
  decodeIderErrorOccurred,
  decodeIderResetOccurred,
  decodeStartIder,
  decodeStartIderReply,
  encodeIderCommandWritten,
  encodeIderDataFromHost,
  encodeIderDataToHost,
  encodeIderDisableEnableFeatures,
  encodeIderDisableEnableFeaturesReply,
  encodeIderErrorOccurred,
  encodeIderHeaderOnly,
  encodeIderRegisterMessage,
  encodeIderResetOccurred,
  encodeKvmStep,
  encodeStartIder,
  encodeStartIderReply,
  iderHeaderOnlyDecoder,
  kvmStepDecoder,
  registerMessageDecoder,
} from './codec-ider.js'
import {
  decodeAuthenticateSession,
  decodeAuthenticateSessionReply,
  decodeEndRedirectionSession,
  decodeStartRedirectionSession,
  decodeStartRedirectionSessionReply,
  encodeAuthenticateSession,
  encodeAuthenticateSessionReply,
  encodeEndRedirectionSession,
  encodeStartRedirectionSession,
  encodeStartRedirectionSessionReply,
} from './codec-session.js'
import {
  decodeSolControls,
  decodeSolUnnamed27,
  decodeStartSol,
  decodeStartSolReply,
  encodeSolControls,
  encodeSolData,
  encodeSolHeaderOnly,
  encodeSolUnnamed27,
  encodeStartSol,
  encodeStartSolReply,
  headerOnlyDecoder,
  solDataDecoder,
} from './codec-sol.js'
import { DEFAULT_REDIRECTION_LIMITS, RedirCommand as C, type RedirectionLimits, type RedirectionPhase } from './constants.js'
import { RedirectionDecodeError, RedirectionEncodeError } from './errors.js'
import type { RedirectionMessage, RedirectionMessageType } from './messages.js'

/** Phases whose bytes are framed redirection messages (`rfb` is raw). */
export type MessagePhase = Exclude<RedirectionPhase, 'rfb'>

type Decoder = (r: LeReader, limits: RedirectionLimits) => RedirectionMessage
type Table = ReadonlyMap<number, Decoder>

/** 0x12 ends a session from any phase [AMTTERM, MPS]. */
const END_SESSION: [number, Decoder] = [C.END_REDIRECTION_SESSION, decodeEndRedirectionSession]

const TABLES: Readonly<Record<MessagePhase, Table>> = {
  session: new Map<number, Decoder>([
    [C.START_REDIRECTION_SESSION, decodeStartRedirectionSession],
    [C.START_REDIRECTION_SESSION_REPLY, decodeStartRedirectionSessionReply],
    END_SESSION,
    [C.AUTHENTICATE_SESSION, decodeAuthenticateSession],
    [C.AUTHENTICATE_SESSION_REPLY, decodeAuthenticateSessionReply],
  ]),
  sol: new Map<number, Decoder>([
    END_SESSION,
    [C.START_SOL, decodeStartSol],
    [C.START_SOL_REPLY, decodeStartSolReply],
    [C.END_SOL, headerOnlyDecoder('END_SOL')],
    [C.END_SOL_REPLY, headerOnlyDecoder('END_SOL_REPLY')],
    [C.SOL_KEEPALIVE_PING, headerOnlyDecoder('SOL_KEEPALIVE_PING')],
    [C.SOL_KEEPALIVE_PONG, headerOnlyDecoder('SOL_KEEPALIVE_PONG')],
    [C.SOL_UNNAMED_27, decodeSolUnnamed27],
    [C.SOL_DATA_TO_HOST, solDataDecoder('SOL_DATA_TO_HOST')],
    [C.SOL_CONTROLS_FROM_HOST, decodeSolControls],
    [C.SOL_DATA_FROM_HOST, solDataDecoder('SOL_DATA_FROM_HOST')],
    [C.SOL_HEARTBEAT, headerOnlyDecoder('SOL_HEARTBEAT')],
  ]),
  ider: new Map<number, Decoder>([
    END_SESSION,
    [C.START_IDER, decodeStartIder],
    [C.START_IDER_REPLY, decodeStartIderReply],
    [C.END_IDER, iderHeaderOnlyDecoder('END_IDER')],
    [C.END_IDER_REPLY, iderHeaderOnlyDecoder('END_IDER_REPLY')],
    [C.IDER_KEEPALIVE_PING, iderHeaderOnlyDecoder('IDER_KEEPALIVE_PING')],
    [C.IDER_KEEPALIVE_PONG, iderHeaderOnlyDecoder('IDER_KEEPALIVE_PONG')],
    [C.IDER_RESET_OCCURRED, decodeIderResetOccurred],
    [C.IDER_RESET_OCCURRED_RESPONSE, iderHeaderOnlyDecoder('IDER_RESET_OCCURRED_RESPONSE')],
    [C.IDER_DISABLE_ENABLE_FEATURES, decodeIderDisableEnableFeatures],
    [C.IDER_DISABLE_ENABLE_FEATURES_REPLY, decodeIderDisableEnableFeaturesReply],
    [C.IDER_ERROR_OCCURRED, decodeIderErrorOccurred],
    [C.IDER_HEARTBEAT, iderHeaderOnlyDecoder('IDER_HEARTBEAT')],
    [C.IDER_COMMAND_WRITTEN, decodeIderCommandWritten],
    [C.IDER_COMMAND_END_RESPONSE, registerMessageDecoder('IDER_COMMAND_END_RESPONSE')],
    [C.IDER_GET_DATA_FROM_HOST, registerMessageDecoder('IDER_GET_DATA_FROM_HOST')],
    [C.IDER_DATA_FROM_HOST, decodeIderDataFromHost],
    [C.IDER_DATA_TO_HOST, decodeIderDataToHost],
  ]),
  kvm: new Map<number, Decoder>([END_SESSION, [C.KVM_START, kvmStepDecoder('KVM_START')], [C.KVM_START_REPLY, kvmStepDecoder('KVM_START_REPLY')]]),
}

export interface DecodedMessage {
  readonly kind: 'message'
  readonly message: RedirectionMessage
  /** Bytes the message occupied, command byte included. */
  readonly length: number
}

export interface NeedMore {
  readonly kind: 'need-more'
  /** Smallest total length (from the message's first byte) that could complete it. */
  readonly needed: number
}

export interface DecodeFailure {
  readonly kind: 'error'
  readonly error: RedirectionDecodeError
}

export type DecodeResult = DecodedMessage | NeedMore | DecodeFailure

const NEED_COMMAND_BYTE: NeedMore = Object.freeze({ kind: 'need-more', needed: 1 })

/** Decode one message of `phase` starting at `offset`, using bytes up to `end`. Error offsets are relative to `offset`. */
export function decodeRedirectionMessage(
  buf: Buffer,
  phase: MessagePhase,
  offset = 0,
  end = buf.length,
  limits: RedirectionLimits = DEFAULT_REDIRECTION_LIMITS,
): DecodeResult {
  if (offset >= end) return NEED_COMMAND_BYTE
  const command = buf[offset] as number
  const decode = TABLES[phase].get(command)
  if (decode === undefined) {
    const error = new RedirectionDecodeError(ErrorCode.REDIR_ERR_UNKNOWN_COMMAND, `command 0x${hex2(command)} is not a ${phase} message`, { command, phase })
    return { kind: 'error', error }
  }
  const r = new LeReader(buf, offset + 1, end)
  let message: RedirectionMessage
  try {
    message = decode(r, limits)
  } catch (error) {
    if (error instanceof RedirectionDecodeError) {
      return { kind: 'error', error: new RedirectionDecodeError(error.code, error.message, { command, phase }) }
    }
    throw error
  }
  if (r.short) return { kind: 'need-more', needed: r.neededEnd - offset }
  return { kind: 'message', message, length: r.pos - offset }
}

/** Which phases a message type can be decoded in (0x12 in every framed phase). */
export function phasesOf(type: RedirectionMessageType): MessagePhase[] {
  const command = C[type]
  return (Object.keys(TABLES) as MessagePhase[]).filter((phase) => {
    const decoder = TABLES[phase].get(command)
    if (decoder === undefined) return false
    if (command === C.KVM_START || command === C.KVM_START_REPLY) return (phase === 'kvm') === type.startsWith('KVM_')
    return true
  })
}

/** Encode any redirection message into a new Buffer of exactly its wire length. */
export function encodeRedirectionMessage(m: RedirectionMessage): Buffer {
  switch (m.type) {
    case 'START_REDIRECTION_SESSION':
      return encodeStartRedirectionSession(m)
    case 'START_REDIRECTION_SESSION_REPLY':
      return encodeStartRedirectionSessionReply(m)
    case 'END_REDIRECTION_SESSION':
      return encodeEndRedirectionSession()
    case 'AUTHENTICATE_SESSION':
      return encodeAuthenticateSession(m)
    case 'AUTHENTICATE_SESSION_REPLY':
      return encodeAuthenticateSessionReply(m)
    case 'START_SOL':
      return encodeStartSol(m)
    case 'START_SOL_REPLY':
      return encodeStartSolReply(m)
    case 'END_SOL':
    case 'END_SOL_REPLY':
    case 'SOL_KEEPALIVE_PING':
    case 'SOL_KEEPALIVE_PONG':
    case 'SOL_HEARTBEAT':
      return encodeSolHeaderOnly(m)
    case 'SOL_UNNAMED_27':
      return encodeSolUnnamed27(m)
    case 'SOL_DATA_TO_HOST':
    case 'SOL_DATA_FROM_HOST':
      return encodeSolData(m)
    case 'SOL_CONTROLS_FROM_HOST':
      return encodeSolControls(m)
    case 'START_IDER':
      return encodeStartIder(m)
    case 'START_IDER_REPLY':
      return encodeStartIderReply(m)
    case 'END_IDER':
    case 'END_IDER_REPLY':
    case 'IDER_KEEPALIVE_PING':
    case 'IDER_KEEPALIVE_PONG':
    case 'IDER_RESET_OCCURRED_RESPONSE':
    case 'IDER_HEARTBEAT':
      return encodeIderHeaderOnly(m)
    case 'IDER_RESET_OCCURRED':
      return encodeIderResetOccurred(m)
    case 'IDER_DISABLE_ENABLE_FEATURES':
      return encodeIderDisableEnableFeatures(m)
    case 'IDER_DISABLE_ENABLE_FEATURES_REPLY':
      return encodeIderDisableEnableFeaturesReply(m)
    case 'IDER_ERROR_OCCURRED':
      return encodeIderErrorOccurred(m)
    case 'IDER_COMMAND_WRITTEN':
      return encodeIderCommandWritten(m)
    case 'IDER_COMMAND_END_RESPONSE':
    case 'IDER_GET_DATA_FROM_HOST':
      return encodeIderRegisterMessage(m)
    case 'IDER_DATA_FROM_HOST':
      return encodeIderDataFromHost(m)
    case 'IDER_DATA_TO_HOST':
      return encodeIderDataToHost(m)
    case 'KVM_START':
    case 'KVM_START_REPLY':
      return encodeKvmStep(m)
    default:
      return assertNever(m)
  }
}

/** Only a caller that went around the types gets here: a typed error like any other encode refusal. */
function assertNever(m: never): never {
  throw new RedirectionEncodeError(`not a redirection message this codec encodes: ${JSON.stringify(m)}`)
}

/** One line for logs and transcripts: the type plus fields, binary as length + short hex. */
export function describeRedirectionMessage(m: RedirectionMessage): string {
  const fields: string[] = []
  for (const [key, value] of Object.entries(m)) {
    if (key !== 'type') fields.push(`${key}=${describeValue(value)}`)
  }
  return fields.length === 0 ? m.type : `${m.type} ${fields.join(' ')}`
}

function describeValue(value: unknown): string {
  if (Buffer.isBuffer(value)) {
    const head = value.subarray(0, 16).toString('hex')
    return `${value.length}B:${head}${value.length > 16 ? '…' : ''}`
  }
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${describeValue(v)}`)
      .join(' ')}}`
  }
  return JSON.stringify(value) ?? String(value)
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0')
}
