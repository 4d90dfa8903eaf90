import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCpuProfiles, summarizeCpuProfiles } from './cpu-profile.js'

const dir = mkdtempSync(join(tmpdir(), 'ciralab-cpuprofile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 })

describe('gateway CPU profile summary', () => {
  it('adds self time per function over every profile, leaves idle out, busiest first', () => {
    // 1 s profiles of 100 hits each: 10 ms a hit.
    const profile = (hits: Record<string, number>) => ({
      startTime: 0,
      endTime: 1_000_000,
      nodes: [
        { id: 1, callFrame: frame('(idle)'), hitCount: hits['idle'] ?? 0 },
        { id: 2, callFrame: frame('decode', 'file:///work/main/dist/protocol/apf/stream-decoder.js', 41), hitCount: hits['decode'] ?? 0 },
        { id: 3, callFrame: frame('', 'file:///work/main/node_modules/pino/lib/tools.js', 9), hitCount: hits['anon'] ?? 0 },
        { id: 4, callFrame: frame('(garbage collector)'), hitCount: hits['gc'] ?? 0 },
      ],
    })
    mkdirSync(join(dir, 'round-1'))
    writeFileSync(join(dir, 'round-1', 'CPU.1.cpuprofile'), JSON.stringify(profile({ idle: 50, decode: 30, anon: 10, gc: 10 })))
    writeFileSync(join(dir, 'round-1', 'CPU.2.cpuprofile'), JSON.stringify(profile({ idle: 90, decode: 10 })))
    writeFileSync(join(dir, 'notes.txt'), 'not a profile')
    const files = findCpuProfiles(dir)
    expect(files.map((f) => f.slice(dir.length))).toEqual(['/round-1/CPU.1.cpuprofile', '/round-1/CPU.2.cpuprofile'])
    const table = summarizeCpuProfiles(files)
    expect(table?.title).toBe('Gateway CPU profile: self time by function (600 ms busy, 2 profile(s))')
    expect(table?.rows).toEqual([
      ['decode stream-decoder.js:42', 400, 66.7],
      ['(anonymous) pino/lib/tools.js:10', 100, 16.7],
      ['(garbage collector)', 100, 16.7],
    ])
    expect(summarizeCpuProfiles([])).toBeNull()
  })
})
