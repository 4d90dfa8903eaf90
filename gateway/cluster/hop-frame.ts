/**
 * The instance-to-instance hop: a console entered instance A for a device whose tunnel instance
 * B holds, so A dials B's internal listener, sends one request frame naming the device and port,
 * and B answers with one reply frame; after an `open` reply the connection carries the channel's
 * bytes both ways, raw, until either side closes. Pure functions over Buffer: no sockets here.
 *
 * The request is sealed with the cluster's shared secret (HMAC-SHA256 over the whole frame, with
 * the time it was sent and a random nonce inside), so only an instance that holds the secret can
 * open channels through another; the receiver checks the time and remembers nonces, so a frame
 * seen on the wire cannot be replayed (hop-guard.ts). Without a secret the key is empty and the
 * seal proves nothing: the safety review allows that on loopback only.
 *
 * Decoding has three outcomes, kept apart: more bytes needed, a frame (with its byte length, so
 * the caller keeps what follows it), or a typed error. A short buffer is never an error.
 */

import { createHmac, timingSafeEqual } from 'node:crypto'
import { CiralabError, ErrorCode } from '../../protocol/errors.js'

/** First byte of both frames, so a stray client (an HTTP request, a TLS hello) fails at once. */
export const HOP_MAGIC = 0xc7
/** 2: sealed requests (1 had no seal; an instance of version 1 is refused with a clear error). */
export const HOP_VERSION = 2
/** UUID text is 36 bytes; an address is at most 45 (IPv6 with an IPv4 tail). */
export const HOP_MAX_NAME = 64
export const HOP_MAX_MESSAGE = 512
export const HOP_NONCE_BYTES = 16
const TAG_BYTES = 32
/** Sent-at time (u64 ms), nonce and tag after the named fields. */
const SEAL_BYTES = 8 + HOP_NONCE_BYTES + TAG_BYTES

export interface HopRequest {
  /** The device, by its UUID (what presence entries carry). */
  readonly uuid: string
  readonly port: number
  /** The console's address and port, the channel's originator on the device. */
  readonly originAddress: string
  readonly originPort: number
  /** When the sender sealed it (Unix ms): the receiver refuses frames outside its clock window. */
  readonly sentAtMs: number
  /** 16 random bytes, hex: the receiver refuses a nonce it has seen. */
  readonly nonce: string
}

/** Why a channel was not opened; the same kinds as the console side's ChannelOpenError. */
export const HopStatus = {
  open: 0,
  refused: 1,
  'channel-limit': 2,
  'port-not-forwarded': 3,
  disconnected: 4,
  timeout: 5,
} as const

export type HopStatusName = keyof typeof HopStatus

export interface HopReply {
  readonly status: HopStatusName
  /** APF CHANNEL_OPEN_FAILURE reason, when the device refused. */
  readonly reasonCode: number | null
  readonly message: string
}

export class HopFrameError extends CiralabError {
  constructor(code: typeof ErrorCode.CLUSTER_ERR_HOP_MALFORMED | typeof ErrorCode.CLUSTER_ERR_HOP_FIELD, message: string) {
    super(code, message)
    this.name = 'HopFrameError'
  }
}

export type HopDecoded<T> =
  | { readonly kind: 'need-more' }
  | { readonly kind: 'frame'; readonly frame: T; readonly length: number }
  | { readonly kind: 'error'; readonly error: HopFrameError }

const NO_REASON = 0xffffffff
const STATUS_NAMES = Object.keys(HopStatus) as HopStatusName[]

function shortText(text: string, max: number, field: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length > max) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, `${field} is ${bytes.length} bytes, over ${max}`)
  return bytes
}

function checkPort(port: number, field: string, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, `${field} ${port} is not in ${min}..65535`)
}

/**
 * Request:
 *   byte    magic 0xC7
 *   byte    version 2
 *   uint16  device port (1..65535)
 *   uint16  console (origin) port
 *   byte    uuid length (1..64), then the UUID text
 *   byte    origin address length (<= 64), then the address text
 *   uint64  sent at, Unix ms
 *   byte[16] nonce
 *   byte[32] HMAC-SHA256 under the cluster secret of every byte before it
 */
export function encodeHopRequest(request: HopRequest, key: Buffer): Buffer {
  checkPort(request.port, 'device port', 1)
  checkPort(request.originPort, 'origin port', 0)
  if (!Number.isSafeInteger(request.sentAtMs) || request.sentAtMs < 0) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, `sent-at ${request.sentAtMs} is not a time`)
  if (!/^[0-9a-f]{32}$/.test(request.nonce)) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, `nonce must be ${HOP_NONCE_BYTES} bytes of lower-case hex`)
  const uuid = shortText(request.uuid, HOP_MAX_NAME, 'uuid')
  if (uuid.length === 0) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, 'uuid is empty')
  const address = shortText(request.originAddress, HOP_MAX_NAME, 'origin address')
  const sealAt = 8 + uuid.length + address.length
  const out = Buffer.allocUnsafe(sealAt + SEAL_BYTES)
  out[0] = HOP_MAGIC
  out[1] = HOP_VERSION
  out.writeUInt16BE(request.port, 2)
  out.writeUInt16BE(request.originPort, 4)
  out[6] = uuid.length
  uuid.copy(out, 7)
  out[7 + uuid.length] = address.length
  address.copy(out, 8 + uuid.length)
  out.writeUInt32BE(Math.floor(request.sentAtMs / 2 ** 32), sealAt)
  out.writeUInt32BE(request.sentAtMs % 2 ** 32, sealAt + 4)
  out.write(request.nonce, sealAt + 8, 'hex')
  hopTag(key, out.subarray(0, sealAt + 8 + HOP_NONCE_BYTES)).copy(out, sealAt + 8 + HOP_NONCE_BYTES)
  return out
}

