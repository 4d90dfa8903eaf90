import { mkdtempSync, renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ChildProgram } from './child-process.js'
import { LogGrowth, parseStatCpuTicks, parseStatusRssBytes, ProcessGoneError, ProcSampler, readClockTicks, readProcSnapshot, summarizeSamples, toTimeSeries, type ProcSample } from './proc-sampler.js'

const cleanups: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-proc-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/**
 * A child that opens 12 files, touches 80 MB, appends 200 KB to a log and burns CPU until it has
 * used 0.9 s of it, then says `done` and idles until stopped.
 */
function busyChild(logFile: string): ChildProgram {
  const code = `
    const fs = require('node:fs');
    console.log(JSON.stringify({ event: 'ready' }));
    setTimeout(() => {
      const fds = []; for (let i = 0; i < 12; i++) fds.push(fs.openSync(process.execPath, 'r'));
      const big = Buffer.alloc(80 * 1024 * 1024, 1);
      for (let i = 0; i < 200; i++) fs.appendFileSync(${JSON.stringify(logFile)}, 'x'.repeat(1023) + '\\n');
      // Bounded in CPU time, not wall time, so a busy machine slows the test but never fails it.
      let n = 0; while (process.cpuUsage().user < 900000) for (let i = 0; i < 1e5; i++) n += Math.sqrt(n + 1);
      console.log(JSON.stringify({ event: 'done', n, held: big.length + fds.length }));
      setInterval(() => big[0]++, 1000);
    }, 400);`
  const child = ChildProgram.start({ command: process.execPath, args: ['-e', code], label: 'busy-child' })
  cleanups.push(() => child.stop(1000))
  return child
}

describe('/proc sampling of a real child', () => {
  it('sees CPU, memory, descriptors and log bytes grow while the child works', async () => {
    const dir = tempDir()
    const logFile = join(dir, 'gateway.log')
    writeFileSync(logFile, 'written before sampling started\n')
    const child = busyChild(logFile)
    await child.waitForJson((m) => m['event'] === 'ready', 10_000)
    const seen: ProcSample[] = []
    const sampler = new ProcSampler({ pid: child.pid, intervalMs: 100, logPath: logFile, onSample: (s) => seen.push(s) })
    sampler.start()
    await child.waitForJson((m) => m['event'] === 'done', 20_000)
    await new Promise((r) => setTimeout(r, 250))
    const summary = await sampler.stop()

    expect(sampler.clockTicks).toBe(readClockTicks())
    expect(summary.samples).toBeGreaterThanOrEqual(5)
    expect(seen.length).toBe(summary.samples)
    // The child used at least 0.9 s of CPU before 'done' (minus start-up, before sampling began);
    // the peak is kept loose because the machine is shared.
    expect(summary.cpuSeconds).toBeGreaterThan(0.5)
    expect(summary.cpuPercentMax).toBeGreaterThan(10)
    expect(summary.rssMaxBytes - summary.rssStartBytes).toBeGreaterThan(60e6)
    expect(summary.fdsMax - summary.fdsStart).toBeGreaterThanOrEqual(12)
    expect(summary.logBytesWritten).toBe(200 * 1024)
    expect(summary.exited).toBe(false)

    const series = toTimeSeries(sampler.samples, sampler.clockTicks)
    expect(series.map((s) => `${s.name} ${s.unit}`)).toEqual(['cpu %', 'rss MB', 'fds count', 'log-bytes KB'])
    expect(series[1]?.points.length).toBe(summary.samples)
  })

  it('notices when the process exits and stops sampling', async () => {
    const child = ChildProgram.start({ command: process.execPath, args: ['-e', 'console.log(\'{"event":"ready"}\'); setTimeout(() => {}, 300)'] })
    cleanups.push(() => child.stop(1000))
    await child.waitForJson((m) => m['event'] === 'ready', 10_000)
    const sampler = new ProcSampler({ pid: child.pid, intervalMs: 50 })
    sampler.start()
    await child.exited
    const summary = await sampler.stop()
    expect(summary.exited).toBe(true)
    expect(sampler.exited).toBe(true)
    await expect(readProcSnapshot(child.pid)).rejects.toBeInstanceOf(ProcessGoneError)
  })
})

