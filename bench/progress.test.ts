import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { formatDuration, formatProgress, Progress, stopOnSignals } from './progress.js'

function sink(isTTY = false, columns?: number) {
  const writes: string[] = []
  return { writes, stream: { isTTY, ...(columns === undefined ? {} : { columns }), write: (t: string) => writes.push(t) } }
}

describe('progress formatting', () => {
  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(65), formatDuration(3723), formatDuration(-1)]).toEqual(['0:00', '1:05', '1:02:03', '?'])
  })

  it('shows a bar, percentage, rate and ETA when the total is known', () => {
    const line = formatProgress({ label: 'ramp', done: 250, total: 1000, elapsedMs: 10_000, unit: 'devices', detail: 'cpu 12%' }, 8)
    expect(line).toBe('ramp  [##------]   25%  250/1000 devices  25.0 devices/s  ETA 0:30  cpu 12%')
  })

  it('says done when the total is reached, and elapsed time when there is no total', () => {
    expect(formatProgress({ label: 'x', done: 10, total: 10, elapsedMs: 2000, unit: 's' }, 4)).toBe('x  [####]  100%  10/10 s  5.00 s/s  done in 0:02')
    expect(formatProgress({ label: 'soak', done: 1234, total: null, elapsedMs: 61_000, unit: 'messages' })).toBe('soak  1234 messages  20.2 messages/s  1:01 elapsed')
  })

  it('has no ETA before anything is done', () => {
    expect(formatProgress({ label: 'x', done: 0, total: 5, elapsedMs: 0, unit: 'steps' })).toMatch(/ETA \?$/)
  })
})

describe('progress output', () => {
  it('writes a line every interval when not on a terminal', () => {
    let now = 0
    const s = sink(false)
    const p = new Progress({ stream: s.stream, label: 'run', total: 100, unit: 'devices', now: () => now })
    p.update(1)
    now = 1000
    p.update(20)
    now = 5001
    p.update(50)
    now = 6000
    p.finish(100)
    expect(s.writes.length).toBe(3)
    expect(s.writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true)
    expect(s.writes[2]).toMatch(/100\/100 devices .*done in 0:06/)
    p.update(5)
    expect(s.writes.length).toBe(3)
  })

  it('redraws in place on a terminal, cut to the terminal width', () => {
    let now = 0
    const s = sink(true, 30)
    const p = new Progress({ stream: s.stream, label: 'ramp', total: 10, unit: 'devices', now: () => now })
    p.update(1)
    now = 250
    p.update(2)
    p.finish(10)
    expect(s.writes.length).toBe(3)
    for (const w of s.writes) {
      expect(w.startsWith('\r')).toBe(true)
      expect(w.replace(/^\r/, '').replace(/\x1b\[K\n?$/, '').length).toBeLessThan(30)
    }
    expect(s.writes[2]?.endsWith('\x1b[K\n')).toBe(true)
  })
})

describe('stop on signals', () => {
  it('aborts at the first signal, says so, then lets the next one through', () => {
    const source = new EventEmitter()
    const s = sink()
    const stop = stopOnSignals({ source, stderr: s.stream })
    expect(stop.signal.aborted).toBe(false)
    expect(source.listenerCount('SIGINT')).toBe(1)
    source.emit('SIGINT', 'SIGINT')
    expect(stop.signal.aborted).toBe(true)
    expect(stop.stoppedBy).toBe('SIGINT')
    expect(s.writes.join('')).toMatch(/SIGINT: stopping/)
    expect(source.listenerCount('SIGINT')).toBe(0)
    expect(source.listenerCount('SIGTERM')).toBe(0)
  })

  it('handles a real SIGINT sent to this process', async () => {
    const stop = stopOnSignals({ signals: ['SIGINT'] })
    try {
      const aborted = new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }))
      process.kill(process.pid, 'SIGINT')
      await aborted
      expect(stop.stoppedBy).toBe('SIGINT')
    } finally {
      stop.close()
    }
  })

  it('removes its listeners on close', () => {
    const source = new EventEmitter()
    stopOnSignals({ source }).close()
    expect(source.listenerCount('SIGINT') + source.listenerCount('SIGTERM')).toBe(0)
  })
})
