/**
 * The APF codec benchmark: stream decoding and encoding of CHANNEL_DATA (64 B, 4 KiB, 32 KiB)
 * and KEEPALIVE_REQUEST, fed as 64 KiB chunks that split messages wherever the 64 KiB
 * boundaries fall. One core, no sockets: this measures the codec alone.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ApfStreamDecoder, encodeApfMessage, encodeChannelDataHeader, MessageType as M, type ApfMessage } from '../protocol/apf/index.js'
import { describeMachine, type MachineInfo } from './machine.js'

export interface CodecCaseResult {
  readonly name: string
  readonly operation: 'decode' | 'encode' | 'frame-zero-copy'
  readonly messageBytes: number
  readonly messages: number
  readonly seconds: number
  readonly messagesPerSecond: number
  readonly megabytesPerSecond: number
}

export interface CodecBenchReport {
  readonly kind: 'codec'
  readonly startedAt: string
  readonly machine: MachineInfo
  readonly chunkBytes: number
  readonly results: CodecCaseResult[]
  readonly targets: { readonly channelData32kDecodeMBps: number; readonly smallMessagesDecodePerSecond: number }
}

const CHUNK = 64 * 1024
const STREAM_BYTES = 8 * 1024 * 1024

interface Workload {
  readonly name: string
  readonly message: ApfMessage
}

const WORKLOADS: readonly Workload[] = [
  { name: 'CHANNEL_DATA 64 B', message: { type: M.CHANNEL_DATA, recipientChannel: 4, data: Buffer.alloc(64, 0x61) } },
  { name: 'CHANNEL_DATA 4 KiB', message: { type: M.CHANNEL_DATA, recipientChannel: 4, data: Buffer.alloc(4096, 0x62) } },
  { name: 'CHANNEL_DATA 32 KiB', message: { type: M.CHANNEL_DATA, recipientChannel: 4, data: Buffer.alloc(32768, 0x63) } },
  { name: 'KEEPALIVE_REQUEST', message: { type: M.KEEPALIVE_REQUEST, cookie: 0x01020304 } },
]

/** The stream as a socket would deliver it: separate 64 KiB buffers. */
function chunkedStream(one: Buffer): { chunks: Buffer[]; messages: number; bytes: number } {
  const count = Math.max(1, Math.floor(STREAM_BYTES / one.length))
  const stream = Buffer.allocUnsafe(count * one.length)
  for (let i = 0; i < count; i++) one.copy(stream, i * one.length)
  const chunks: Buffer[] = []
  for (let off = 0; off < stream.length; off += CHUNK) chunks.push(Buffer.from(stream.subarray(off, off + CHUNK)))
  return { chunks, messages: count, bytes: stream.length }
}

function timeLoop(seconds: number, round: () => number): { rounds: number; units: number; elapsed: number } {
  // Warm up so the optimiser has seen the hot path before the clock starts.
  const warmUntil = performance.now() + Math.min(300, seconds * 200)
  while (performance.now() < warmUntil) round()
  let rounds = 0
  let units = 0
  const start = performance.now()
  const stop = start + seconds * 1000
  let now = start
  while (now < stop) {
    units += round()
    rounds++
    now = performance.now()
  }
  return { rounds, units, elapsed: (now - start) / 1000 }
}

function benchDecode(w: Workload, seconds: number): CodecCaseResult {
  const one = encodeApfMessage(w.message)
  const { chunks, messages, bytes } = chunkedStream(one)
  const t = timeLoop(seconds, () => {
    const decoder = new ApfStreamDecoder()
    let n = 0
    for (const chunk of chunks) {
      const r = decoder.push(chunk)
      if (r.error !== null) throw r.error
      n += r.messages.length
    }
    if (n !== messages) throw new Error(`decoded ${n} of ${messages} messages`)
    return n
  })
  return result(w.name, 'decode', one.length, t.units, t.elapsed, t.rounds * bytes)
}

