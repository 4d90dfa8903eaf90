/**
 * Push chunks, get messages.
 *
 * The decoder keeps the chunks of an incomplete message as views and copies only when a
 * message spans chunks, and then only that message's bytes. A CHANNEL_DATA that lies inside one
 * chunk is delivered as a view of that chunk. Limits are checked before anything is buffered:
 * the decoder never holds more than `maxBufferedBytes` of an incomplete message. After an error
 * it stays failed: every later push returns APF_ERR_DECODER_FAILED with the first error as cause.
 */

import { ApfDecodeError, ErrorCode } from '../errors.js'
import { decodeApfMessage, type DecodedMessage } from './codec.js'
import { DEFAULT_APF_LIMITS, MessageType as M, type ApfLimits } from './constants.js'
import type { ApfMessage } from './messages.js'

export interface PushResult {
  /** Every message completed by this push, in order, including those before an error. */
  readonly messages: ApfMessage[]
  /** Set when the stream is not APF; the decoder is failed from now on. */
  readonly error: ApfDecodeError | null
}

/** After `flush()` delivered a short form, the optional tail that may still arrive. */
type Absorb = 'none' | 'trailer' | 'port'

export class ApfStreamDecoder {
  readonly limits: ApfLimits
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** Smallest total length the pending message needs; 0 when nothing is pending. */
  private needed = 0
  /** The complete short form of the pending bytes, when one more byte could extend it. */
  private ambiguous: DecodedMessage | null = null
  private absorb: Absorb = 'none'
  private absorbLeft = 0
  private failure: ApfDecodeError | null = null
  /** Stream offset of the first pending byte (or of the next byte when nothing is pending). */
  private position = 0

  constructor(limits: Partial<ApfLimits> = {}) {
    this.limits = Object.freeze({ ...DEFAULT_APF_LIMITS, ...limits })
  }

  /** Bytes held for an incomplete message. */
  get bufferedBytes(): number {
    return this.pendingBytes
  }

  /** Bytes decoded into messages so far. */
  get bytesConsumed(): number {
    return this.position
  }

  get failed(): ApfDecodeError | null {
    return this.failure
  }

  /** True when the held bytes already form a complete message that one more byte could extend. */
  get hasAmbiguousTail(): boolean {
    return this.ambiguous !== null
  }

  push(chunk: Buffer): PushResult {
    if (this.failure !== null) return { messages: [], error: this.failedAgain() }
    const out: ApfMessage[] = []
    let input = chunk
    if (this.absorb !== 'none') input = this.absorbTail(input)
    if (input.length === 0) return { messages: out, error: null }
    if (this.pendingBytes === 0) return this.decodeFrom(input, out)
    this.pending.push(input)
    this.pendingBytes += input.length
    return this.resumePending(out)
  }

  /**
   * Deliver a complete message the decoder held back because one more byte could have extended
   * it. Call when the peer has gone quiet or the transport ended. An optional tail that arrives
   * later is then recognised and dropped.
   */
  flush(): PushResult {
    if (this.failure !== null) return { messages: [], error: this.failedAgain() }
    const held = this.ambiguous
    if (held === null) return { messages: [], error: null }
    this.clearPending()
    this.position += held.length
    this.absorb = held.message.type === M.USERAUTH_FAILURE ? 'trailer' : 'port'
    this.absorbLeft = held.message.type === M.USERAUTH_FAILURE ? 1 : 4
    return { messages: [held.message], error: null }
  }

  private decodeFrom(buf: Buffer, out: ApfMessage[]): PushResult {
    let off = 0
    const end = buf.length
    while (off < end) {
      const result = decodeApfMessage(buf, off, end, this.limits)
      if (result.kind === 'message') {
        out.push(result.message)
        off += result.length
        this.position += result.length
        continue
      }
      if (result.kind === 'error') return this.fail(result.error.shifted(this.position), out)
      if (result.needed > this.limits.maxBufferedBytes) return this.fail(this.overLimit(result.needed), out)
      this.pending.push(off === 0 ? buf : buf.subarray(off))
      this.pendingBytes = end - off
      this.needed = result.needed
      this.ambiguous = result.complete
      break
    }
    return { messages: out, error: null }
  }

