/**
 * The simulated host BIOS booting from the console's virtual CD over IDE-R, as a pure state
 * machine: TEST_UNIT_READY (repeated after the 06/28/00 unit attention every console reports
 * first), READ_CAPACITY, then READ_10 sequentially over the whole image, one command at a time
 * as a BIOS does, hashing what it reads. At the end the SHA-256 and size are compared with the
 * image the console published, so integrity is checked end to end.
 */

import { createHash, type Hash } from 'node:crypto'
import {
  CD_BLOCK_SIZE,
  decodeReadCapacityData,
  encodeRead10Cdb,
  encodeReadCapacityCdb,
  encodeTestUnitReadyCdb,
  IderAttribute,
  senseEquals,
  SenseCode,
  senseOf,
  type IderDataToHost,
  type IderRegisterMessage,
} from '../../../protocol/redirection/index.js'

export interface ExpectedImage {
  readonly size: number
  readonly sha256: string
}

export type BootPhase = 'idle' | 'test-unit-ready' | 'read-capacity' | 'reading' | 'done'

/** How a boot ended: the image matched, did not match, could not be checked (nothing published), or failed. */
export type BootOutcome =
  | { readonly kind: 'verified'; readonly size: number; readonly sha256: string }
  | { readonly kind: 'mismatch'; readonly size: number; readonly sha256: string; readonly reason: string }
  | { readonly kind: 'unverified'; readonly size: number; readonly sha256: string }
  | { readonly kind: 'failed'; readonly reason: string }

export interface BootStep {
  /** The next CDB to issue, or null. */
  readonly command: Buffer | null
  /** Payload bytes accepted by this step (for counters). */
  readonly bytesRead: number
  readonly outcome: BootOutcome | null
}

export interface IderBootOptions {
  readonly expected: ExpectedImage | null
  /** Blocks per READ_10: 32 × 2 KiB = 64 KiB, the console splits it by its read buffer. */
  readonly blocksPerRead?: number
  /** Unit attentions tolerated before giving up. */
  readonly maxUnitAttentions?: number
}

export class IderBoot {
  private phase: BootPhase = 'idle'
  private readonly expected: ExpectedImage | null
  private readonly blocksPerRead: number
  private readonly maxUnitAttentions: number
  private unitAttentions = 0
  private hash: Hash | null = null
  private totalBlocks = 0
  private nextLba = 0
  /** Bytes the outstanding READ_10 asked for, and bytes received for it so far. */
  private requested = 0
  private received = 0
  private bytesTotal = 0

  constructor(options: IderBootOptions) {
    this.expected = options.expected
    this.blocksPerRead = options.blocksPerRead ?? 32
    this.maxUnitAttentions = options.maxUnitAttentions ?? 4
  }

  get currentPhase(): BootPhase {
    return this.phase
  }

  get busy(): boolean {
    return this.phase !== 'idle' && this.phase !== 'done'
  }

  /** Power-on: the BIOS probes the CD. */
  start(): Buffer {
    this.phase = 'test-unit-ready'
    this.unitAttentions = 0
    return encodeTestUnitReadyCdb()
  }

  /** A console reply to the outstanding command (0x51, or a 0x54 chunk). */
  onResponse(m: IderRegisterMessage | IderDataToHost): BootStep {
    switch (this.phase) {
      case 'test-unit-ready':
        return this.onTestUnitReady(m)
      case 'read-capacity':
        return this.onReadCapacity(m)
      case 'reading':
        return this.onRead(m)
      default:
        // Nothing outstanding: a stray reply is ignored, as a BIOS ignores a spurious interrupt.
        return { command: null, bytesRead: 0, outcome: null }
    }
  }

  private onTestUnitReady(m: IderRegisterMessage | IderDataToHost): BootStep {
    const sense = senseOf(m)
    if (senseEquals(sense, SenseCode.NONE)) {
      this.phase = 'read-capacity'
      return { command: encodeReadCapacityCdb(), bytesRead: 0, outcome: null }
    }
    if (senseEquals(sense, SenseCode.UNIT_ATTENTION) && this.unitAttentions < this.maxUnitAttentions) {
      this.unitAttentions++
      return { command: encodeTestUnitReadyCdb(), bytesRead: 0, outcome: null }
    }
    return this.fail(`TEST_UNIT_READY: sense ${sense.key}/${sense.asc}/${sense.ascq}`)
  }

  private onReadCapacity(m: IderRegisterMessage | IderDataToHost): BootStep {
    if (m.type !== 'IDER_DATA_TO_HOST') {
      const sense = senseOf(m)
      return this.fail(`READ_CAPACITY: no data (sense ${sense.key}/${sense.asc}/${sense.ascq})`)
    }
    const capacity = decodeReadCapacityData(m.data)
    if (capacity === null || capacity.blockSize !== CD_BLOCK_SIZE) return this.fail(`READ_CAPACITY: unusable reply of ${m.data.length} bytes`)
    this.totalBlocks = capacity.lastLba + 1
    this.hash = createHash('sha256')
    this.nextLba = 0
    this.bytesTotal = 0
    return this.nextRead(0)
  }

  private onRead(m: IderRegisterMessage | IderDataToHost): BootStep {
    if (m.type !== 'IDER_DATA_TO_HOST') {
      const sense = senseOf(m)
      return this.fail(`READ_10 at LBA ${this.nextLba}: sense ${sense.key}/${sense.asc}/${sense.ascq}`)
    }
    if (this.received + m.data.length > this.requested) {
      return this.fail(`READ_10 at LBA ${this.nextLba}: ${this.received + m.data.length} bytes for a ${this.requested}-byte read`)
    }
    this.hash?.update(m.data)
    this.received += m.data.length
    this.bytesTotal += m.data.length
    if ((m.attributes & IderAttribute.COMPLETED) === 0) return { command: null, bytesRead: m.data.length, outcome: null }
    if (this.received !== this.requested) {
      return this.fail(`READ_10 at LBA ${this.nextLba}: completed after ${this.received} of ${this.requested} bytes`)
    }
    this.nextLba += this.requested / CD_BLOCK_SIZE
    return this.nextRead(m.data.length)
  }

  private nextRead(bytesRead: number): BootStep {
    const blocks = Math.min(this.blocksPerRead, this.totalBlocks - this.nextLba)
    if (blocks <= 0) return { command: null, bytesRead, outcome: this.finish() }
    this.phase = 'reading'
    this.requested = blocks * CD_BLOCK_SIZE
    this.received = 0
    return { command: encodeRead10Cdb(this.nextLba, blocks), bytesRead, outcome: null }
  }

  private finish(): BootOutcome {
    this.phase = 'done'
    const sha256 = (this.hash ?? createHash('sha256')).digest('hex')
    this.hash = null
    const size = this.bytesTotal
    if (this.expected === null) return { kind: 'unverified', size, sha256 }
    if (this.expected.size !== size) return { kind: 'mismatch', size, sha256, reason: `read ${size} bytes, the console published ${this.expected.size}` }
    if (this.expected.sha256.toLowerCase() !== sha256) return { kind: 'mismatch', size, sha256, reason: 'SHA-256 differs from the published one' }
    return { kind: 'verified', size, sha256 }
  }

  private fail(reason: string): BootStep {
    this.phase = 'done'
    this.hash = null
    return { command: null, bytesRead: 0, outcome: { kind: 'failed', reason } }
  }
}
