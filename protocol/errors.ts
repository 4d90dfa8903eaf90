/**
 * One catalogue of stable error codes for every wire codec in ciralab.
 *
 * Codes never change once published: tests, logs, metrics and reports key on them. Each error
 * class names what goes on the wire because of it (an APF disconnect reason, a SOCKS5 reply
 * code, an HTTP status) so the connection layer never has to guess.
 */

export const ErrorCode = {
  // APF decoding (device or gateway input)
  APF_ERR_UNKNOWN_MESSAGE_TYPE: 'APF_ERR_UNKNOWN_MESSAGE_TYPE',
  APF_ERR_STRING_TOO_LONG: 'APF_ERR_STRING_TOO_LONG',
  APF_ERR_DATA_TOO_LONG: 'APF_ERR_DATA_TOO_LONG',
  APF_ERR_BUFFER_LIMIT: 'APF_ERR_BUFFER_LIMIT',
  APF_ERR_MALFORMED: 'APF_ERR_MALFORMED',
  APF_ERR_DECODER_FAILED: 'APF_ERR_DECODER_FAILED',
  // APF encoding (our own bug or bad caller input, never peer input)
  APF_ERR_INVALID_FIELD: 'APF_ERR_INVALID_FIELD',
  // Command line and configuration
  CLI_ERR_USAGE: 'CLI_ERR_USAGE',
  CFG_ERR_INVALID: 'CFG_ERR_INVALID',
  // SOCKS5 (protocol/socks5) — add SOCKS_ERR_* here
  SOCKS_ERR_VERSION: 'SOCKS_ERR_VERSION',
  SOCKS_ERR_NO_METHODS: 'SOCKS_ERR_NO_METHODS',
  SOCKS_ERR_COMMAND: 'SOCKS_ERR_COMMAND',
  SOCKS_ERR_ADDRESS_TYPE: 'SOCKS_ERR_ADDRESS_TYPE',
  SOCKS_ERR_DOMAIN: 'SOCKS_ERR_DOMAIN',
  SOCKS_ERR_INVALID_FIELD: 'SOCKS_ERR_INVALID_FIELD',
  // SOCKS5 client outcomes (consoles/socks5-client.ts): what the server answered
  SOCKS_ERR_NO_ACCEPTABLE_METHOD: 'SOCKS_ERR_NO_ACCEPTABLE_METHOD',
  SOCKS_ERR_AUTH_FAILED: 'SOCKS_ERR_AUTH_FAILED',
  SOCKS_ERR_REJECTED: 'SOCKS_ERR_REJECTED',
  SOCKS_ERR_CLOSED: 'SOCKS_ERR_CLOSED',
  // HTTP proxy client (consoles/connect-tunnel.ts)
  CONSOLE_ERR_PROXY_STATUS: 'CONSOLE_ERR_PROXY_STATUS',
  CONSOLE_ERR_PROXY_RESPONSE: 'CONSOLE_ERR_PROXY_RESPONSE',
  // PROXY protocol header from a TLS terminator (protocol/proxy-protocol)
  PROXY_ERR_MALFORMED: 'PROXY_ERR_MALFORMED',
  PROXY_ERR_TOO_LONG: 'PROXY_ERR_TOO_LONG',
  // HTTP Digest (protocol/digest) — add DIGEST_ERR_* here
  DIGEST_ERR_NOT_DIGEST: 'DIGEST_ERR_NOT_DIGEST',
  DIGEST_ERR_MALFORMED: 'DIGEST_ERR_MALFORMED',
  DIGEST_ERR_TOO_LONG: 'DIGEST_ERR_TOO_LONG',
  DIGEST_ERR_DUPLICATE_PARAMETER: 'DIGEST_ERR_DUPLICATE_PARAMETER',
  DIGEST_ERR_MISSING_PARAMETER: 'DIGEST_ERR_MISSING_PARAMETER',
  DIGEST_ERR_INVALID_PARAMETER: 'DIGEST_ERR_INVALID_PARAMETER',
  // WS-MAN envelopes (protocol/wsman) — add WSMAN_ERR_* here
  WSMAN_ERR_XML_MALFORMED: 'WSMAN_ERR_XML_MALFORMED',
  WSMAN_ERR_XML_ENCODING: 'WSMAN_ERR_XML_ENCODING',
  WSMAN_ERR_XML_ENTITY: 'WSMAN_ERR_XML_ENTITY',
  WSMAN_ERR_XML_NAMESPACE: 'WSMAN_ERR_XML_NAMESPACE',
  WSMAN_ERR_XML_TOO_LARGE: 'WSMAN_ERR_XML_TOO_LARGE',
  WSMAN_ERR_XML_TOO_DEEP: 'WSMAN_ERR_XML_TOO_DEEP',
  WSMAN_ERR_XML_TOO_MANY_NODES: 'WSMAN_ERR_XML_TOO_MANY_NODES',
  WSMAN_ERR_NOT_ENVELOPE: 'WSMAN_ERR_NOT_ENVELOPE',
  WSMAN_ERR_MISSING_HEADER: 'WSMAN_ERR_MISSING_HEADER',
  WSMAN_ERR_INVALID_BODY: 'WSMAN_ERR_INVALID_BODY',
  WSMAN_ERR_INVALID_VALUE: 'WSMAN_ERR_INVALID_VALUE',
  WSMAN_ERR_HTTP_MALFORMED: 'WSMAN_ERR_HTTP_MALFORMED',
  WSMAN_ERR_HTTP_HEADER_TOO_LARGE: 'WSMAN_ERR_HTTP_HEADER_TOO_LARGE',
  WSMAN_ERR_HTTP_BODY_TOO_LARGE: 'WSMAN_ERR_HTTP_BODY_TOO_LARGE',
  WSMAN_ERR_HTTP_UNSUPPORTED: 'WSMAN_ERR_HTTP_UNSUPPORTED',
  WSMAN_ERR_HTTP_FAILED: 'WSMAN_ERR_HTTP_FAILED',
  // WS-MAN console client (consoles/wsman-client.ts)
  WSMAN_ERR_CLIENT_TIMEOUT: 'WSMAN_ERR_CLIENT_TIMEOUT',
  WSMAN_ERR_CLIENT_CLOSED: 'WSMAN_ERR_CLIENT_CLOSED',
  WSMAN_ERR_CLIENT_BUSY: 'WSMAN_ERR_CLIENT_BUSY',
  // Redirection framing (protocol/redirection) — add REDIR_ERR_* here
  REDIR_ERR_UNKNOWN_COMMAND: 'REDIR_ERR_UNKNOWN_COMMAND',
  REDIR_ERR_DATA_TOO_LONG: 'REDIR_ERR_DATA_TOO_LONG',
  REDIR_ERR_MALFORMED: 'REDIR_ERR_MALFORMED',
  REDIR_ERR_DECODER_FAILED: 'REDIR_ERR_DECODER_FAILED',
  REDIR_ERR_INVALID_FIELD: 'REDIR_ERR_INVALID_FIELD',
  REDIR_ERR_RFB_MALFORMED: 'REDIR_ERR_RFB_MALFORMED',
  REDIR_ERR_RFB_UNKNOWN_MESSAGE: 'REDIR_ERR_RFB_UNKNOWN_MESSAGE',
  REDIR_ERR_RFB_UNSUPPORTED_ENCODING: 'REDIR_ERR_RFB_UNSUPPORTED_ENCODING',
  // Redirection sessions (simulator device side and console clients)
  REDIR_ERR_START_REFUSED: 'REDIR_ERR_START_REFUSED',
  REDIR_ERR_AUTH_FAILED: 'REDIR_ERR_AUTH_FAILED',
  REDIR_ERR_AUTH_UNSUPPORTED: 'REDIR_ERR_AUTH_UNSUPPORTED',
  REDIR_ERR_UNEXPECTED_MESSAGE: 'REDIR_ERR_UNEXPECTED_MESSAGE',
  REDIR_ERR_TIMEOUT: 'REDIR_ERR_TIMEOUT',
  REDIR_ERR_CLOSED: 'REDIR_ERR_CLOSED',
  // Gateway sessions and consoles — add GW_ERR_* here
  GW_ERR_OUT_OF_ORDER: 'GW_ERR_OUT_OF_ORDER',
  GW_ERR_VERSION_UNSUPPORTED: 'GW_ERR_VERSION_UNSUPPORTED',
  GW_ERR_SERVICE_UNAVAILABLE: 'GW_ERR_SERVICE_UNAVAILABLE',
  GW_ERR_UUID_NOT_ALLOWED: 'GW_ERR_UUID_NOT_ALLOWED',
  GW_ERR_AUTH_FAILED: 'GW_ERR_AUTH_FAILED',
  GW_ERR_AUTH_TIMEOUT: 'GW_ERR_AUTH_TIMEOUT',
  GW_ERR_IDLE_TIMEOUT: 'GW_ERR_IDLE_TIMEOUT',
  GW_ERR_WINDOW_EXCEEDED: 'GW_ERR_WINDOW_EXCEEDED',
  GW_ERR_UNKNOWN_CHANNEL: 'GW_ERR_UNKNOWN_CHANNEL',
  GW_ERR_RATE_LIMITED: 'GW_ERR_RATE_LIMITED',
  GW_ERR_LOG_FILE: 'GW_ERR_LOG_FILE',
  GW_ERR_UNSAFE_CONFIG: 'GW_ERR_UNSAFE_CONFIG',
  // Gateway cluster (gateway/cluster): the instance-to-instance hop, the shared presence store
  CLUSTER_ERR_HOP_MALFORMED: 'CLUSTER_ERR_HOP_MALFORMED',
  CLUSTER_ERR_HOP_FIELD: 'CLUSTER_ERR_HOP_FIELD',
  CLUSTER_ERR_STORE_ENTRY: 'CLUSTER_ERR_STORE_ENTRY',
  CLUSTER_ERR_SECRET: 'CLUSTER_ERR_SECRET',
  // Simulator — add SIM_ERR_* here
  SIM_ERR_NS_CERT_TYPE: 'SIM_ERR_NS_CERT_TYPE',
  SIM_ERR_PASSWORD_RULE: 'SIM_ERR_PASSWORD_RULE',
  SIM_ERR_GATEWAY_PROTOCOL: 'SIM_ERR_GATEWAY_PROTOCOL',
  SIM_ERR_WORKER: 'SIM_ERR_WORKER',
  // Benchmarks and reports (bench/, reports/)
  BENCH_ERR_CHILD_EXITED: 'BENCH_ERR_CHILD_EXITED',
  BENCH_ERR_CHILD_TIMEOUT: 'BENCH_ERR_CHILD_TIMEOUT',
  BENCH_ERR_PROCESS_GONE: 'BENCH_ERR_PROCESS_GONE',
  BENCH_ERR_TARGET: 'BENCH_ERR_TARGET',
  BENCH_ERR_SCENARIO: 'BENCH_ERR_SCENARIO',
  REPORT_ERR_INVALID: 'REPORT_ERR_INVALID',
  REPORT_ERR_GATE_SYNTAX: 'REPORT_ERR_GATE_SYNTAX',
  REPORT_ERR_INPUT: 'REPORT_ERR_INPUT',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Base of every error ciralab raises on purpose: a stable `code` plus a human message. */
export class CiralabError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CiralabError'
    this.code = code
  }
}

