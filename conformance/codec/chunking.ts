/**
 * Chunkings of a byte stream for the "same messages whatever the chunking" properties: where a
 * stream is cut, and the cut itself. One copy for every codec's properties.
 */

import fc from 'fast-check'

/** Cut points for a buffer of `length` bytes: sorted, unique, strictly inside; at most `max` of them. */
export function splitPoints(length: number, max = 32): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant([])
  return fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), { maxLength: Math.min(max, length - 1) }).map((p) => [...p].sort((a, b) => a - b))
}

/** `bytes` cut at sorted `points`: views, no copies; an empty chunk where two points meet. */
export function splitAt(bytes: Buffer, points: readonly number[]): Buffer[] {
  const chunks: Buffer[] = []
  let at = 0
  for (const p of points) {
    chunks.push(bytes.subarray(at, p))
    at = p
  }
  chunks.push(bytes.subarray(at))
  return chunks
}
