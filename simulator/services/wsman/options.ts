/** Limits and knobs of the simulated WS-MAN service. Defaults follow captured firmware. */

export interface WsmanServiceOptions {
  /** Request line plus headers. Console requests carry about 400 bytes of headers. */
  readonly maxHeaderBytes: number
  /** Largest request body. Console requests are a few KiB; a Put of every property is under 8. */
  readonly maxBodyBytes: number
  /** Live Digest nonces kept per device (oldest forgotten first). */
  readonly maxNonces: number
  /** A nonce expires this long after it was issued; then the device answers stale=true. [inferred] */
  readonly nonceLifetimeMs: number
  /** Largest chunk of a chunked response: AMT's captured first chunks are 0x0508 bytes at most. */
  readonly chunkSize: number
  /** Open enumeration contexts kept per device (oldest dropped first). */
  readonly maxEnumerations: number
  /** Answer Identify without Digest (unverified whether AMT does; answering is safest, §4.4). */
  readonly identifyWithoutAuth: boolean
}

export const DEFAULT_WSMAN_SERVICE_OPTIONS: WsmanServiceOptions = Object.freeze({
  maxHeaderBytes: 8 * 1024,
  maxBodyBytes: 64 * 1024,
  maxNonces: 32,
  nonceLifetimeMs: 5 * 60_000,
  chunkSize: 0x0508,
  maxEnumerations: 8,
  identifyWithoutAuth: true,
})
