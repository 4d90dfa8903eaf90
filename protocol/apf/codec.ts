/**
 * The APF codec: one decoder and one encoder for every firmware message type. This is the
 * only APF codec in the tree; the gateway, the simulator, conformance and bench all import it.
 *
 * Decoding has three outcomes, kept apart: a message with its byte length; "need more" with
 * the smallest total length that could complete the message; or a typed ApfDecodeError.
 * A short buffer is never an error.
 */

import { ApfDecodeError, ApfEncodeError, ErrorCode } from '../errors.js'
import { ByteReader } from './byte-reader.js'
import {
  decodeChannelClose,
  decodeChannelData,
  decodeChannelOpen,
  decodeChannelOpenConfirmation,
  decodeChannelOpenFailure,
  decodeChannelWindowAdjust,
  encodeChannelClose,
  encodeChannelData,
  encodeChannelOpen,
  encodeChannelOpenConfirmation,
  encodeChannelOpenFailure,
  encodeChannelWindowAdjust,
} from './codec-channel.js'
import { decodeGlobalRequest, decodeRequestFailure, decodeRequestSuccess, encodeGlobalRequest, encodeRequestSuccess } from './codec-forward.js'
import {
  decodeDisconnect,
  decodeKeepaliveOptionsReply,
  decodeKeepaliveOptionsRequest,
  decodeKeepaliveReply,
  decodeKeepaliveRequest,
  decodeProtocolVersion,
  decodeServiceAccept,
  decodeServiceRequest,
  decodeUserauthFailure,
  decodeUserauthRequest,
  decodeUserauthSuccess,
  encodeDisconnect,
  encodeKeepalive,
  encodeKeepaliveOptions,
  encodeProtocolVersion,
  encodeService,
  encodeUserauthFailure,
  encodeUserauthRequest,
  type UserauthFailureEncodeOptions,
} from './codec-session.js'
import { DEFAULT_APF_LIMITS, MessageType as M, nameMessageType, type ApfLimits } from './constants.js'
import type { ApfMessage } from './messages.js'

type Decoder = (r: ByteReader, limits: ApfLimits) => ApfMessage

/** Handler table indexed by message type byte; undefined slots are unknown types. */
const DECODERS: (Decoder | undefined)[] = new Array<Decoder | undefined>(256)
DECODERS[M.DISCONNECT] = decodeDisconnect
DECODERS[M.SERVICE_REQUEST] = decodeServiceRequest
DECODERS[M.SERVICE_ACCEPT] = decodeServiceAccept
DECODERS[M.USERAUTH_REQUEST] = decodeUserauthRequest
DECODERS[M.USERAUTH_FAILURE] = decodeUserauthFailure
DECODERS[M.USERAUTH_SUCCESS] = decodeUserauthSuccess
DECODERS[M.GLOBAL_REQUEST] = decodeGlobalRequest
DECODERS[M.REQUEST_SUCCESS] = decodeRequestSuccess
DECODERS[M.REQUEST_FAILURE] = decodeRequestFailure
DECODERS[M.CHANNEL_OPEN] = decodeChannelOpen
DECODERS[M.CHANNEL_OPEN_CONFIRMATION] = decodeChannelOpenConfirmation
DECODERS[M.CHANNEL_OPEN_FAILURE] = decodeChannelOpenFailure
DECODERS[M.CHANNEL_WINDOW_ADJUST] = decodeChannelWindowAdjust
DECODERS[M.CHANNEL_DATA] = decodeChannelData
DECODERS[M.CHANNEL_CLOSE] = decodeChannelClose
DECODERS[M.PROTOCOLVERSION] = decodeProtocolVersion
DECODERS[M.KEEPALIVE_REQUEST] = decodeKeepaliveRequest
DECODERS[M.KEEPALIVE_REPLY] = decodeKeepaliveReply
DECODERS[M.KEEPALIVE_OPTIONS_REQUEST] = decodeKeepaliveOptionsRequest
DECODERS[M.KEEPALIVE_OPTIONS_REPLY] = decodeKeepaliveOptionsReply

export interface DecodedMessage {
  readonly kind: 'message'
  readonly message: ApfMessage
  /** Bytes the message occupied, type byte included. */
  readonly length: number
}

export interface NeedMore {
  readonly kind: 'need-more'
  /** Smallest total length (from the message's first byte) that could complete it. */
  readonly needed: number
  /**
   * Set when the bytes already hold a complete message that one more byte could extend
   * (USERAUTH_FAILURE's MPS trailer, REQUEST_SUCCESS's port): what to deliver if no byte comes.
   */
  readonly complete: DecodedMessage | null
}

