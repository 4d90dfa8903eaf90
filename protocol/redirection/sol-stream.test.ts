/*
 * The SOL verification stream (sol-stream.ts): record layout by hand and the generator's byte
 * count. Checksums computed outside this code (FNV-1a 32 in Python over bytes [0..53], record 1
 * seeded with record 0's checksum): 2f641794, 4382badd.
 */

import { describe, expect, it } from 'vitest'
import { SOL_STREAM_RECORD_LENGTH, SolStreamGenerator } from './sol-stream.js'

describe('SolStreamGenerator', () => {
  it('starts with record 0: "S00000000 " then filler from A, a checksum and CRLF', () => {
    const g = new SolStreamGenerator()
    const record = g.read(SOL_STREAM_RECORD_LENGTH).toString('latin1')
    expect(record.slice(0, 10)).toBe('S00000000 ')
    expect(record.slice(10, 53)).toBe('ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQ')
    expect(record[53]).toBe(' ')
    expect(record.slice(54, 62)).toBe('2f641794')
    expect(record.slice(62)).toBe('\r\n')
  })

  it('counts the bytes it produced across reads of any size', () => {
    const g = new SolStreamGenerator()
    expect(g.bytesProduced).toBe(0)
    g.read(10)
    const rest = g.read(100)
    expect(g.bytesProduced).toBe(110)
    // Byte 64 of the stream (index 54 of the second read) starts record 1.
    expect(rest.subarray(54, 64).toString('latin1')).toBe('S00000001 ')
    // Record 1's checksum sits at stream bytes 118..125: index 8 of a read starting at 110.
    expect(g.read(64).subarray(8, 16).toString('latin1')).toBe('4382badd')
  })
})
