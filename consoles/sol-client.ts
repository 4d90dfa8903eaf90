/**
 * A Serial-over-LAN console (redirection-wsman.md §2.4) on an open redirection session: 0x20
 * with MeshCommander's parameters, 0x27 after the reply as MeshCommander sends it, keystrokes
 * as 0x28, host output from 0x2A into a bounded transcript, the power bit from 0x29, its own
 * 0x2B heartbeat, and 0x22 → 0x23 to end.
 *
 * For a device in SOL `stream` mode the output goes through a SolStreamVerifier instead, which
 * checks sequence and checksum continuously in constant memory; `streamStats` has the counts
 * and the rate.
 */

import { ErrorCode } from '../protocol/errors.js'
import {
  RedirectionSessionError,
  SOL_UNNAMED_27_PAYLOAD,
  SolStatus,
  SolStreamVerifier,
  type RedirectionMessage,
  type SolParameters,
  type SolStreamStats,
} from '../protocol/redirection/index.js'
import { expectMessage, type RedirectionConnection, type RedirectionSession } from './redirection-session.js'

/** MeshCommander's and ui-toolkit's 0x20 values. */
export const MESHCOMMANDER_SOL_PARAMETERS: SolParameters = Object.freeze({
  maxTxBuffer: 10000,
  txBufferTimeout: 100,
  txOverflowTimeout: 0,
  hostSessionRxTimeout: 10000,
  hostFifoRxFlushTimeout: 100,
  heartbeatInterval: 0,
})

export interface SolClientOptions {
  readonly parameters?: Partial<SolParameters>
  /** Send the console heartbeat 0x2B this often (MeshCommander: 2000 ms); 0 = never (default). */
  readonly heartbeatIntervalMs?: number
  /** Verify host output as the SOL stream format instead of keeping a transcript. */
  readonly verifyStream?: boolean
  /** Host output kept for `readUntil` (oldest dropped first), default 64 KiB. */
  readonly maxTranscript?: number
}

export interface SolStreamReport extends SolStreamStats {
  readonly bytesPerSecond: number
  readonly elapsedMs: number
}

interface OutputWaiter {
  readonly check: () => boolean
  readonly resolve: () => void
  readonly reject: (error: Error) => void
  readonly timer: NodeJS.Timeout
}

export class SolClient {
  readonly connection: RedirectionConnection
  /** Host power as the last 0x29 said; null until one arrives. */
  powerOn: boolean | null = null
  bytesReceived = 0
  private transcriptText = ''
  private readonly maxTranscript: number
  private readonly verifier: SolStreamVerifier | null
  private seq = 1
  private firstByteAt = 0
  private lastByteAt = 0
  private ended = false
  private failure: Error | null = null
  private readonly waiters = new Set<OutputWaiter>()
  private heartbeat: NodeJS.Timeout | null = null
  private readonly pumping: Promise<void>

  private constructor(connection: RedirectionConnection, options: SolClientOptions) {
    this.connection = connection
    this.maxTranscript = options.maxTranscript ?? 64 * 1024
    this.verifier = options.verifyStream === true ? new SolStreamVerifier() : null
    const interval = options.heartbeatIntervalMs ?? 0
    if (interval > 0) {
      this.heartbeat = setInterval(() => {
        this.send({ type: 'SOL_HEARTBEAT', seq: 0 }).catch(() => undefined)
      }, interval)
    }
    this.pumping = this.pump()
  }

  /** Send 0x20 (and 0x27), wait for a successful 0x21, then start reading host output. */
  static async start(session: RedirectionSession, options: SolClientOptions = {}): Promise<SolClient> {
    const connection = session.connection
    const parameters = { ...MESHCOMMANDER_SOL_PARAMETERS, ...options.parameters }
    await connection.send({ type: 'START_SOL', seq: 1, ...parameters })
    const reply = await expectMessage(connection, 'START_SOL_REPLY')
    if (reply.status !== 0) {
      connection.close()
      throw new RedirectionSessionError(ErrorCode.REDIR_ERR_START_REFUSED, `the device refused SOL with status ${reply.status}`, { status: reply.status })
    }
    await connection.send({ type: 'SOL_UNNAMED_27', seq: 2, payload: SOL_UNNAMED_27_PAYLOAD })
    const client = new SolClient(connection, options)
    client.seq = 3
    return client
  }

  /** Host output so far (latin1), at most `maxTranscript` characters. */
  get transcript(): string {
    return this.transcriptText
  }

