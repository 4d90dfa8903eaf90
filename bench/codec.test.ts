import { describe, expect, it } from 'vitest'
import { formatCodecTable, type CodecBenchReport } from './codec.js'

describe('codec bench report', () => {
  const base = { messages: 1, seconds: 1, messageBytes: 1 }
  const report: CodecBenchReport = {
    kind: 'codec',
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { hostname: 'h', platform: 'p', cpuModel: 'c', cpuCount: 2, memoryBytes: 1, nodeVersion: 'v20', gitCommit: null },
    chunkBytes: 65536,
    targets: { channelData32kDecodeMBps: 1000, smallMessagesDecodePerSecond: 2_000_000 },
    results: [
      { ...base, name: 'CHANNEL_DATA 32 KiB', operation: 'decode', messagesPerSecond: 30_000, megabytesPerSecond: 983.3 },
      { ...base, name: 'KEEPALIVE_REQUEST', operation: 'decode', messagesPerSecond: 2_500_000, megabytesPerSecond: 12.5 },
    ],
  }

  it('marks each target met or missed', () => {
    const table = formatCodecTable(report)
    expect(table).toContain('32 KiB CHANNEL_DATA decode >= 1000 MB/s: 983 MB/s MISSED')
    expect(table).toContain('small message decode >= 2 M/s: 2.50 M/s met')
    expect(table).toMatch(/KEEPALIVE_REQUEST\s+decode\s+2\.50 M\/s\s+13 MB\/s/)
  })
})
