/**
 * APF numbers and names (apf.md §1.2, §1.3, §2). Identical in MPS, MeshCentral, GoAPF and LMS.
 */

export const MessageType = {
  DISCONNECT: 1,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_SUCCESS: 52,
  GLOBAL_REQUEST: 80,
  REQUEST_SUCCESS: 81,
  REQUEST_FAILURE: 82,
  CHANNEL_OPEN: 90,
  CHANNEL_OPEN_CONFIRMATION: 91,
  CHANNEL_OPEN_FAILURE: 92,
  CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94,
  CHANNEL_CLOSE: 97,
  PROTOCOLVERSION: 192,
  KEEPALIVE_REQUEST: 208,
  KEEPALIVE_REPLY: 209,
  KEEPALIVE_OPTIONS_REQUEST: 210,
  KEEPALIVE_OPTIONS_REPLY: 211,
} as const

export type MessageType = (typeof MessageType)[keyof typeof MessageType]

const messageTypeNames = new Map<number, string>(Object.entries(MessageType).map(([name, value]) => [value, name]))

/** `CHANNEL_DATA` for 94, `UNKNOWN(7)` for anything else: for logs and transcripts. */
export function nameMessageType(type: number): string {
  return messageTypeNames.get(type) ?? `UNKNOWN(${type})`
}

export function isMessageType(type: number): type is MessageType {
  return messageTypeNames.has(type)
}

export const ServiceName = {
  AUTH: 'auth@amt.intel.com',
  PFWD: 'pfwd@amt.intel.com',
} as const

export const GlobalRequestName = {
  TCPIP_FORWARD: 'tcpip-forward',
  CANCEL_TCPIP_FORWARD: 'cancel-tcpip-forward',
  UDP_SEND_TO: 'udp-send-to@amt.intel.com',
} as const

export const ChannelType = {
  FORWARDED_TCPIP: 'forwarded-tcpip',
  DIRECT_TCPIP: 'direct-tcpip',
} as const

export const ChannelOpenFailureReason = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const

/** PROTOCOLVERSION trigger reasons (LMS `APF_TRIGGER_REASON`). */
export const TriggerReason = {
  USER_INITIATED: 1,
  ALERT: 2,
  HIT_PROVISIONING: 3,
  PERIODIC: 4,
  LME_REQUEST: 254,
} as const

/**
 * The ports CIRA firmware forwards, in the order it asks for them (MPS code comment):
 * HTTPS/HTTP WS-MAN, secure/non-secure ASF-RMCP, TLS/non-TLS redirection, VNC/KVM.
 */
export const FIRMWARE_FORWARD_ORDER: readonly number[] = [16993, 16992, 664, 623, 16995, 16994, 5900]

/** The `reserved` field MPS, MeshCentral, LMS and GoAPF all write in CHANNEL_OPEN(_CONFIRMATION). */
export const RESERVED_ALL_ONES = 0xffffffff

/** Length of PROTOCOLVERSION on the wire: type, major, minor, trigger, UUID[16], reserved[64]. */
export const PROTOCOL_VERSION_LENGTH = 93

/** Codec limits. Every length field is checked against these before anything is allocated. */
export interface ApfLimits {
  /** Longest string field (names, addresses, user, password). MPS: 2048 (mps#597). */
  readonly maxStringLength: number
  /** Longest CHANNEL_DATA payload. MPS: 1 MiB (`MAX_CIRA_WINDOW`). */
  readonly maxChannelDataLength: number
  /** Most bytes the stream decoder holds of one incomplete message. */
  readonly maxBufferedBytes: number
  /** Longest UDP datagram carried by `udp-send-to@amt.intel.com`. */
  readonly maxUdpDataLength: number
}

export const DEFAULT_APF_LIMITS: ApfLimits = Object.freeze({
  maxStringLength: 2048,
  maxChannelDataLength: 1024 * 1024,
  maxBufferedBytes: 1024 * 1024 + 64 * 1024,
  maxUdpDataLength: 65535,
})
