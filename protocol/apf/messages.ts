/**
 * The APF message union. One interface per firmware message type, keyed by the literal
 * `type`; layouts are documented beside each codec in `codec.ts`.
 *
 * Strings are UTF-8 (firmware sends ASCII). Integers are unsigned 32-bit.
 */

import type { MessageType } from './constants.js'

type T = typeof MessageType

export interface DisconnectMessage {
  readonly type: T['DISCONNECT']
  readonly reasonCode: number
}

export interface ServiceRequestMessage {
  readonly type: T['SERVICE_REQUEST']
  readonly serviceName: string
}

export interface ServiceAcceptMessage {
  readonly type: T['SERVICE_ACCEPT']
  readonly serviceName: string
}

export interface UserauthRequestMessage {
  readonly type: T['USERAUTH_REQUEST']
  readonly username: string
  readonly serviceName: string
  readonly methodName: string
  /** Present exactly when `methodName` is `password`. */
  readonly password: string | null
}

export interface UserauthFailureMessage {
  readonly type: T['USERAUTH_FAILURE']
  /** Comma list of methods that can continue; MPS sends `password`. */
  readonly methods: string
  readonly partialSuccess: boolean
}

export interface UserauthSuccessMessage {
  readonly type: T['USERAUTH_SUCCESS']
}

export interface TcpipForwardRequest {
  readonly kind: 'tcpip-forward'
  readonly address: string
  readonly port: number
}

export interface CancelTcpipForwardRequest {
  readonly kind: 'cancel-tcpip-forward'
  readonly address: string
  readonly port: number
}

export interface UdpSendToRequest {
  readonly kind: 'udp-send-to'
  readonly address: string
  readonly port: number
  readonly originatorAddress: string
  readonly originatorPort: number
  readonly data: Buffer
}

/**
 * A request name we do not know. APF has no framing, so the length of its payload is
 * unknowable; the decoder takes every byte that arrived with it in the same transport read
 * (firmware writes one message per TLS record) rather than parsing the payload as new
 * messages the way MPS does.
 */
export interface OtherGlobalRequest {
  readonly kind: 'other'
  readonly requestName: string
  readonly payload: Buffer
}

export type GlobalRequest = TcpipForwardRequest | CancelTcpipForwardRequest | UdpSendToRequest | OtherGlobalRequest

export interface GlobalRequestMessage {
  readonly type: T['GLOBAL_REQUEST']
  readonly wantReply: boolean
  readonly request: GlobalRequest
}

export interface RequestSuccessMessage {
  readonly type: T['REQUEST_SUCCESS']
  /** The bound port in a reply to `tcpip-forward`; null in the 1-byte reply to a cancel. */
  readonly portBound: number | null
}

export interface RequestFailureMessage {
  readonly type: T['REQUEST_FAILURE']
}

export interface ChannelOpenMessage {
  readonly type: T['CHANNEL_OPEN']
  readonly channelType: string
  readonly senderChannel: number
  readonly initialWindowSize: number
  /** Where SSH has "maximum packet size"; everybody writes 0xFFFFFFFF and nobody reads it. */
  readonly reserved: number
  readonly connectedAddress: string
  readonly connectedPort: number
  readonly originatorAddress: string
  readonly originatorPort: number
}

export interface ChannelOpenConfirmationMessage {
  readonly type: T['CHANNEL_OPEN_CONFIRMATION']
  readonly recipientChannel: number
  readonly senderChannel: number
  readonly initialWindowSize: number
  readonly reserved: number
}

export interface ChannelOpenFailureMessage {
  readonly type: T['CHANNEL_OPEN_FAILURE']
  readonly recipientChannel: number
  readonly reasonCode: number
}

export interface ChannelWindowAdjustMessage {
  readonly type: T['CHANNEL_WINDOW_ADJUST']
  readonly recipientChannel: number
  readonly bytesToAdd: number
}

export interface ChannelDataMessage {
  readonly type: T['CHANNEL_DATA']
  readonly recipientChannel: number
  /** A view into the received chunk when the message lay in one chunk; never copied twice. */
  readonly data: Buffer
}

export interface ChannelCloseMessage {
  readonly type: T['CHANNEL_CLOSE']
  readonly recipientChannel: number
}

export interface ProtocolVersionMessage {
  readonly type: T['PROTOCOLVERSION']
  readonly majorVersion: number
  readonly minorVersion: number
  readonly triggerReason: number
  /** Canonical lower-case text form; the wire carries it mixed-endian (see uuid.ts). */
  readonly uuid: string
}

export interface KeepaliveRequestMessage {
  readonly type: T['KEEPALIVE_REQUEST']
  readonly cookie: number
}

export interface KeepaliveReplyMessage {
  readonly type: T['KEEPALIVE_REPLY']
  readonly cookie: number
}

export interface KeepaliveOptionsRequestMessage {
  readonly type: T['KEEPALIVE_OPTIONS_REQUEST']
  readonly intervalSeconds: number
  readonly timeoutSeconds: number
}

export interface KeepaliveOptionsReplyMessage {
  readonly type: T['KEEPALIVE_OPTIONS_REPLY']
  readonly intervalSeconds: number
  readonly timeoutSeconds: number
}

export type ApfMessage =
  | DisconnectMessage
  | ServiceRequestMessage
  | ServiceAcceptMessage
  | UserauthRequestMessage
  | UserauthFailureMessage
  | UserauthSuccessMessage
  | GlobalRequestMessage
  | RequestSuccessMessage
  | RequestFailureMessage
  | ChannelOpenMessage
  | ChannelOpenConfirmationMessage
  | ChannelOpenFailureMessage
  | ChannelWindowAdjustMessage
  | ChannelDataMessage
  | ChannelCloseMessage
  | ProtocolVersionMessage
  | KeepaliveRequestMessage
  | KeepaliveReplyMessage
  | KeepaliveOptionsRequestMessage
  | KeepaliveOptionsReplyMessage

/** The message interface for a given type number: `MessageOf<94>` is ChannelDataMessage. */
export type MessageOf<K extends ApfMessage['type']> = Extract<ApfMessage, { type: K }>
