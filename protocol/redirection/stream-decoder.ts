/**
 * Push chunks, pull messages, one at a time, in the phase the session says.
 *
 * The phase can change between two messages of one chunk (a 0x41 KVM reply is followed by RFB
 * bytes in the same segment; a 0x14 success by the first SOL message), so the decoder does not
 * decode ahead: `push()` only queues, and `next()` decodes one message with the current phase.
 * The session handles each message and sets `phase` before asking for the next. In the `rfb`
 * phase `next()` hands over the queued bytes as they are.
 *
 * Bounds: a message is never longer than its length caps allow (checked from its header before
 * anything is buffered for it), and the caller pulls after each push and pauses its input while
 * `bufferedBytes` is high. After an error the decoder stays failed.
 */

import { ErrorCode } from '../errors.js'
import { ByteQueue, decodeFromQueue } from './byte-queue.js'
import { decodeRedirectionMessage } from './codec.js'
import { DEFAULT_REDIRECTION_LIMITS, type RedirectionLimits, type RedirectionPhase } from './constants.js'
import { RedirectionDecodeError } from './errors.js'
import type { RedirectionMessage } from './messages.js'

export type StreamStep =
  | { readonly kind: 'message'; readonly message: RedirectionMessage; readonly length: number }
  | { readonly kind: 'raw'; readonly data: Buffer }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'error'; readonly error: RedirectionDecodeError }

const NEED_MORE: StreamStep = Object.freeze({ kind: 'need-more' })

export interface StreamDecoderOptions {
  readonly phase?: RedirectionPhase
  readonly limits?: Partial<RedirectionLimits>
}

export class RedirectionStreamDecoder {
  readonly limits: RedirectionLimits
  /** The message set the next bytes belong to; the session sets it between messages. */
  phase: RedirectionPhase
  private readonly queue = new ByteQueue()
  private consumed = 0
  private failure: RedirectionDecodeError | null = null

  constructor(options: StreamDecoderOptions = {}) {
    this.limits = Object.freeze({ ...DEFAULT_REDIRECTION_LIMITS, ...options.limits })
    this.phase = options.phase ?? 'session'
  }

  /** Bytes received and not yet delivered. */
  get bufferedBytes(): number {
    return this.queue.length
  }

  /** Bytes delivered as messages or raw data so far (the stream offset of the next message). */
  get bytesConsumed(): number {
    return this.consumed
  }

  get failed(): RedirectionDecodeError | null {
    return this.failure
  }

  push(chunk: Buffer): void {
    if (this.failure === null) this.queue.push(chunk)
  }

  next(): StreamStep {
    if (this.failure !== null) return { kind: 'error', error: this.failedAgain() }
    if (this.phase === 'rfb') {
      const data = this.queue.shift()
      if (data === null) return NEED_MORE
      this.consumed += data.length
      return { kind: 'raw', data }
    }
    const phase = this.phase
    const result = decodeFromQueue(this.queue, (buf, offset, end) => decodeRedirectionMessage(buf, phase, offset, end, this.limits))
    if (result.kind === 'need-more') return NEED_MORE
    if (result.kind === 'error') {
      this.failure = result.error.shifted(this.consumed)
      this.queue.clear()
      return { kind: 'error', error: this.failure }
    }
    this.consumed += result.length
    return result
  }

  private failedAgain(): RedirectionDecodeError {
    const first = this.failure as RedirectionDecodeError
    return new RedirectionDecodeError(ErrorCode.REDIR_ERR_DECODER_FAILED, `decoder already failed: ${first.message}`, {
      offset: first.offset,
      command: first.command,
      phase: first.phase,
      cause: first,
    })
  }
}
