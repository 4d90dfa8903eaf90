/**
 * Random and mutated APF for the robustness cases: messages from the codec arbitraries
 * (fast-check, seeded), mutations of their bytes (seeded), and a classification of what was
 * sent, made with the one codec under liberal limits so that "bad" means structurally not APF
 * rather than "over our own size limits".
 */

import fc from 'fast-check'
import { ApfStreamDecoder, encodeApfMessage, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { framedApfMessage } from '../codec/apf-arbitraries.js'

/** mulberry32: a small seeded generator for mutation choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type FuzzItem = { readonly kind: 'random'; readonly message: ApfMessage; readonly bytes: Buffer } | { readonly kind: 'mutated'; readonly how: string; readonly bytes: Buffer }

const BIG_LENGTHS = [0xffffffff, 0x7fffffff, 0x00100001, 0x0000ffff, 2049, 0]

/** One mutation of `bytes`; returns the new bytes and what was done. */
export function mutate(bytes: Buffer, rnd: () => number): { bytes: Buffer; how: string } {
  const pick = Math.floor(rnd() * 6)
  const at = bytes.length === 0 ? 0 : Math.floor(rnd() * bytes.length)
  const out = Buffer.from(bytes)
  switch (pick) {
    case 0: {
      if (out.length > 0) out[at] = (out[at] as number) ^ (1 << Math.floor(rnd() * 8))
      return { bytes: out, how: `bit flip at ${at}` }
    }
    case 1: {
      const value = BIG_LENGTHS[Math.floor(rnd() * BIG_LENGTHS.length)] as number
      const off = Math.min(at, Math.max(0, out.length - 4))
      if (out.length >= 4) out.writeUInt32BE(value, off)
      return { bytes: out, how: `u32 0x${value.toString(16)} at ${off}` }
    }
    case 2:
      return { bytes: out.subarray(0, at), how: `truncated to ${at}` }
    case 3: {
      const type = Math.floor(rnd() * 256)
      if (out.length > 0) out[0] = type
      return { bytes: out, how: `type byte ${type}` }
    }
    case 4: {
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 16) }, () => Math.floor(rnd() * 256)))
      return { bytes: Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]), how: `${junk.length} random bytes inserted at ${at}` }
    }
    default: {
      const from = Math.floor(rnd() * out.length)
      return { bytes: Buffer.concat([out, out.subarray(from)]), how: `tail from ${from} repeated` }
    }
  }
}

/**
 * `count` items for one session: well-formed random messages, and with `mutateOne` one of them
 * (at a random place) replaced by a mutation of itself. One mutation per session keeps most of
 * what a session sends reachable: a gateway stops reading at the first bytes that are not APF.
 */
export function fuzzItems(seed: number, count: number, mutateOne: boolean): FuzzItem[] {
  const messages = fc.sample(framedApfMessage, { seed, numRuns: count })
  const rnd = seededRandom(seed ^ 0x9e3779b9)
  const mutateAt = mutateOne ? Math.floor(rnd() * count) : -1
  return messages.map((message, i) => {
    const bytes = encodeApfMessage(message)
    if (i !== mutateAt) return { kind: 'random', message, bytes }
    const m = mutate(bytes, rnd)
    return { kind: 'mutated', how: `${describeType(message)}: ${m.how}`, bytes: m.bytes }
  })
}

function describeType(m: ApfMessage): string {
  return Object.entries(M).find(([, v]) => v === m.type)?.[0] ?? String(m.type)
}

export type StreamClass =
  /** Not APF: a gateway must end the session. */
  | 'bad'
  /** Whole, well-formed messages: the session must answer or end, never hang. */
  | 'valid'
  /** Ends inside a message the gateway may rightly wait for. */
  | 'incomplete'
  /** Holds a global request the codec cannot frame (payload runs to the end of the read). */
  | 'ambiguous'

const LIBERAL = { maxStringLength: 16 * 1024 * 1024, maxChannelDataLength: 16 * 1024 * 1024, maxBufferedBytes: 64 * 1024 * 1024, maxUdpDataLength: 16 * 1024 * 1024 }

/** What `stream` is, as the one codec reads it with limits far above any gateway's. */
export function classifyStream(stream: Buffer): { cls: StreamClass; detail: string } {
  const decoder = new ApfStreamDecoder(LIBERAL)
  const r = decoder.push(stream)
  const flushed = decoder.flush()
  const messages = [...r.messages, ...flushed.messages]
  if (messages.some((m) => m.type === M.GLOBAL_REQUEST && m.request.kind === 'other')) return { cls: 'ambiguous', detail: 'unknown global request' }
  if (r.error !== null) return { cls: 'bad', detail: `${r.error.code} at byte ${r.error.offset}` }
  if (decoder.bufferedBytes > 0) return { cls: 'incomplete', detail: `${decoder.bufferedBytes} bytes of an unfinished message` }
  return { cls: 'valid', detail: `${messages.length} messages` }
}
