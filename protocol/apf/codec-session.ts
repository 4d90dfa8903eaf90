/**
 * Session-level messages: DISCONNECT, SERVICE_*, USERAUTH_*, PROTOCOLVERSION, KEEPALIVE_*.
 * Each decoder starts after the type byte; each encoder sizes its buffer exactly.
 */

import { ApfDecodeError, ErrorCode } from '../errors.js'
import type { ByteReader } from './byte-reader.js'
import { ByteWriter, utf8Length } from './byte-writer.js'
import { MessageType as M, PROTOCOL_VERSION_LENGTH, type ApfLimits } from './constants.js'
import type {
  DisconnectMessage,
  KeepaliveOptionsReplyMessage,
  KeepaliveOptionsRequestMessage,
  KeepaliveReplyMessage,
  KeepaliveRequestMessage,
  ProtocolVersionMessage,
  ServiceAcceptMessage,
  ServiceRequestMessage,
  UserauthFailureMessage,
  UserauthRequestMessage,
  UserauthSuccessMessage,
} from './messages.js'
import { uuidFromWire, writeUuidToWire } from './uuid.js'

// DISCONNECT (1), 7 bytes:
//   byte    type = 1
//   uint32  reasonCode
//   uint16  reserved = 0          (the one 16-bit field in APF; MPS and MC consume exactly 7)
export function decodeDisconnect(r: ByteReader): DisconnectMessage {
  const reasonCode = r.u32()
  r.skip(2)
  return { type: M.DISCONNECT, reasonCode }
}

export function encodeDisconnect(m: DisconnectMessage): Buffer {
  return new ByteWriter(7).u8(M.DISCONNECT).u32(m.reasonCode, 'reasonCode').u16(0, 'reserved').done()
}

// SERVICE_REQUEST (5) / SERVICE_ACCEPT (6):
//   byte    type
//   string  serviceName           (auth@amt.intel.com | pfwd@amt.intel.com; ACCEPT echoes it)
export function decodeServiceRequest(r: ByteReader, limits: ApfLimits): ServiceRequestMessage {
  return { type: M.SERVICE_REQUEST, serviceName: r.string(limits.maxStringLength, 'serviceName', M.SERVICE_REQUEST) }
}

export function decodeServiceAccept(r: ByteReader, limits: ApfLimits): ServiceAcceptMessage {
  return { type: M.SERVICE_ACCEPT, serviceName: r.string(limits.maxStringLength, 'serviceName', M.SERVICE_ACCEPT) }
}

export function encodeService(m: ServiceRequestMessage | ServiceAcceptMessage): Buffer {
  const nameLength = utf8Length(m.serviceName)
  return new ByteWriter(5 + nameLength).u8(m.type).string(m.serviceName, nameLength).done()
}

// USERAUTH_REQUEST (50):
//   byte    type = 50
//   string  username
//   string  serviceName           (pfwd@amt.intel.com)
//   string  methodName            (password | none)
//   -- only when methodName == "password":
//   boolean changePassword = FALSE   (GoAPF rejects TRUE; so do we: no firmware sends it)
//   string  password
export function decodeUserauthRequest(r: ByteReader, limits: ApfLimits): UserauthRequestMessage {
  const max = limits.maxStringLength
  const username = r.string(max, 'username', M.USERAUTH_REQUEST)
  const serviceName = r.string(max, 'serviceName', M.USERAUTH_REQUEST)
  const methodName = r.string(max, 'methodName', M.USERAUTH_REQUEST)
  let password: string | null = null
  if (methodName === 'password') {
    const changePassword = r.u8()
    if (changePassword !== 0) {
      throw new ApfDecodeError(ErrorCode.APF_ERR_MALFORMED, 'USERAUTH_REQUEST asks for a password change, which APF does not define', {
        messageType: M.USERAUTH_REQUEST,
      })
    }
    password = r.string(max, 'password', M.USERAUTH_REQUEST)
  }
  return { type: M.USERAUTH_REQUEST, username, serviceName, methodName, password }
}

export function encodeUserauthRequest(m: UserauthRequestMessage): Buffer {
  const userLength = utf8Length(m.username)
  const serviceLength = utf8Length(m.serviceName)
  const methodLength = utf8Length(m.methodName)
  const withPassword = m.methodName === 'password'
  const password = m.password ?? ''
  const passwordLength = withPassword ? utf8Length(password) : 0
  const w = new ByteWriter(13 + userLength + serviceLength + methodLength + (withPassword ? 5 + passwordLength : 0))
  w.u8(M.USERAUTH_REQUEST).string(m.username, userLength).string(m.serviceName, serviceLength).string(m.methodName, methodLength)
  if (withPassword) w.u8(0).string(password, passwordLength)
  return w.done()
}

