/**
 * The Digest nonces one device has handed out. Nonces are per device, not per channel: MPS
 * closes the channel after a 401 (Connection: close) and retries on a new one with the same
 * nonce and an incremented nc (redirection-wsman.md §4.2), so a nonce must outlive its channel.
 *
 * Bounded: at most `maxNonces` live nonces (the oldest is forgotten first) and each expires
 * `lifetimeMs` after it was issued. No timers: expiry is checked against the clock on use.
 */

import { randomBytes } from 'node:crypto'
import { formatServerNonce, SERVER_NONCE_RANDOM_BYTES } from '../../../protocol/digest/index.js'

export type NonceStatus = 'valid' | 'expired' | 'unknown'

export class NonceStore {
  private readonly issued = new Map<string, number>()

  constructor(
    private readonly maxNonces: number,
    private readonly lifetimeMs: number,
  ) {}

  get size(): number {
    return this.issued.size
  }

  issue(now: number): string {
    const nonce = formatServerNonce(randomBytes(SERVER_NONCE_RANDOM_BYTES))
    this.issued.set(nonce, now)
    while (this.issued.size > this.maxNonces) {
      const oldest = this.issued.keys().next().value
      if (oldest === undefined) break
      this.issued.delete(oldest)
    }
    return nonce
  }

  check(nonce: string, now: number): NonceStatus {
    const issuedAt = this.issued.get(nonce)
    if (issuedAt === undefined) return 'unknown'
    if (now - issuedAt > this.lifetimeMs) {
      this.issued.delete(nonce)
      return 'expired'
    }
    return 'valid'
  }
}