export interface DecodeFailure {
  readonly kind: 'error'
  readonly error: ApfDecodeError
}

export type DecodeResult = DecodedMessage | NeedMore | DecodeFailure

const NEED_TYPE_BYTE: NeedMore = Object.freeze({ kind: 'need-more', needed: 1, complete: null })

/**
 * Decode one message starting at `offset`, using bytes up to `end`. Errors carry an `offset`
 * relative to `offset`.
 */
export function decodeApfMessage(
  buf: Buffer,
  offset = 0,
  end = buf.length,
  limits: ApfLimits = DEFAULT_APF_LIMITS,
): DecodeResult {
  if (offset >= end) return NEED_TYPE_BYTE
  const type = buf[offset] as number
  const decode = DECODERS[type]
  if (decode === undefined) {
    return {
      kind: 'error',
      error: new ApfDecodeError(ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE, `unknown APF message type ${type} (0x${type.toString(16).padStart(2, '0')})`, {
        messageType: type,
      }),
    }
  }
  const r = new ByteReader(buf, offset + 1, end)
  let message: ApfMessage
  try {
    message = decode(r, limits)
  } catch (error) {
    if (error instanceof ApfDecodeError) return { kind: 'error', error }
    throw error
  }
  if (r.short) return { kind: 'need-more', needed: r.neededEnd - offset, complete: null }
  const decoded: DecodedMessage = { kind: 'message', message, length: r.pos - offset }
  if (r.mayExtend) return { kind: 'need-more', needed: decoded.length + 1, complete: decoded }
  return decoded
}

export interface EncodeOptions extends UserauthFailureEncodeOptions {}

/** Encode any APF message into a new Buffer of exactly its wire length. */
export function encodeApfMessage(m: ApfMessage, options: EncodeOptions = {}): Buffer {
  switch (m.type) {
    case M.DISCONNECT:
      return encodeDisconnect(m)
    case M.SERVICE_REQUEST:
    case M.SERVICE_ACCEPT:
      return encodeService(m)
    case M.USERAUTH_REQUEST:
      return encodeUserauthRequest(m)
    case M.USERAUTH_FAILURE:
      return encodeUserauthFailure(m, options)
    case M.USERAUTH_SUCCESS:
    case M.REQUEST_FAILURE:
      return Buffer.from([m.type])
    case M.GLOBAL_REQUEST:
      return encodeGlobalRequest(m)
    case M.REQUEST_SUCCESS:
      return encodeRequestSuccess(m)
    case M.CHANNEL_OPEN:
      return encodeChannelOpen(m)
    case M.CHANNEL_OPEN_CONFIRMATION:
      return encodeChannelOpenConfirmation(m)
    case M.CHANNEL_OPEN_FAILURE:
      return encodeChannelOpenFailure(m)
    case M.CHANNEL_WINDOW_ADJUST:
      return encodeChannelWindowAdjust(m)
    case M.CHANNEL_DATA:
      return encodeChannelData(m)
    case M.CHANNEL_CLOSE:
      return encodeChannelClose(m)
    case M.PROTOCOLVERSION:
      return encodeProtocolVersion(m)
    case M.KEEPALIVE_REQUEST:
    case M.KEEPALIVE_REPLY:
      return encodeKeepalive(m)
    case M.KEEPALIVE_OPTIONS_REQUEST:
    case M.KEEPALIVE_OPTIONS_REPLY:
      return encodeKeepaliveOptions(m)
    default:
      return assertNever(m)
  }
}

/** Only a caller that went around the types gets here: a typed error like any other encode refusal. */
function assertNever(m: never): never {
  throw new ApfEncodeError(`not an APF message this codec encodes: ${JSON.stringify(m)}`)
}

/** A one-line description for logs and transcripts: name plus the fields, payloads as length + short hex. */
export function describeApfMessage(m: ApfMessage): string {
  const fields: string[] = []
  for (const [key, value] of Object.entries(m)) {
    if (key === 'type') continue
    fields.push(`${key}=${describeValue(value)}`)
  }
  return fields.length === 0 ? nameMessageType(m.type) : `${nameMessageType(m.type)} ${fields.join(' ')}`
}

function describeValue(value: unknown): string {
  if (Buffer.isBuffer(value)) {
    const head = value.subarray(0, 16).toString('hex')
    return `<${value.length}B ${head}${value.length > 16 ? '…' : ''}>`
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${describeValue(v)}`)
      .join(' ')}}`
  }
  return JSON.stringify(value)
}
