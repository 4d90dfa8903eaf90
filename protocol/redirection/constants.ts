/**
 * Numbers of the AMT redirection protocol on port 16994 (shared/protocol/redirection-wsman.md
 * §2). Multi-byte integers are little-endian; RFB inside KVM is big-endian (see rfb.ts).
 */

/** Command byte (byte 0 of every message). KVM reuses 0x40/0x41 with its own 8-byte layout. */
export const RedirCommand = {
  START_REDIRECTION_SESSION: 0x10,
  START_REDIRECTION_SESSION_REPLY: 0x11,
  END_REDIRECTION_SESSION: 0x12,
  AUTHENTICATE_SESSION: 0x13,
  AUTHENTICATE_SESSION_REPLY: 0x14,
  START_SOL: 0x20,
  START_SOL_REPLY: 0x21,
  END_SOL: 0x22,
  END_SOL_REPLY: 0x23,
  SOL_KEEPALIVE_PING: 0x24,
  SOL_KEEPALIVE_PONG: 0x25,
  SOL_UNNAMED_27: 0x27,
  SOL_DATA_TO_HOST: 0x28,
  SOL_CONTROLS_FROM_HOST: 0x29,
  SOL_DATA_FROM_HOST: 0x2a,
  SOL_HEARTBEAT: 0x2b,
  START_IDER: 0x40,
  START_IDER_REPLY: 0x41,
  END_IDER: 0x42,
  END_IDER_REPLY: 0x43,
  IDER_KEEPALIVE_PING: 0x44,
  IDER_KEEPALIVE_PONG: 0x45,
  IDER_RESET_OCCURRED: 0x46,
  IDER_RESET_OCCURRED_RESPONSE: 0x47,
  IDER_DISABLE_ENABLE_FEATURES: 0x48,
  IDER_DISABLE_ENABLE_FEATURES_REPLY: 0x49,
  IDER_ERROR_OCCURRED: 0x4a,
  IDER_HEARTBEAT: 0x4b,
  IDER_COMMAND_WRITTEN: 0x50,
  IDER_COMMAND_END_RESPONSE: 0x51,
  IDER_GET_DATA_FROM_HOST: 0x52,
  IDER_DATA_FROM_HOST: 0x53,
  IDER_DATA_TO_HOST: 0x54,
  KVM_START: 0x40,
  KVM_START_REPLY: 0x41,
} as const

export type RedirCommandName = keyof typeof RedirCommand

/**
 * Which message set the bytes on the stream belong to. The session decides and tells the
 * decoder: `session` until authentication succeeds, then `sol`, `ider` or `kvm` by the session
 * kind, and `rfb` (raw bytes) once the KVM 0x40/0x41 step is done.
 */
export type RedirectionPhase = 'session' | 'sol' | 'ider' | 'kvm' | 'rfb'

/** 0x10 session tags, as the four ASCII bytes after the flag and two zero bytes. */
export const SessionTag = { SOL: 'SOL ', IDER: 'IDER', KVMR: 'KVMR' } as const
export type SessionTag = (typeof SessionTag)[keyof typeof SessionTag]

/** 0x11 StartRedirectionSessionReply status (MPS redirectInterceptor, console usecase.go). */
export const StartStatus = { SUCCESS: 0, TYPE_UNKNOWN: 1, BUSY: 2, UNSUPPORTED: 3, ERROR: 0xff } as const

/** 0x14 AuthenticateSessionReply status; FAILURE also carries the digest challenge. */
export const AuthStatus = { SUCCESS: 0, FAILURE: 1, NOT_SUPPORTED: 2 } as const

/** authType byte of 0x13/0x14. */
export const AuthType = { QUERY: 0, USER_PASSWORD: 1, KERBEROS: 2, DIGEST_RFC2069: 3, DIGEST: 4 } as const

/** The URI both sides put in the digest (HA2 = MD5("POST:/RedirectionService")). */
export const REDIRECTION_DIGEST_URI = '/RedirectionService'
export const REDIRECTION_DIGEST_METHOD = 'POST'

/** Intel's IANA enterprise number (343), as amttool sends it and a captured 0x41 carries it. */
export const INTEL_IANA = 0x157

/** 0x29 control byte bits. */
export const SolControl = { RTS: 1, DTR: 2, BREAK: 4 } as const
/** 0x29 status byte bits; SYSTEM_POWER_STATE set = host powered on (amtterm). */
export const SolStatus = { TX_OVERFLOW: 1, LOOPBACK_ACTIVE: 2, SYSTEM_POWER_STATE: 4, RX_FLUSH_TIMEOUT: 8, TESTMODE_ACTIVE: 16 } as const

/** IDE-R header byte 3. */
export const IderAttribute = { DMA: 0x01, COMPLETED: 0x02 } as const

/** 0x48/0x49 feature request types. */
export const IderFeatureType = { GET_SUPPORTED: 1, GET_REGISTER_STATE: 2, SET_REGISTER_STATE: 3 } as const
/** 0x48 type 3 value: enable bit plus a start mode. */
export const IderFeature = { ENABLE: 0x01, START_ON_REBOOT: 0x08, START_GRACEFUL: 0x10, START_NOW: 0x18, START_MODE_MASK: 0x18 } as const

/** ATA register values used by IDE-R (amtterm RedirectionConstants.h). */
export const AtaStatus = { BSY: 0x80, DRDY: 0x40, DF: 0x20, DSC: 0x10, DRQ: 0x08, CORR: 0x04, IDX: 0x02, ERR: 0x01 } as const
export const AtaRegisterMask = {
  INTERRUPT: 0x01,
  ERROR: 0x02,
  SECTOR_COUNT: 0x04,
  SECTOR_NUMBER: 0x08,
  BYTE_COUNT_LSB: 0x10,
  BYTE_COUNT_MSB: 0x20,
  DRIVE_SELECT: 0x40,
  STATUS: 0x80,
} as const
export const ATA_PACKET_COMMAND = 0xa0
/** Drive select byte: bit 4 set selects the CD (0xB0), clear the floppy (0xA0). */
export const IderDrive = { FLOPPY: 0xa0, CD: 0xb0 } as const

export interface RedirectionLimits {
  /** SOL and IDE-R payloads (u16 on the wire). */
  readonly maxDataLength: number
  /** 0x13/0x14 `L`; digest data is 8 u8-prefixed strings, so 2 KiB is generous. */
  readonly maxAuthDataLength: number
}

export const DEFAULT_REDIRECTION_LIMITS: RedirectionLimits = Object.freeze({
  maxDataLength: 0xffff,
  maxAuthDataLength: 2048,
})

/** Header length of SOL and IDE-R messages: `cmd, b1, b2, b3, seq u32 LE`. */
export const SEQ_HEADER_LENGTH = 8
