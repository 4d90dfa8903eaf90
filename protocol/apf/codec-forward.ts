/**
 * Port-forward negotiation: GLOBAL_REQUEST and its two replies.
 */

import { ApfDecodeError, ApfEncodeError, ErrorCode } from '../errors.js'
import type { ByteReader } from './byte-reader.js'
import { ByteWriter, utf8Length } from './byte-writer.js'
import { GlobalRequestName, MessageType as M, type ApfLimits } from './constants.js'
import type { GlobalRequest, GlobalRequestMessage, RequestFailureMessage, RequestSuccessMessage } from './messages.js'

// GLOBAL_REQUEST (80):
//   byte    type = 80
//   string  requestName
//   boolean wantReply
//   -- tcpip-forward, cancel-tcpip-forward:
//   string  address               (the device's FQDN, or empty)
//   uint32  port
//   -- udp-send-to@amt.intel.com (LMS LMEConnection.cpp):
//   string  address
//   uint32  port
//   string  originatorAddress
//   uint32  originatorPort
//   string  data
//   -- any other name: unframed payload (see OtherGlobalRequest)
export function decodeGlobalRequest(r: ByteReader, limits: ApfLimits): GlobalRequestMessage {
  const max = limits.maxStringLength
  const requestName = r.string(max, 'requestName', M.GLOBAL_REQUEST)
  const wantReply = r.bool()
  let request: GlobalRequest
  if (requestName === GlobalRequestName.TCPIP_FORWARD || requestName === GlobalRequestName.CANCEL_TCPIP_FORWARD) {
    const address = r.string(max, 'address', M.GLOBAL_REQUEST)
    const port = r.u32()
    request = { kind: requestName, address, port }
  } else if (requestName === GlobalRequestName.UDP_SEND_TO) {
    const address = r.string(max, 'address', M.GLOBAL_REQUEST)
    const port = r.u32()
    const originatorAddress = r.string(max, 'originatorAddress', M.GLOBAL_REQUEST)
    const originatorPort = r.u32()
    const dataLength = r.u32()
    if (!r.short && dataLength > limits.maxUdpDataLength) {
      throw new ApfDecodeError(
        ErrorCode.APF_ERR_DATA_TOO_LONG,
        `udp-send-to data is ${dataLength} bytes, over the limit of ${limits.maxUdpDataLength}`,
        { messageType: M.GLOBAL_REQUEST },
      )
    }
    const data = r.bytes(dataLength)
    request = { kind: 'udp-send-to', address, port, originatorAddress, originatorPort, data }
  } else {
    request = { kind: 'other', requestName, payload: r.short ? EMPTY : r.bytes(r.remaining) }
  }
  return { type: M.GLOBAL_REQUEST, wantReply, request }
}

function requestNameOf(request: GlobalRequest): string {
  switch (request.kind) {
    case 'tcpip-forward':
      return GlobalRequestName.TCPIP_FORWARD
    case 'cancel-tcpip-forward':
      return GlobalRequestName.CANCEL_TCPIP_FORWARD
    case 'udp-send-to':
      return GlobalRequestName.UDP_SEND_TO
    case 'other':
      return request.requestName
  }
}

export function encodeGlobalRequest(m: GlobalRequestMessage): Buffer {
  const request = m.request
  const name = requestNameOf(request)
  const nameLength = utf8Length(name)
  const head = 6 + nameLength
  switch (request.kind) {
    case 'tcpip-forward':
    case 'cancel-tcpip-forward': {
      const addressLength = utf8Length(request.address)
      return new ByteWriter(head + 8 + addressLength)
        .u8(M.GLOBAL_REQUEST)
        .string(name, nameLength)
        .bool(m.wantReply)
        .string(request.address, addressLength)
        .u32(request.port, 'port')
        .done()
    }
    case 'udp-send-to': {
      const addressLength = utf8Length(request.address)
      const originatorLength = utf8Length(request.originatorAddress)
      return new ByteWriter(head + 20 + addressLength + originatorLength + request.data.length)
        .u8(M.GLOBAL_REQUEST)
        .string(name, nameLength)
        .bool(m.wantReply)
        .string(request.address, addressLength)
        .u32(request.port, 'port')
        .string(request.originatorAddress, originatorLength)
        .u32(request.originatorPort, 'originatorPort')
        .u32(request.data.length, 'data length')
        .bytes(request.data)
        .done()
    }
    case 'other': {
      if (isKnownRequestName(name)) {
        throw new ApfEncodeError(`request name ${name} has a defined layout; use its own kind, not "other"`)
      }
      return new ByteWriter(head + request.payload.length)
        .u8(M.GLOBAL_REQUEST)
        .string(name, nameLength)
        .bool(m.wantReply)
        .bytes(request.payload)
        .done()
    }
  }
}

function isKnownRequestName(name: string): boolean {
  return name === GlobalRequestName.TCPIP_FORWARD || name === GlobalRequestName.CANCEL_TCPIP_FORWARD || name === GlobalRequestName.UDP_SEND_TO
}

// REQUEST_SUCCESS (81):
//   byte    type = 81
//   [uint32 portBound]            (reply to tcpip-forward: 5 bytes, LMS APF_TCP_FORWARD_REPLY_MESSAGE;
//                                  reply to cancel-tcpip-forward: the type byte alone)
// A port is at most 65535, so its first byte is 0x00, and no message type is 0: a 0x00 after
// the type byte starts the port, anything else starts the next message. When the bytes end
// right after the type byte the reader reports "may extend".
export function decodeRequestSuccess(r: ByteReader): RequestSuccessMessage {
  const next = r.peek()
  if (next === -1) {
    r.mayExtend = true
    return { type: M.REQUEST_SUCCESS, portBound: null }
  }
  if (next !== 0) return { type: M.REQUEST_SUCCESS, portBound: null }
  return { type: M.REQUEST_SUCCESS, portBound: r.u32() }
}

/** Largest port a REQUEST_SUCCESS can carry and still be told apart from the next message. */
export const MAX_PORT_BOUND = 0xffffff

export function encodeRequestSuccess(m: RequestSuccessMessage): Buffer {
  if (m.portBound === null) return new ByteWriter(1).u8(M.REQUEST_SUCCESS).done()
  if (m.portBound > MAX_PORT_BOUND) throw new ApfEncodeError(`portBound must be at most ${MAX_PORT_BOUND}, got ${m.portBound}`)
  return new ByteWriter(5).u8(M.REQUEST_SUCCESS).u32(m.portBound, 'portBound').done()
}

// REQUEST_FAILURE (82): byte type = 82, nothing else (LMS TcpForwardReplyFailure).
export function decodeRequestFailure(): RequestFailureMessage {
  return { type: M.REQUEST_FAILURE }
}

const EMPTY = Buffer.alloc(0)
