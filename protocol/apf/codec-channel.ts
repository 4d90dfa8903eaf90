/**
 * Channel messages: CHANNEL_OPEN, its two replies, WINDOW_ADJUST, DATA and CLOSE.
 */

import { ApfDecodeError, ErrorCode } from '../errors.js'
import type { ByteReader } from './byte-reader.js'
import { ByteWriter, utf8Length } from './byte-writer.js'
import { MessageType as M, type ApfLimits } from './constants.js'
import type {
  ChannelCloseMessage,
  ChannelDataMessage,
  ChannelOpenConfirmationMessage,
  ChannelOpenFailureMessage,
  ChannelOpenMessage,
  ChannelWindowAdjustMessage,
} from './messages.js'

// CHANNEL_OPEN (90), 33 + |type| + |connected| + |originator| bytes:
//   byte    type = 90
//   string  channelType           (forwarded-tcpip from the gateway, direct-tcpip from a device)
//   uint32  senderChannel
//   uint32  initialWindowSize
//   uint32  reserved              (0xFFFFFFFF everywhere; SSH's maximum packet size)
//   string  connectedAddress
//   uint32  connectedPort
//   string  originatorAddress
//   uint32  originatorPort
export function decodeChannelOpen(r: ByteReader, limits: ApfLimits): ChannelOpenMessage {
  const max = limits.maxStringLength
  const channelType = r.string(max, 'channelType', M.CHANNEL_OPEN)
  const senderChannel = r.u32()
  const initialWindowSize = r.u32()
  const reserved = r.u32()
  const connectedAddress = r.string(max, 'connectedAddress', M.CHANNEL_OPEN)
  const connectedPort = r.u32()
  const originatorAddress = r.string(max, 'originatorAddress', M.CHANNEL_OPEN)
  const originatorPort = r.u32()
  return {
    type: M.CHANNEL_OPEN,
    channelType,
    senderChannel,
    initialWindowSize,
    reserved,
    connectedAddress,
    connectedPort,
    originatorAddress,
    originatorPort,
  }
}

export function encodeChannelOpen(m: ChannelOpenMessage): Buffer {
  const typeLength = utf8Length(m.channelType)
  const connectedLength = utf8Length(m.connectedAddress)
  const originatorLength = utf8Length(m.originatorAddress)
  return new ByteWriter(33 + typeLength + connectedLength + originatorLength)
    .u8(M.CHANNEL_OPEN)
    .string(m.channelType, typeLength)
    .u32(m.senderChannel, 'senderChannel')
    .u32(m.initialWindowSize, 'initialWindowSize')
    .u32(m.reserved, 'reserved')
    .string(m.connectedAddress, connectedLength)
    .u32(m.connectedPort, 'connectedPort')
    .string(m.originatorAddress, originatorLength)
    .u32(m.originatorPort, 'originatorPort')
    .done()
}

// CHANNEL_OPEN_CONFIRMATION (91), 17 bytes:
//   byte    type = 91
//   uint32  recipientChannel      (the opener's id)
//   uint32  senderChannel         (the confirmer's id; AMT reuses small ids, mps#741)
//   uint32  initialWindowSize
//   uint32  reserved              (0xFFFFFFFF)
export function decodeChannelOpenConfirmation(r: ByteReader): ChannelOpenConfirmationMessage {
  const recipientChannel = r.u32()
  const senderChannel = r.u32()
  const initialWindowSize = r.u32()
  const reserved = r.u32()
  return { type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel, senderChannel, initialWindowSize, reserved }
}

export function encodeChannelOpenConfirmation(m: ChannelOpenConfirmationMessage): Buffer {
  return new ByteWriter(17)
    .u8(M.CHANNEL_OPEN_CONFIRMATION)
    .u32(m.recipientChannel, 'recipientChannel')
    .u32(m.senderChannel, 'senderChannel')
    .u32(m.initialWindowSize, 'initialWindowSize')
    .u32(m.reserved, 'reserved')
    .done()
}

