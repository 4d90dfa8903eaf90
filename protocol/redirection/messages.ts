/**
 * Every redirection message as a discriminated union keyed by `type` (the command name; the
 * byte is `RedirCommand[type]`). KVM's 8-byte 0x40/0x41 step has its own names because IDE-R
 * uses the same bytes with other layouts: the phase decides (see codec.ts).
 *
 * Header bytes the sources always send as zero (SOL/IDE-R bytes 1–2, 0x54 bytes 31–33, …) are
 * ignored when decoding and written as zero. Bytes that captures show non-zero with an unknown
 * meaning (0x41 bytes 12–15, 20, 22–24) are kept as `reserved*` numbers so captures round-trip.
 */

// ---------------------------------------------------------------- session manager (0x10–0x14)

export interface StartRedirectionSession {
  readonly type: 'START_REDIRECTION_SESSION'
  /** 0x01 for KVM, 0x00 for SOL and IDE-R. */
  readonly flag: number
  /** The four tag bytes as latin1: 'SOL ', 'IDER', 'KVMR' (anything else is decoded too). */
  readonly tag: string
}

export interface StartRedirectionSessionReply {
  readonly type: 'START_REDIRECTION_SESSION_REPLY'
  readonly status: number
  readonly protocolMajor: number
  readonly protocolMinor: number
  readonly firmwareMajor: number
  readonly firmwareMinor: number
  readonly oemIana: number
  /** OEM-defined bytes (u8 length); empty in every known reply. */
  readonly oem: Buffer
}

export interface EndRedirectionSession {
  readonly type: 'END_REDIRECTION_SESSION'
}

/** The data of a console's 0x13, by authType and L. */
export type AuthRequestBody =
  /** L = 0: a query (authType 0), or the empty Kerberos login of the built-in web server path. */
  | { readonly kind: 'none' }
  /** authType 1: `ulen, user, plen, password`. */
  | { readonly kind: 'password'; readonly user: string; readonly password: string }
  /**
   * authType 4 (qop set) or 3 (qop null): u8-prefixed strings user, realm, nonce, uri, cnonce,
   * nc, response[, qop]. The first step of a digest login is the same layout with realm, nonce,
   * cnonce, nc, response (and qop) empty.
   */
  | {
      readonly kind: 'digest'
      readonly user: string
      readonly realm: string
      readonly nonce: string
      readonly uri: string
      readonly cnonce: string
      readonly nc: string
      readonly response: string
      readonly qop: string | null
    }
  /** Any other authType with data: kept as bytes. */
  | { readonly kind: 'opaque'; readonly data: Buffer }

/** The data of a device's 0x14, by authType and L. */
export type AuthReplyBody =
  /** L = 0: a result (success or failure of a login). */
  | { readonly kind: 'none' }
  /** authType 0: one byte per supported authType. */
  | { readonly kind: 'types'; readonly authTypes: readonly number[] }
  /** authType 4 (qop set) or 3 (qop null): u8-prefixed realm, nonce[, qop]; status FAILURE. */
  | { readonly kind: 'challenge'; readonly realm: string; readonly nonce: string; readonly qop: string | null }
  | { readonly kind: 'opaque'; readonly data: Buffer }

export interface AuthenticateSession {
  readonly type: 'AUTHENTICATE_SESSION'
  readonly authType: number
  readonly body: AuthRequestBody
}

export interface AuthenticateSessionReply {
  readonly type: 'AUTHENTICATE_SESSION_REPLY'
  readonly status: number
  readonly authType: number
  readonly body: AuthReplyBody
}

export type SessionMessage =
  | StartRedirectionSession
  | StartRedirectionSessionReply
  | EndRedirectionSession
  | AuthenticateSession
  | AuthenticateSessionReply

// ---------------------------------------------------------------- Serial-over-LAN (0x20–0x2B)

/** The six u16 parameters of 0x20, echoed in 0x21 ([inferred] layout, see codec-sol.ts). */
export interface SolParameters {
  readonly maxTxBuffer: number
  readonly txBufferTimeout: number
  readonly txOverflowTimeout: number
  readonly hostSessionRxTimeout: number
  readonly hostFifoRxFlushTimeout: number
  readonly heartbeatInterval: number
}

export interface StartSol extends SolParameters {
  readonly type: 'START_SOL'
  readonly seq: number
}

export interface StartSolReply extends SolParameters {
  readonly type: 'START_SOL_REPLY'
  readonly seq: number
  readonly status: number
}

export interface SolHeaderOnly {
  readonly type: 'END_SOL' | 'END_SOL_REPLY' | 'SOL_KEEPALIVE_PING' | 'SOL_KEEPALIVE_PONG' | 'SOL_HEARTBEAT'
  readonly seq: number
}

/** 0x27: sent by MeshCommander and ui-toolkit right after 0x21; meaning unknown, 6 bytes kept. */
export interface SolUnnamed27 {
  readonly type: 'SOL_UNNAMED_27'
  readonly seq: number
  readonly payload: Buffer
}

export interface SolData {
  readonly type: 'SOL_DATA_TO_HOST' | 'SOL_DATA_FROM_HOST'
  readonly seq: number
  readonly data: Buffer
}

export interface SolControlsFromHost {
  readonly type: 'SOL_CONTROLS_FROM_HOST'
  readonly seq: number
  readonly control: number
  readonly status: number
}

