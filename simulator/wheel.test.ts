import { describe, expect, it } from 'vitest'
import { TimerWheel } from './wheel.js'

/** A wheel on a clock the test moves; `advance` lets the real timer run the due ticks. */
function manual(tickMs = 10, slots = 16) {
  let now = 0
  const wheel = new TimerWheel({ tickMs, slots, now: () => now })
  return {
    wheel,
    async advance(ms: number) {
      now += ms
      await new Promise((r) => setTimeout(r, tickMs * 2 + 5))
    },
  }
}

describe('the timer wheel', () => {
  it('fires entries in due order, never early, including ones many turns away', async () => {
    const { wheel, advance } = manual()
    const fired: string[] = []
    wheel.schedule(25, (x) => fired.push(x), 'a')
    wheel.schedule(5, (x) => fired.push(x), 'b')
    wheel.schedule(1000, (x) => fired.push(x), 'far') // 100 ticks, 6 turns of 16 slots
    await advance(10)
    expect(fired).toEqual(['b'])
    await advance(10)
    expect(fired).toEqual(['b'])
    await advance(10)
    expect(fired).toEqual(['b', 'a'])
    await advance(960)
    expect(fired).toEqual(['b', 'a'])
    await advance(20)
    expect(fired).toEqual(['b', 'a', 'far'])
    expect(wheel.size).toBe(0)
    wheel.close()
  })

  it('cancels and reschedules; a callback may cancel another entry due in the same tick', async () => {
    const { wheel, advance } = manual()
    const fired: string[] = []
    const entries: { a?: ReturnType<typeof wheel.schedule<string>>; b?: ReturnType<typeof wheel.schedule<string>> } = {}
    // Whichever runs first cancels the other: exactly one of them fires.
    entries.a = wheel.schedule(10, (x) => {
      fired.push(x)
      if (entries.b !== undefined) wheel.cancel(entries.b)
    }, 'a')
    entries.b = wheel.schedule(10, (x) => {
      fired.push(x)
      if (entries.a !== undefined) wheel.cancel(entries.a)
    }, 'b')
    const c = wheel.schedule(10, (x) => fired.push(x), 'c')
    wheel.cancel(c)
    await advance(10)
    expect(fired).toHaveLength(1)
    wheel.reschedule(c, 40)
    await advance(30)
    expect(fired).toHaveLength(1)
    await advance(10)
    expect(fired.at(-1)).toBe('c')
    wheel.close()
  })

  it('keeps running when a callback throws, and reports the error', async () => {
    const errors: unknown[] = []
    let now = 0
    const wheel = new TimerWheel({ tickMs: 5, now: () => now, onError: (e) => errors.push(e) })
    const fired: number[] = []
    wheel.schedule(5, () => {
      throw new Error('boom')
    }, 0)
    wheel.schedule(5, (x) => fired.push(x), 1)
    now = 10
    await new Promise((r) => setTimeout(r, 30))
    expect(fired).toEqual([1])
    expect(errors).toHaveLength(1)
    wheel.close()
  })

  it('holds no Node timer while empty or closed', () => {
    const wheel = new TimerWheel({ tickMs: 5 })
    const e = wheel.schedule(1000, () => undefined, 0)
    wheel.cancel(e)
    expect(wheel.size).toBe(0)
    wheel.schedule(10, () => undefined, 0)
    wheel.close()
    expect(wheel.size).toBe(0)
  })
})