  /** Pending bytes grew: decode the held message once enough bytes are here. */
  private resumePending(out: ApfMessage[]): PushResult {
    while (this.pendingBytes >= this.needed) {
      const head = this.coalesceFront(this.needed)
      const result = decodeApfMessage(head, 0, head.length, this.limits)
      if (result.kind === 'error') return this.fail(result.error.shifted(this.position), out)
      if (result.kind === 'need-more') {
        if (result.needed > this.limits.maxBufferedBytes) return this.fail(this.overLimit(result.needed), out)
        this.needed = result.needed
        this.ambiguous = result.complete
        continue
      }
      // Every byte after the message lies in the newest chunk: before this push fewer than
      // `needed` bytes were held, and a message is never shorter than needed - 1.
      const rest = this.takeAfter(result.length)
      let message = result.message
      let consumed = result.length
      if (message.type === M.GLOBAL_REQUEST && message.request.kind === 'other') {
        // An unframed payload runs to the end of what arrived with it (see OtherGlobalRequest).
        const payload = Buffer.concat([message.request.payload, rest])
        message = { ...message, request: { ...message.request, payload } }
        consumed += rest.length
        out.push(message)
        this.position += consumed
        return { messages: out, error: null }
      }
      out.push(message)
      this.position += consumed
      return rest.length === 0 ? { messages: out, error: null } : this.decodeFrom(rest, out)
    }
    return { messages: out, error: null }
  }

  /** Make the first `length` pending bytes one contiguous buffer (copying only if they span chunks). */
  private coalesceFront(length: number): Buffer {
    const first = this.pending[0] as Buffer
    if (first.length >= length) return first.subarray(0, length)
    const head = Buffer.allocUnsafe(length)
    let copied = 0
    let index = 0
    while (copied < length) {
      const part = this.pending[index] as Buffer
      const take = Math.min(part.length, length - copied)
      part.copy(head, copied, 0, take)
      copied += take
      if (take < part.length) {
        this.pending[index] = part.subarray(take)
        break
      }
      index++
    }
    this.pending.splice(0, index, head)
    return head
  }

  /** Drop the first `length` pending bytes and return the remainder as one view. */
  private takeAfter(length: number): Buffer {
    let skip = length
    let rest: Buffer = EMPTY
    for (const part of this.pending) {
      if (skip >= part.length) {
        skip -= part.length
        continue
      }
      rest = rest.length === 0 ? part.subarray(skip) : Buffer.concat([rest, part.subarray(skip)])
      skip = 0
    }
    this.clearPending()
    return rest
  }

  private absorbTail(input: Buffer): Buffer {
    let skip = 0
    while (this.absorbLeft > 0 && skip < input.length) {
      // Only zero bytes open the optional tail; anything else is the next message.
      if (this.absorb === 'trailer' || this.absorbLeft === 4) {
        if (input[skip] !== 0) {
          this.absorbLeft = 0
          break
        }
      }
      skip++
      this.absorbLeft--
    }
    if (this.absorbLeft === 0) this.absorb = 'none'
    this.position += skip
    return skip === 0 ? input : input.subarray(skip)
  }

  private clearPending(): void {
    this.pending = []
    this.pendingBytes = 0
    this.needed = 0
    this.ambiguous = null
  }

  private overLimit(needed: number): ApfDecodeError {
    return new ApfDecodeError(
      ErrorCode.APF_ERR_BUFFER_LIMIT,
      `message needs ${needed} bytes, over the buffer limit of ${this.limits.maxBufferedBytes}`,
      { offset: this.position },
    )
  }

  private fail(error: ApfDecodeError, out: ApfMessage[]): PushResult {
    this.failure = error
    this.clearPending()
    return { messages: out, error }
  }

  private failedAgain(): ApfDecodeError {
    const first = this.failure as ApfDecodeError
    return new ApfDecodeError(ErrorCode.APF_ERR_DECODER_FAILED, `decoder already failed: ${first.message}`, {
      offset: first.offset,
      messageType: first.messageType,
      disconnectReason: first.disconnectReason,
      cause: first,
    })
  }
}

const EMPTY = Buffer.alloc(0)