// CHANNEL_OPEN_FAILURE (92), 17 bytes:
//   byte    type = 92
//   uint32  recipientChannel
//   uint32  reasonCode            (1 prohibited, 2 connect failed, 3 unknown type, 4 resource shortage)
//   uint32  reserved = 0
//   uint32  reserved2 = 0
export function decodeChannelOpenFailure(r: ByteReader): ChannelOpenFailureMessage {
  const recipientChannel = r.u32()
  const reasonCode = r.u32()
  r.skip(8)
  return { type: M.CHANNEL_OPEN_FAILURE, recipientChannel, reasonCode }
}

export function encodeChannelOpenFailure(m: ChannelOpenFailureMessage): Buffer {
  return new ByteWriter(17)
    .u8(M.CHANNEL_OPEN_FAILURE)
    .u32(m.recipientChannel, 'recipientChannel')
    .u32(m.reasonCode, 'reasonCode')
    .zeros(8)
    .done()
}

// CHANNEL_WINDOW_ADJUST (93), 9 bytes:
//   byte    type = 93
//   uint32  recipientChannel
//   uint32  bytesToAdd
export function decodeChannelWindowAdjust(r: ByteReader): ChannelWindowAdjustMessage {
  const recipientChannel = r.u32()
  const bytesToAdd = r.u32()
  return { type: M.CHANNEL_WINDOW_ADJUST, recipientChannel, bytesToAdd }
}

export function encodeChannelWindowAdjust(m: ChannelWindowAdjustMessage): Buffer {
  return new ByteWriter(9)
    .u8(M.CHANNEL_WINDOW_ADJUST)
    .u32(m.recipientChannel, 'recipientChannel')
    .u32(m.bytesToAdd, 'bytesToAdd')
    .done()
}

// CHANNEL_DATA (94), 9 + length bytes:
//   byte    type = 94
//   uint32  recipientChannel
//   uint32  length                (MPS treats > 1 MiB as fatal)
//   byte[length] data
export function decodeChannelData(r: ByteReader, limits: ApfLimits): ChannelDataMessage {
  const recipientChannel = r.u32()
  const length = r.u32()
  if (!r.short && length > limits.maxChannelDataLength) {
    throw new ApfDecodeError(
      ErrorCode.APF_ERR_DATA_TOO_LONG,
      `CHANNEL_DATA length is ${length} bytes, over the limit of ${limits.maxChannelDataLength}`,
      { messageType: M.CHANNEL_DATA },
    )
  }
  const data = r.bytes(length)
  return { type: M.CHANNEL_DATA, recipientChannel, data }
}

/** CHANNEL_DATA as one buffer (copies the payload). */
export function encodeChannelData(m: ChannelDataMessage): Buffer {
  return new ByteWriter(9 + m.data.length)
    .u8(M.CHANNEL_DATA)
    .u32(m.recipientChannel, 'recipientChannel')
    .u32(m.data.length, 'length')
    .bytes(m.data)
    .done()
}

/**
 * Only the 9-byte CHANNEL_DATA header, so a sender can write header and payload back to back
 * (socket.cork or writev) without copying the payload.
 */
export function encodeChannelDataHeader(recipientChannel: number, length: number): Buffer {
  return new ByteWriter(9).u8(M.CHANNEL_DATA).u32(recipientChannel, 'recipientChannel').u32(length, 'length').done()
}

// CHANNEL_CLOSE (97), 5 bytes:
//   byte    type = 97
//   uint32  recipientChannel
export function decodeChannelClose(r: ByteReader): ChannelCloseMessage {
  return { type: M.CHANNEL_CLOSE, recipientChannel: r.u32() }
}

export function encodeChannelClose(m: ChannelCloseMessage): Buffer {
  return new ByteWriter(5).u8(M.CHANNEL_CLOSE).u32(m.recipientChannel, 'recipientChannel').done()
}