// USERAUTH_FAILURE (51):
//   byte    type = 51
//   string  methodsThatCanContinue
//   byte    partialSuccess        (GoAPF, Console: 1 byte, 14 bytes in all)
//   [byte   0]                    (MPS and MC write a 2-byte trailer: 15 bytes in all)
// Message type 0 does not exist, so a 0x00 right after partialSuccess is the MPS trailer.
// When the bytes end exactly after partialSuccess the reader reports "may extend": the
// stream decoder waits for one more byte or an explicit flush.
export function decodeUserauthFailure(r: ByteReader, limits: ApfLimits): UserauthFailureMessage {
  const methods = r.string(limits.maxStringLength, 'methods', M.USERAUTH_FAILURE)
  const partialSuccess = r.bool()
  const next = r.peek()
  if (next === 0) r.skip(1)
  else if (next === -1 && !r.short) r.mayExtend = true
  return { type: M.USERAUTH_FAILURE, methods, partialSuccess }
}

export interface UserauthFailureEncodeOptions {
  /** Write the 2-byte trailer MPS and MeshCentral send (15 bytes for `password`). */
  readonly twoByteTrailer?: boolean
}

export function encodeUserauthFailure(m: UserauthFailureMessage, options: UserauthFailureEncodeOptions = {}): Buffer {
  const methodsLength = utf8Length(m.methods)
  const trailer = options.twoByteTrailer === true ? 2 : 1
  const w = new ByteWriter(5 + methodsLength + trailer).u8(M.USERAUTH_FAILURE).string(m.methods, methodsLength).bool(m.partialSuccess)
  if (trailer === 2) w.u8(0)
  return w.done()
}

// USERAUTH_SUCCESS (52): byte type = 52, nothing else.
export function decodeUserauthSuccess(): UserauthSuccessMessage {
  return { type: M.USERAUTH_SUCCESS }
}

// PROTOCOLVERSION (192), 93 bytes:
//   byte      type = 192           offset 0
//   uint32    majorVersion         offset 1   (1 on all firmware)
//   uint32    minorVersion         offset 5   (0)
//   uint32    triggerReason        offset 9   (1 user, 2 alert, 3 provisioning, 4 periodic, 254 LME)
//   byte[16]  uuid                 offset 13  (mixed-endian, see uuid.ts)
//   byte[64]  reserved = 0         offset 29
export function decodeProtocolVersion(r: ByteReader): ProtocolVersionMessage {
  const majorVersion = r.u32()
  const minorVersion = r.u32()
  const triggerReason = r.u32()
  const uuidBytes = r.bytes(16)
  r.skip(64)
  const uuid = r.short ? '' : uuidFromWire(uuidBytes)
  return { type: M.PROTOCOLVERSION, majorVersion, minorVersion, triggerReason, uuid }
}

export function encodeProtocolVersion(m: ProtocolVersionMessage): Buffer {
  const w = new ByteWriter(PROTOCOL_VERSION_LENGTH)
    .u8(M.PROTOCOLVERSION)
    .u32(m.majorVersion, 'majorVersion')
    .u32(m.minorVersion, 'minorVersion')
    .u32(m.triggerReason, 'triggerReason')
  writeUuidToWire(m.uuid, w.buf, w.pos)
  w.pos += 16
  return w.zeros(64).done()
}

// KEEPALIVE_REQUEST (208) / KEEPALIVE_REPLY (209), 5 bytes:
//   byte    type
//   uint32  cookie                (the reply echoes the request's cookie)
export function decodeKeepaliveRequest(r: ByteReader): KeepaliveRequestMessage {
  return { type: M.KEEPALIVE_REQUEST, cookie: r.u32() }
}

export function decodeKeepaliveReply(r: ByteReader): KeepaliveReplyMessage {
  return { type: M.KEEPALIVE_REPLY, cookie: r.u32() }
}

export function encodeKeepalive(m: KeepaliveRequestMessage | KeepaliveReplyMessage): Buffer {
  return new ByteWriter(5).u8(m.type).u32(m.cookie, 'cookie').done()
}

// KEEPALIVE_OPTIONS_REQUEST (210) / KEEPALIVE_OPTIONS_REPLY (211), 9 bytes:
//   byte    type
//   uint32  intervalSeconds       (MPS asks 30)
//   uint32  timeoutSeconds        (MPS asks 0, Console 90)
export function decodeKeepaliveOptionsRequest(r: ByteReader): KeepaliveOptionsRequestMessage {
  const intervalSeconds = r.u32()
  const timeoutSeconds = r.u32()
  return { type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds, timeoutSeconds }
}

export function decodeKeepaliveOptionsReply(r: ByteReader): KeepaliveOptionsReplyMessage {
  const intervalSeconds = r.u32()
  const timeoutSeconds = r.u32()
  return { type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds, timeoutSeconds }
}

export function encodeKeepaliveOptions(m: KeepaliveOptionsRequestMessage | KeepaliveOptionsReplyMessage): Buffer {
  return new ByteWriter(9).u8(m.type).u32(m.intervalSeconds, 'intervalSeconds').u32(m.timeoutSeconds, 'timeoutSeconds').done()
}