describe('bounded sample list', () => {
  it('halves the list when it reaches maxSamples, keeping the first sample', async () => {
    let taken = 0
    let firstSeen: ProcSample | undefined
    let reached: () => void = () => {}
    const enough = new Promise<void>((resolve) => (reached = resolve))
    const sampler = new ProcSampler({
      pid: process.pid,
      intervalMs: 5,
      maxSamples: 8,
      onSample: (sample) => {
        if (++taken === 1) firstSeen = sample
        if (taken === 20) reached()
      },
    })
    sampler.start()
    await enough
    const summary = await sampler.stop()
    expect(taken).toBeGreaterThanOrEqual(21)
    expect(summary.samples).toBeLessThan(8)
    expect(sampler.samples[0]).toBe(firstSeen)
    const times = sampler.samples.map((x) => x.atMs)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
  })
})

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name holds spaces and parentheses', () => {
    const line = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 0 0 20 0 11 0 9999 1000000 2000 18446744073709551615'
    expect(parseStatCpuTicks(line)).toEqual({ cpuTicks: 175, state: 'S' })
  })

  it('reads VmRSS in bytes, 0 when absent', () => {
    expect(parseStatusRssBytes('Name:\tnode\nVmRSS:\t   51200 kB\nThreads:\t7\n')).toBe(51200 * 1024)
    expect(parseStatusRssBytes('Name:\tzombie\nState:\tZ (zombie)\n')).toBe(0)
  })

  it('samples itself', async () => {
    const s = await readProcSnapshot(process.pid)
    expect(s.rssBytes).toBeGreaterThan(1e6)
    expect(s.fds).toBeGreaterThan(2)
  })
})

describe('log growth', () => {
  it('counts appended bytes across a rename rotation and new files, not what was there before', async () => {
    const dir = tempDir()
    const log = join(dir, 'mps.log')
    writeFileSync(log, 'a'.repeat(500))
    const growth = new LogGrowth(log)
    expect(await growth.read()).toBe(0)
    appendFileSync(log, 'b'.repeat(100))
    expect(await growth.read()).toBe(100)
    renameSync(log, `${log}.1`)
    appendFileSync(`${log}.1`, 'c'.repeat(10))
    writeFileSync(log, 'd'.repeat(40))
    expect(await growth.read()).toBe(150)
  })

  it('watches every file of a folder', async () => {
    const dir = tempDir()
    const growth = new LogGrowth(dir)
    expect(await growth.read()).toBe(0)
    writeFileSync(join(dir, 'one.log'), 'x'.repeat(7))
    writeFileSync(join(dir, 'two.log'), 'y'.repeat(5))
    expect(await growth.read()).toBe(12)
  })
})

describe('summary', () => {
  const s = (t: number, ticks: number, rssMb: number, fds = 10): ProcSample => ({ atMs: 1_000_000 + t * 1000, cpuTicks: ticks, rssBytes: rssMb * 1e6, fds, logBytes: null })

  it('derives mean and peak CPU, RSS growth after warm-up, and fd extremes', () => {
    const samples = [s(0, 0, 20), s(1, 10, 30, 12), s(2, 110, 40, 15), s(3, 120, 42, 11), s(4, 130, 45, 11)]
    const sum = summarizeSamples(samples, 100, 2)
    expect(sum.durationSeconds).toBe(4)
    expect(sum.cpuSeconds).toBe(1.3)
    expect(sum.cpuPercentMean).toBeCloseTo(32.5)
    expect(sum.cpuPercentMax).toBeCloseTo(100)
    expect(sum.rssGrowthAfterWarmUpBytes).toBe(5e6)
    expect([sum.rssStartBytes, sum.rssEndBytes, sum.rssMaxBytes]).toEqual([20e6, 45e6, 45e6])
    expect([sum.fdsStart, sum.fdsEnd, sum.fdsMax]).toEqual([10, 11, 15])
    expect(sum.logBytesWritten).toBeNull()
  })

  it('is all zeros without samples', () => {
    expect(summarizeSamples([], 100).samples).toBe(0)
  })
})
