import { describe, expect, it } from 'vitest'
import { MAX_WINDOW, ReceiveWindow, SendWindow } from './flow.js'

describe('SendWindow', () => {
  it('never lets more than the credit go, and WINDOW_ADJUST adds credit', () => {
    const w = new SendWindow(499)
    expect(w.take(1000)).toBe(499)
    expect(w.available).toBe(0)
    expect(w.take(10)).toBe(0)
    expect(w.add(499)).toBe(true)
    expect(w.take(100)).toBe(100)
    expect(w.available).toBe(399)
  })

  it('refuses an adjust that would pass 2^32-1', () => {
    const w = new SendWindow(MAX_WINDOW - 5)
    expect(w.add(6)).toBe(false)
    expect(w.available).toBe(MAX_WINDOW - 5)
    expect(w.add(5)).toBe(true)
  })
})

describe('ReceiveWindow', () => {
  it('counts data against the window and flags a peer that overruns it', () => {
    const w = new ReceiveWindow(1000)
    expect(w.receive(600)).toBe(true)
    expect(w.remaining).toBe(400)
    expect(w.receive(401)).toBe(false)
    expect(w.outstanding).toBe(600)
  })

  it('returns credit in batches once half the window is drained (MPS policy)', () => {
    const w = new ReceiveWindow(81920)
    w.receive(30000)
    expect(w.consumed(30000)).toBe(0)
    w.receive(20000)
    expect(w.consumed(20000)).toBe(50000)
    expect(w.remaining).toBe(81920)
  })

  it('never deadlocks: a full window with a partial drain still returns credit', () => {
    const w = new ReceiveWindow(100, 80)
    w.receive(100)
    expect(w.consumed(30)).toBe(30)
    expect(w.remaining).toBe(30)
  })

  it('works with a tiny window seen on real firmware (499)', () => {
    const w = new ReceiveWindow(499)
    expect(w.threshold).toBe(249)
    w.receive(499)
    expect(w.consumed(499)).toBe(499)
  })
})