function benchEncode(w: Workload, seconds: number): CodecCaseResult {
  const one = encodeApfMessage(w.message)
  const batch = Math.max(1, Math.floor(STREAM_BYTES / 8 / one.length))
  let sink = 0
  const t = timeLoop(seconds, () => {
    for (let i = 0; i < batch; i++) sink += encodeApfMessage(w.message).length
    return batch
  })
  if (sink === 0) throw new Error('encoder produced nothing')
  return result(w.name, 'encode', one.length, t.units, t.elapsed, t.units * one.length)
}

function benchEncodeHeader(w: Workload, seconds: number): CodecCaseResult | null {
  if (w.message.type !== M.CHANNEL_DATA) return null
  const length = w.message.data.length
  const batch = 100_000
  let sink = 0
  const t = timeLoop(seconds, () => {
    for (let i = 0; i < batch; i++) sink += encodeChannelDataHeader(4, length).length
    return batch
  })
  if (sink === 0) throw new Error('encoder produced nothing')
  return result(w.name, 'frame-zero-copy', 9 + length, t.units, t.elapsed, t.units * (9 + length))
}

function result(name: string, operation: CodecCaseResult['operation'], messageBytes: number, messages: number, seconds: number, bytes: number): CodecCaseResult {
  return {
    name,
    operation,
    messageBytes,
    messages,
    seconds,
    messagesPerSecond: messages / seconds,
    megabytesPerSecond: bytes / seconds / 1e6,
  }
}

export function runCodecBench(secondsPerCase: number, onCase: (r: CodecCaseResult) => void = () => {}): CodecBenchReport {
  const startedAt = new Date().toISOString()
  const results: CodecCaseResult[] = []
  for (const w of WORKLOADS) {
    for (const run of [benchDecode, benchEncode, benchEncodeHeader]) {
      const r = run(w, secondsPerCase)
      if (r === null) continue
      results.push(r)
      onCase(r)
    }
  }
  return {
    kind: 'codec',
    startedAt,
    machine: describeMachine(),
    chunkBytes: CHUNK,
    results,
    targets: { channelData32kDecodeMBps: 1000, smallMessagesDecodePerSecond: 2_000_000 },
  }
}

export function formatCodecRow(r: CodecCaseResult): string {
  const rate = r.messagesPerSecond >= 1e6 ? `${(r.messagesPerSecond / 1e6).toFixed(2)} M/s` : `${(r.messagesPerSecond / 1e3).toFixed(1)} k/s`
  return `${r.name.padEnd(22)}${r.operation.padEnd(15)}${rate.padStart(12)}${`${r.megabytesPerSecond.toFixed(0)} MB/s`.padStart(14)}`
}

export function formatCodecTable(report: CodecBenchReport): string {
  const lines = [`${'case'.padEnd(22)}${'operation'.padEnd(15)}${'messages'.padStart(12)}${'throughput'.padStart(14)}`, ...report.results.map(formatCodecRow)]
  const decode32k = report.results.find((r) => r.operation === 'decode' && r.name === 'CHANNEL_DATA 32 KiB')
  const decodeSmall = report.results.find((r) => r.operation === 'decode' && r.name === 'KEEPALIVE_REQUEST')
  lines.push('')
  if (decode32k) {
    const ok = decode32k.megabytesPerSecond >= report.targets.channelData32kDecodeMBps
    lines.push(`target: 32 KiB CHANNEL_DATA decode >= 1000 MB/s: ${decode32k.megabytesPerSecond.toFixed(0)} MB/s ${ok ? 'met' : 'MISSED'}`)
  }
  if (decodeSmall) {
    const ok = decodeSmall.messagesPerSecond >= report.targets.smallMessagesDecodePerSecond
    lines.push(`target: small message decode >= 2 M/s: ${(decodeSmall.messagesPerSecond / 1e6).toFixed(2)} M/s ${ok ? 'met' : 'MISSED'}`)
  }
  return `${lines.join('\n')}\n`
}

export function writeCodecReport(report: CodecBenchReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `codec-${report.startedAt.slice(0, 19).replace(/:/g, '-')}.json`)
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  return file
}