/** A decoded request, and whether its seal verifies under the key the receiver holds. */
export interface SealedHopRequest {
  readonly request: HopRequest
  readonly authentic: boolean
}

export function decodeHopRequest(buffer: Buffer, key: Buffer): HopDecoded<SealedHopRequest> {
  const head = checkHead(buffer, 'request')
  if (head !== null) return head
  if (buffer.length < 7) return NEED_MORE
  const port = buffer.readUInt16BE(2)
  if (port === 0) return failure(ErrorCode.CLUSTER_ERR_HOP_FIELD, 'device port 0')
  const uuidLength = buffer[6] as number
  if (uuidLength === 0 || uuidLength > HOP_MAX_NAME) return failure(ErrorCode.CLUSTER_ERR_HOP_FIELD, `uuid length ${uuidLength}`)
  if (buffer.length < 8 + uuidLength) return NEED_MORE
  const addressLength = buffer[7 + uuidLength] as number
  if (addressLength > HOP_MAX_NAME) return failure(ErrorCode.CLUSTER_ERR_HOP_FIELD, `origin address length ${addressLength}`)
  const sealAt = 8 + uuidLength + addressLength
  const length = sealAt + SEAL_BYTES
  if (buffer.length < length) return NEED_MORE
  const tagAt = sealAt + 8 + HOP_NONCE_BYTES
  const request: HopRequest = {
    uuid: buffer.toString('utf8', 7, 7 + uuidLength),
    port,
    originAddress: buffer.toString('utf8', 8 + uuidLength, sealAt),
    originPort: buffer.readUInt16BE(4),
    sentAtMs: buffer.readUInt32BE(sealAt) * 2 ** 32 + buffer.readUInt32BE(sealAt + 4),
    nonce: buffer.toString('hex', sealAt + 8, tagAt),
  }
  const authentic = timingSafeEqual(hopTag(key, buffer.subarray(0, tagAt)), buffer.subarray(tagAt, length))
  return { kind: 'frame', length, frame: { request, authentic } }
}

function hopTag(key: Buffer, signed: Buffer): Buffer {
  return createHmac('sha256', key).update(signed).digest()
}

/**
 * Reply:
 *   byte    magic 0xC7
 *   byte    status (0 open, 1 refused, 2 channel-limit, 3 port-not-forwarded, 4 disconnected, 5 timeout)
 *   uint32  APF reason code of a refusal, 0xFFFFFFFF for none
 *   uint16  message length (<= 512), then the message (UTF-8), for the console's one-line error
 */
export function encodeHopReply(reply: HopReply): Buffer {
  const message = Buffer.from(reply.message, 'utf8').subarray(0, HOP_MAX_MESSAGE)
  const reason = reply.reasonCode ?? NO_REASON
  if (!Number.isInteger(reason) || reason < 0 || reason > NO_REASON) throw new HopFrameError(ErrorCode.CLUSTER_ERR_HOP_FIELD, `reason code ${reason}`)
  const out = Buffer.allocUnsafe(8 + message.length)
  out[0] = HOP_MAGIC
  out[1] = HopStatus[reply.status]
  out.writeUInt32BE(reason, 2)
  out.writeUInt16BE(message.length, 6)
  message.copy(out, 8)
  return out
}

export function decodeHopReply(buffer: Buffer): HopDecoded<HopReply> {
  if (buffer.length === 0) return NEED_MORE
  if (buffer[0] !== HOP_MAGIC) return failure(ErrorCode.CLUSTER_ERR_HOP_MALFORMED, `reply starts with 0x${(buffer[0] as number).toString(16)}, not a hop frame`)
  if (buffer.length < 2) return NEED_MORE
  const status = STATUS_NAMES[buffer[1] as number]
  if (status === undefined) return failure(ErrorCode.CLUSTER_ERR_HOP_FIELD, `status ${buffer[1] as number}`)
  if (buffer.length < 8) return NEED_MORE
  const messageLength = buffer.readUInt16BE(6)
  if (messageLength > HOP_MAX_MESSAGE) return failure(ErrorCode.CLUSTER_ERR_HOP_FIELD, `message length ${messageLength}`)
  const length = 8 + messageLength
  if (buffer.length < length) return NEED_MORE
  const reason = buffer.readUInt32BE(2)
  return { kind: 'frame', length, frame: { status, reasonCode: reason === NO_REASON ? null : reason, message: buffer.toString('utf8', 8, length) } }
}

const NEED_MORE: HopDecoded<never> = Object.freeze({ kind: 'need-more' })

function failure(code: typeof ErrorCode.CLUSTER_ERR_HOP_MALFORMED | typeof ErrorCode.CLUSTER_ERR_HOP_FIELD, message: string): HopDecoded<never> {
  return { kind: 'error', error: new HopFrameError(code, message) }
}

function checkHead(buffer: Buffer, what: string): HopDecoded<never> | null {
  if (buffer.length === 0) return NEED_MORE
  if (buffer[0] !== HOP_MAGIC) return failure(ErrorCode.CLUSTER_ERR_HOP_MALFORMED, `${what} starts with 0x${(buffer[0] as number).toString(16)}, not a hop frame`)
  if (buffer.length < 2) return NEED_MORE
  if (buffer[1] !== HOP_VERSION) return failure(ErrorCode.CLUSTER_ERR_HOP_MALFORMED, `${what} version ${buffer[1] as number}, we speak ${HOP_VERSION}`)
  return null
}

/** The longest request frame: what a hop server may buffer before the request is complete. */
export const HOP_MAX_REQUEST = 8 + 2 * HOP_MAX_NAME + SEAL_BYTES
export const HOP_MAX_REPLY = 8 + HOP_MAX_MESSAGE
