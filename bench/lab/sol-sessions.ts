/**
 * Many SOL sessions held open at once through the gateway, each verifying the device's stream
 * (sequence and checksum per 64-byte record). A session whose socket closes before the bench
 * ends it is counted as lost: that is a transmission failure the vendor's figure says must not
 * happen.
 */

import { LatencyHistogram } from '../histogram.js'
import type { ResolvedTarget } from '../../conformance/target.js'
import { bump, errorKey, openSol, type OpenedSol } from './consoles.js'
import { mapLimited } from './wait.js'

export interface SolTotals {
  readonly opened: number
  readonly failedToOpen: number
  readonly lost: number
  readonly bytes: number
  readonly records: number
  readonly sequenceErrors: number
  readonly checksumErrors: number
  readonly formatErrors: number
  readonly openErrors: Readonly<Record<string, number>>
}

interface Held {
  readonly sol: OpenedSol
  lost: boolean
  ending: boolean
}

export class SolSessions {
  readonly openTimes = new LatencyHistogram()
  private readonly held: Held[] = []
  private readonly openErrors: Record<string, number> = {}
  private failed = 0

  /** Opens a session to each host, `concurrency` at a time; failures are counted, not thrown. */
  async open(target: ResolvedTarget, hostnames: readonly string[], deadlineMs: number, concurrency: number, signal?: AbortSignal): Promise<void> {
    await mapLimited(
      hostnames,
      concurrency,
      async (hostname) => {
        try {
          const sol = await openSol(target, hostname, deadlineMs)
          this.openTimes.record(sol.openMs * 1000)
          const held: Held = { sol, lost: false, ending: false }
          sol.client.connection.stream.once('close', () => {
            if (!held.ending) held.lost = true
          })
          this.held.push(held)
        } catch (error) {
          this.failed++
          bump(this.openErrors, errorKey(error))
        }
      },
      signal,
    )
  }

  get count(): number {
    return this.held.length
  }

  /** Bytes verified so far, all sessions. */
  bytes(): number {
    return this.held.reduce((n, h) => n + h.sol.client.streamStats.bytes, 0)
  }

  totals(): SolTotals {
    let bytes = 0
    let records = 0
    let sequenceErrors = 0
    let checksumErrors = 0
    let formatErrors = 0
    for (const h of this.held) {
      const s = h.sol.client.streamStats
      bytes += s.bytes
      records += s.records
      sequenceErrors += s.sequenceErrors
      checksumErrors += s.checksumErrors
      formatErrors += s.formatErrors
    }
    const lost = this.held.filter((h) => h.lost).length
    return { opened: this.held.length, failedToOpen: this.failed, lost, bytes, records, sequenceErrors, checksumErrors, formatErrors, openErrors: { ...this.openErrors } }
  }

  /** Ends every session (0x22 → 0x23), `concurrency` at a time. */
  async endAll(concurrency: number): Promise<void> {
    for (const h of this.held) h.ending = !h.lost
    await mapLimited(this.held, concurrency, (h) => h.sol.client.end().catch(() => undefined))
  }
}
