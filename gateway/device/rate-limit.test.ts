import { describe, expect, it } from 'vitest'
import { FailureRateLimiter } from './rate-limit.js'

describe('auth failure rate limiter', () => {
  it('blocks an address after the limit within the window, and frees it after', () => {
    const l = new FailureRateLimiter(3, 1000)
    expect(l.recordFailure('10.0.0.1', 0)).toBe(false)
    expect(l.recordFailure('10.0.0.1', 100)).toBe(false)
    expect(l.isBlocked('10.0.0.1', 200)).toBe(false)
    expect(l.recordFailure('10.0.0.1', 300)).toBe(true)
    expect(l.isBlocked('10.0.0.1', 999)).toBe(true)
    expect(l.isBlocked('10.0.0.2', 999)).toBe(false)
    expect(l.isBlocked('10.0.0.1', 1000)).toBe(false)
    expect(l.recordFailure('10.0.0.1', 1001)).toBe(false)
  })

  it('stays bounded: the oldest address goes first, and prune drops expired windows', () => {
    const l = new FailureRateLimiter(1, 1000, 3)
    for (let i = 0; i < 5; i++) l.recordFailure(`10.0.0.${i}`, i)
    expect(l.size).toBe(3)
    expect(l.isBlocked('10.0.0.0', 10)).toBe(false)
    expect(l.isBlocked('10.0.0.4', 10)).toBe(true)
    l.prune(2000)
    expect(l.size).toBe(0)
  })
})
