import { describe, expect, it } from 'vitest'
import { ConnectGate } from '../device/connect-gate.js'
import { ConnectTimes } from './connect-times.js'
import { parseSourceIps } from './source-ips.js'

describe('source addresses', () => {
  it('expands ranges and lists', () => {
    expect(parseSourceIps('127.0.0.2-127.0.0.4,127.0.1.1')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.1.1'])
    expect(parseSourceIps('127.0.0.255-127.0.1.0')).toEqual(['127.0.0.255', '127.0.1.0'])
    expect(parseSourceIps('::1')).toEqual(['::1'])
  })

  it('says what is wrong', () => {
    expect(parseSourceIps('127.0.0.300')).toBe("'127.0.0.300' is not an IP address")
    expect(parseSourceIps('127.0.0.1,')).toBe("empty item in '127.0.0.1,'")
    expect(parseSourceIps('127.0.0.0-127.0.255.255')).toBe('more than 4096 addresses')
    expect(parseSourceIps('::1-::2')).toBe("'::1-::2' is not an IPv4 range like 127.0.0.2-127.0.0.9")
  })
})

describe('the connect gate', () => {
  it('lets `limit` through, queues the rest in order, and skips cancelled waiters', async () => {
    const gate = new ConnectGate(2)
    const granted: number[] = []
    const waiter = (n: number) => ({ granted: () => granted.push(n) })
    const w = [1, 2, 3, 4, 5].map(waiter)
    for (const x of w) gate.acquire(x)
    expect(granted).toEqual([1, 2])
    gate.cancel(w[2] as { granted: () => number })
    gate.release()
    await new Promise((r) => setImmediate(r))
    expect(granted).toEqual([1, 2, 4])
    gate.release()
    gate.release()
    await new Promise((r) => setImmediate(r))
    expect(granted).toEqual([1, 2, 4, 5])
    expect(gate.queued).toBe(0)
    expect(gate.inFlight).toBe(1)
  })
})

describe('connect times', () => {
  it('gives percentiles within 5% and merges across processes', () => {
    const a = new ConnectTimes()
    const b = new ConnectTimes()
    for (let i = 1; i <= 100; i++) (i % 2 === 0 ? a : b).record(i * 10)
    const merged = new ConnectTimes()
    merged.merge(a.toJSON())
    merged.merge(b.toJSON())
    const s = merged.summary()
    expect(s.count).toBe(100)
    expect(s.max).toBe(1000)
    expect(s.p50).toBeGreaterThanOrEqual(500)
    expect(s.p50).toBeLessThanOrEqual(525)
    expect(s.p99).toBeGreaterThanOrEqual(990)
    expect(new ConnectTimes().summary()).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 })
  })
})