/** APF disconnect reason codes (apf.md §1.3, DISCONNECT). */
export const ApfDisconnectReason = {
  HOST_NOT_ALLOWED_TO_CONNECT: 1,
  PROTOCOL_ERROR: 2,
  KEY_EXCHANGE_FAILED: 3,
  RESERVED: 4,
  MAC_ERROR: 5,
  COMPRESSION_ERROR: 6,
  SERVICE_NOT_AVAILABLE: 7,
  PROTOCOL_VERSION_NOT_SUPPORTED: 8,
  HOST_KEY_NOT_VERIFIABLE: 9,
  CONNECTION_LOST: 10,
  BY_APPLICATION: 11,
  TOO_MANY_CONNECTIONS: 12,
  AUTH_CANCELLED_BY_USER: 13,
  NO_MORE_AUTH_METHODS_AVAILABLE: 14,
  INVALID_CREDENTIALS: 15,
  CONNECTION_TIMED_OUT: 16,
  BY_POLICY: 17,
  TEMPORARILY_UNAVAILABLE: 18,
} as const

export type ApfDisconnectReason = (typeof ApfDisconnectReason)[keyof typeof ApfDisconnectReason]

export type ApfDecodeErrorCode =
  | typeof ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE
  | typeof ErrorCode.APF_ERR_STRING_TOO_LONG
  | typeof ErrorCode.APF_ERR_DATA_TOO_LONG
  | typeof ErrorCode.APF_ERR_BUFFER_LIMIT
  | typeof ErrorCode.APF_ERR_MALFORMED
  | typeof ErrorCode.APF_ERR_DECODER_FAILED

