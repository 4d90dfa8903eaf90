/**
 * Received chunks, held as views until a decoder takes them. Bytes are copied only when a
 * message spans chunks, and then only that message's bytes (`front`). Used by the redirection
 * stream decoder and by the RFB readers on both sides of a KVM session.
 */

const EMPTY = Buffer.alloc(0)

export class ByteQueue {
  private chunks: Buffer[] = []
  private total = 0

  get length(): number {
    return this.total
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.total += chunk.length
  }

  /** The first chunk (a view), or an empty buffer. */
  first(): Buffer {
    return this.chunks[0] ?? EMPTY
  }

  /** The first `n` bytes (n ≤ length) as one contiguous view, copying only when they span chunks. */
  front(n: number): Buffer {
    const first = this.first()
    if (first.length >= n) return first
    if (n > this.total) throw new RangeError(`front(${n}) with only ${this.total} bytes queued`)
    const joined = Buffer.allocUnsafe(n)
    let copied = 0
    let index = 0
    while (copied < n) {
      const part = this.chunks[index] as Buffer
      const take = Math.min(part.length, n - copied)
      part.copy(joined, copied, 0, take)
      copied += take
      if (take < part.length) {
        this.chunks[index] = part.subarray(take)
        break
      }
      index++
    }
    this.chunks.splice(0, index, joined)
    return joined
  }

  /** Drop the first `n` bytes (n ≤ length). */
  skip(n: number): void {
    let left = n
    this.total -= n
    while (left > 0) {
      const part = this.chunks[0] as Buffer
      if (part.length > left) {
        this.chunks[0] = part.subarray(left)
        return
      }
      left -= part.length
      this.chunks.shift()
    }
  }

  /** Remove and return the first chunk whole (raw pass-through), or null when empty. */
  shift(): Buffer | null {
    const part = this.chunks.shift()
    if (part === undefined) return null
    this.total -= part.length
    return part
  }

  clear(): void {
    this.chunks = []
    this.total = 0
  }
}

/** The three decode outcomes every codec in this folder returns. */
export type QueueDecodeResult<M, E> =
  | { readonly kind: 'message'; readonly message: M; readonly length: number }
  | { readonly kind: 'need-more'; readonly needed: number }
  | { readonly kind: 'error'; readonly error: E }

/**
 * Decode one message from the front of `queue`, consuming it on success. Decoding runs on the
 * first chunk as is; only when the message needs more bytes than that chunk has (and they are
 * queued) are exactly those bytes joined. "need more" leaves the queue untouched.
 */
export function decodeFromQueue<M, E>(
  queue: ByteQueue,
  decode: (buf: Buffer, offset: number, end: number) => QueueDecodeResult<M, E>,
): QueueDecodeResult<M, E> {
  let head = queue.first()
  for (;;) {
    const result = decode(head, 0, head.length)
    if (result.kind === 'message') {
      queue.skip(result.length)
      return result
    }
    if (result.kind === 'error' || result.needed > queue.length) return result
    head = queue.front(result.needed)
  }
}
