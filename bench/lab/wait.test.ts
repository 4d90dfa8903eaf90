import { describe, expect, it } from 'vitest'
import { mapLimited, sleep, waitUntil } from './wait.js'

describe('scenario waits', () => {
  it('runs at most N at once, keeps results in order, and takes nothing new once stopped', async () => {
    let running = 0
    let most = 0
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++
      most = Math.max(most, running)
      await sleep(n * 5)
      running--
      return n * 10
    })
    expect(results).toEqual([50, 10, 40, 20, 30])
    expect(most).toBe(2)
    const controller = new AbortController()
    const seen: number[] = []
    const partial = await mapLimited([1, 2, 3, 4], 1, async (n) => {
      seen.push(n)
      if (n === 2) controller.abort()
      return n
    }, controller.signal)
    expect(seen).toEqual([1, 2])
    expect(partial).toEqual([1, 2, undefined, undefined])
  })

  it('waitUntil says whether the condition was met, timed out or the run was stopped', async () => {
    let n = 0
    expect(await waitUntil(() => ++n >= 3, 5000, undefined, 1)).toBe('met')
    expect(await waitUntil(() => false, 30, undefined, 5)).toBe('timeout')
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 20)
    const started = performance.now()
    expect(await waitUntil(() => false, 10_000, controller.signal, 5)).toBe('stopped')
    expect(performance.now() - started).toBeLessThan(5000)
  })

  it('sleep ends early when the run is stopped', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 10)
    const started = performance.now()
    await sleep(10_000, controller.signal)
    expect(performance.now() - started).toBeLessThan(5000)
  })
})