/**
 * Bytes from a peer that are not APF. The session answers with DISCONNECT(`disconnectReason`)
 * and closes; `offset` is where in the stream (bytes since the decoder was created) the
 * offending message started.
 */
export class ApfDecodeError extends CiralabError {
  override readonly code: ApfDecodeErrorCode
  readonly disconnectReason: ApfDisconnectReason
  readonly offset: number
  readonly messageType: number | null

  constructor(
    code: ApfDecodeErrorCode,
    message: string,
    details: { offset?: number; messageType?: number | null; disconnectReason?: ApfDisconnectReason; cause?: unknown } = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'ApfDecodeError'
    this.code = code
    this.offset = details.offset ?? 0
    this.messageType = details.messageType ?? null
    this.disconnectReason = details.disconnectReason ?? ApfDisconnectReason.PROTOCOL_ERROR
  }

  /** The same error, positioned `base` bytes further into the stream. */
  shifted(base: number): ApfDecodeError {
    if (base === 0) return this
    return new ApfDecodeError(this.code, this.message, {
      offset: this.offset + base,
      messageType: this.messageType,
      disconnectReason: this.disconnectReason,
    })
  }
}

/** A message that cannot be encoded (field out of range, malformed UUID): a caller bug. */
export class ApfEncodeError extends CiralabError {
  override readonly code: typeof ErrorCode.APF_ERR_INVALID_FIELD

  constructor(message: string) {
    super(ErrorCode.APF_ERR_INVALID_FIELD, message)
    this.name = 'ApfEncodeError'
    this.code = ErrorCode.APF_ERR_INVALID_FIELD
  }
}

/** A command line that cannot be run: one line saying what is wrong and where. Exit status 2. */
export class UsageError extends CiralabError {
  constructor(message: string) {
    super(ErrorCode.CLI_ERR_USAGE, message)
    this.name = 'UsageError'
  }
}
