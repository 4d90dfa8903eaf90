import { describe, expect, it } from 'vitest'
import type { HopRequest } from './hop-frame.js'
import { HopGuard } from './hop-guard.js'

const NOW = 1_800_000_000_000
const request = (nonce: number, sentAtMs = NOW): HopRequest => ({ uuid: 'u', port: 16992, originAddress: '127.0.0.1', originPort: 1, sentAtMs, nonce: nonce.toString(16).padStart(32, '0') })

describe('hop guard', () => {
  it('accepts a sealed, fresh frame once, and refuses it again as replayed', () => {
    const guard = new HopGuard({ requireSeal: true, windowMs: 30_000, maxNonces: 100 })
    expect(guard.check(request(1), true, NOW)).toBe('ok')
    expect(guard.check(request(1), true, NOW + 5)).toBe('replayed')
    expect(guard.check(request(2), true, NOW + 5)).toBe('ok')
  })

  it('refuses a seal that does not verify, and frames outside the clock window either way', () => {
    const guard = new HopGuard({ requireSeal: true, windowMs: 30_000, maxNonces: 100 })
    expect(guard.check(request(1), false, NOW)).toBe('forged')
    expect(guard.check(request(2, NOW - 30_001), true, NOW)).toBe('stale')
    expect(guard.check(request(3, NOW + 30_001), true, NOW)).toBe('stale')
    expect(guard.check(request(4, NOW - 30_000), true, NOW)).toBe('ok')
    expect(guard.remembered).toBe(1)
  })

  it('forgets a nonce only once its frame would be stale anyway', () => {
    const guard = new HopGuard({ requireSeal: true, windowMs: 30_000, maxNonces: 100 })
    // Sent "in the future" by a clock 30 s ahead: still acceptable until NOW + 60 s.
    expect(guard.check(request(1, NOW + 30_000), true, NOW)).toBe('ok')
    expect(guard.check(request(1, NOW + 30_000), true, NOW + 59_999)).toBe('replayed')
    expect(guard.check(request(2), true, NOW + 60_001)).toBe('stale')
    expect(guard.check(request(3, NOW + 60_001), true, NOW + 60_001)).toBe('ok')
    expect(guard.remembered).toBe(1)
  })

  it('holds at most maxNonces, dropping the oldest', () => {
    const guard = new HopGuard({ requireSeal: true, windowMs: 30_000, maxNonces: 3 })
    for (let i = 1; i <= 5; i++) expect(guard.check(request(i), true, NOW)).toBe('ok')
    expect(guard.remembered).toBe(3)
    expect(guard.check(request(5), true, NOW)).toBe('replayed')
  })

  it('without a cluster secret accepts everything (safety.ts keeps that to loopback)', () => {
    const guard = new HopGuard({ requireSeal: false, windowMs: 30_000, maxNonces: 3 })
    expect(guard.check(request(1, 0), false, NOW)).toBe('ok')
    expect(guard.check(request(1, 0), false, NOW)).toBe('ok')
  })
})