  get streamStats(): SolStreamReport {
    const stats = this.verifier?.stats ?? { bytes: this.bytesReceived, records: 0, sequenceErrors: 0, checksumErrors: 0, formatErrors: 0 }
    const elapsedMs = this.lastByteAt - this.firstByteAt
    return { ...stats, elapsedMs, bytesPerSecond: elapsedMs > 0 ? (stats.bytes * 1000) / elapsedMs : 0 }
  }

  /** Keystrokes to the host, in 0x28 messages of at most 1000 bytes (waits for drain). */
  async sendKeys(keys: string | Buffer): Promise<void> {
    const bytes = typeof keys === 'string' ? Buffer.from(keys, 'latin1') : keys
    for (let at = 0; at < bytes.length; at += 1000) {
      await this.send({ type: 'SOL_DATA_TO_HOST', seq: 0, data: bytes.subarray(at, at + 1000) })
    }
  }

  /** Resolve with the transcript once it matches `pattern`. */
  readUntil(pattern: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const matches = (): boolean => (typeof pattern === 'string' ? this.transcriptText.includes(pattern) : pattern.test(this.transcriptText))
    return this.waitFor(matches, timeoutMs, `host output matching ${String(pattern)}`).then(() => this.transcriptText)
  }

  /** Resolve once `bytes` bytes of host output arrived. */
  waitForBytes(bytes: number, timeoutMs = 30_000): Promise<SolStreamReport> {
    return this.waitFor(() => this.bytesReceived >= bytes, timeoutMs, `${bytes} bytes of host output`).then(() => this.streamStats)
  }

  /** 0x22, wait for 0x23 (or the device closing), then close. */
  async end(): Promise<void> {
    if (!this.ended && this.failure === null) {
      await this.send({ type: 'END_SOL', seq: 0 })
      await this.waitFor(() => this.ended, 10_000, 'END_SOL_REPLY').catch(() => undefined)
    }
    this.close()
    await this.pumping
  }

  close(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat)
    this.heartbeat = null
    this.connection.close()
  }

  private send(m: Extract<RedirectionMessage, { seq: number }>): Promise<void> {
    return this.connection.send({ ...m, seq: this.seq++ >>> 0 })
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const m = await this.connection.next(2 ** 31 - 1)
        this.onMessage(m)
      }
    } catch (error) {
      this.failure = error as Error
      if (this.heartbeat !== null) clearInterval(this.heartbeat)
      this.heartbeat = null
      for (const waiter of this.waiters) this.settle(waiter)
    }
  }

  private onMessage(m: RedirectionMessage): void {
    switch (m.type) {
      case 'SOL_DATA_FROM_HOST':
        this.output(m.data)
        return
      case 'SOL_CONTROLS_FROM_HOST':
        this.powerOn = (m.status & SolStatus.SYSTEM_POWER_STATE) !== 0
        this.wake()
        return
      case 'SOL_KEEPALIVE_PING':
        this.send({ type: 'SOL_KEEPALIVE_PONG', seq: 0 }).catch(() => undefined)
        return
      case 'END_SOL_REPLY':
        this.ended = true
        this.wake()
        return
      default: // heartbeats, pongs: nothing to do
    }
  }

  private output(data: Buffer): void {
    const now = Date.now()
    if (this.bytesReceived === 0) this.firstByteAt = now
    this.lastByteAt = now
    this.bytesReceived += data.length
    if (this.verifier !== null) this.verifier.push(data)
    else {
      this.transcriptText += data.toString('latin1')
      if (this.transcriptText.length > this.maxTranscript) this.transcriptText = this.transcriptText.slice(-this.maxTranscript)
    }
    this.wake()
  }

  private waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (check()) return resolve()
      if (this.failure !== null) return reject(this.failure)
      const limit = Math.min(this.connection.deadline, Date.now() + timeoutMs)
      const waiter: OutputWaiter = {
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter)
          reject(new RedirectionSessionError(ErrorCode.REDIR_ERR_TIMEOUT, `timed out waiting for ${what}`))
        }, Math.max(0, limit - Date.now())),
      }
      this.waiters.add(waiter)
    })
  }

  private wake(): void {
    for (const waiter of this.waiters) if (waiter.check()) this.settle(waiter)
  }

  private settle(waiter: OutputWaiter): void {
    clearTimeout(waiter.timer)
    this.waiters.delete(waiter)
    if (waiter.check()) waiter.resolve()
    else waiter.reject(this.failure ?? new RedirectionSessionError(ErrorCode.REDIR_ERR_CLOSED, 'SOL session ended'))
  }
}