export type SolMessage = StartSol | StartSolReply | SolHeaderOnly | SolUnnamed27 | SolData | SolControlsFromHost

// ---------------------------------------------------------------- IDE redirection (0x40–0x54)

/** An ATA register block as IDE-R carries it: 8 bytes, byte count little-endian. */
export interface AtaRegisters {
  readonly mask: number
  readonly error: number
  readonly sectorCount: number
  readonly sectorNumber: number
  readonly byteCount: number
  readonly driveSelect: number
  readonly status: number
}

/** SCSI sense key, additional sense code and qualifier. */
export interface Sense {
  readonly key: number
  readonly asc: number
  readonly ascq: number
}

interface IderHeader {
  readonly seq: number
  /** Byte 3: 0x02 completed, 0x01 DMA. */
  readonly attributes: number
}

export interface StartIder extends IderHeader {
  readonly type: 'START_IDER'
  readonly rxTimeout: number
  readonly txTimeout: number
  readonly heartbeatInterval: number
  readonly version: number
}

export interface StartIderReply extends IderHeader {
  readonly type: 'START_IDER_REPLY'
  readonly majorVersion: number
  readonly minorVersion: number
  readonly firmwareMajor: number
  readonly firmwareMinor: number
  /** Bytes 12–15 (u32 LE), meaning unknown; the captured reply has 0x00000102. */
  readonly reserved12: number
  readonly readBufferSize: number
  readonly writeBufferSize: number
  /** Byte 20, meaning unknown; the captured reply has 0x0C. */
  readonly reserved20: number
  /** Byte 21: protocol features; consoles require 0. */
  readonly features: number
  /** Bytes 22–24 (u24 LE), meaning unknown; zero in the capture. */
  readonly reserved22: number
  readonly oemIana: number
  readonly oem: Buffer
}

export interface IderHeaderOnly extends IderHeader {
  readonly type:
    | 'END_IDER'
    | 'END_IDER_REPLY'
    | 'IDER_KEEPALIVE_PING'
    | 'IDER_KEEPALIVE_PONG'
    | 'IDER_RESET_OCCURRED_RESPONSE'
    | 'IDER_HEARTBEAT'
}

export interface IderResetOccurred extends IderHeader {
  readonly type: 'IDER_RESET_OCCURRED'
  readonly mask: number
}

export interface IderDisableEnableFeatures extends IderHeader {
  readonly type: 'IDER_DISABLE_ENABLE_FEATURES'
  readonly featureType: number
  /** Present for types 2 and 3 (13 bytes), null for type 1 (9 bytes). */
  readonly value: number | null
}

export interface IderDisableEnableFeaturesReply extends IderHeader {
  readonly type: 'IDER_DISABLE_ENABLE_FEATURES_REPLY'
  readonly featureType: number
  readonly value: number
}

export interface IderErrorOccurred extends IderHeader {
  readonly type: 'IDER_ERROR_OCCURRED'
  readonly reason: number
}

export interface IderCommandWritten extends IderHeader {
  readonly type: 'IDER_COMMAND_WRITTEN'
  readonly cableSelect: number
  /** ATA feature register: bit 0 = DMA. */
  readonly feature: number
  readonly sectorCount: number
  readonly sectorNumber: number
  readonly byteCount: number
  readonly driveSelect: number
  /** ATA command; 0xA0 PACKET. */
  readonly command: number
  /** The 12-byte ATAPI CDB. */
  readonly cdb: Buffer
}

/** 0x51 and 0x52 share one 31-byte layout. */
export interface IderRegisterMessage extends IderHeader {
  readonly type: 'IDER_COMMAND_END_RESPONSE' | 'IDER_GET_DATA_FROM_HOST'
  readonly cableSelect: number
  readonly transferBytes: number
  readonly packetNumber: number
  readonly input: AtaRegisters
  readonly output: AtaRegisters
  readonly sense: Sense
}

export interface IderDataFromHost extends IderHeader {
  readonly type: 'IDER_DATA_FROM_HOST'
  readonly cableSelect: number
  readonly data: Buffer
}

export interface IderDataToHost extends IderHeader {
  readonly type: 'IDER_DATA_TO_HOST'
  readonly cableSelect: number
  readonly packetNumber: number
  readonly input: AtaRegisters
  readonly output: AtaRegisters
  readonly sense: Sense
  readonly data: Buffer
}

export type IderMessage =
  | StartIder
  | StartIderReply
  | IderHeaderOnly
  | IderResetOccurred
  | IderDisableEnableFeatures
  | IderDisableEnableFeaturesReply
  | IderErrorOccurred
  | IderCommandWritten
  | IderRegisterMessage
  | IderDataFromHost
  | IderDataToHost

// ---------------------------------------------------------------- KVM step (0x40/0x41, 8 bytes)

/** `40 00 00 00 00 00 00 00` after a KVMR login; the reply `41` + 7 bytes ([inferred] zero). */
export interface KvmStep {
  readonly type: 'KVM_START' | 'KVM_START_REPLY'
}

export type RedirectionMessage = SessionMessage | SolMessage | IderMessage | KvmStep
export type RedirectionMessageType = RedirectionMessage['type']

type Narrow<M, T> = M extends { readonly type: infer U } ? (T extends U ? M & { readonly type: T } : never) : never
/** The message of one type, also for interfaces shared by several types (SolData, IderHeaderOnly, …). */
export type RedirectionMessageOf<T extends RedirectionMessageType> = Narrow<RedirectionMessage, T>
