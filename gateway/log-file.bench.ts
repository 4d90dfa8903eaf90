/**
 * What the rotating log file costs the gateway: 20,000 pino lines of a device-connected size
 * (~230 bytes) per operation, written through RotatingLogFile (rotating every 4 MiB, so each
 * operation rotates about once), against pino's own asynchronous file destination (sonic-boom,
 * no rotation) and against a sink that drops the bytes (the cost of pino alone). Each case also
 * prints the time per line spent inside logger calls (what the event loop waits for: the file
 * writes themselves run on the thread pool) and the process CPU time per line, flush included.
 *
 *   npx vitest bench --run gateway/log-file.bench.ts
 *
 * Not part of `npm test`. lines/s = 20,000 × hz.
 */

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { performance } from 'node:perf_hooks'
import { destination, pino, stdTimeFunctions, type Logger } from 'pino'
import { afterAll, bench, describe } from 'vitest'
import { RotatingLogFile } from './log-file.js'

const LINES = 20_000
const dir = mkdtempSync(join(tmpdir(), 'ciralab-logbench-'))
const options = { base: { pid: process.pid }, timestamp: stdTimeFunctions.isoTime }
const fields = { event: 'device-connected', deviceId: '4c4c4544-004b-4210-8033-b6c04f504633', connId: 1, remote: '203.0.113.7:51234', triggerReason: 4, transport: 'tls' }

const rotating = new RotatingLogFile({ path: join(dir, 'mps.log'), maxBytes: 4 * 1024 * 1024, keep: 2 })
const boom = destination({ dest: join(dir, 'boom.log'), sync: false })
const cases: { name: string; logger: Logger; flush: () => Promise<void> }[] = [
  { name: 'RotatingLogFile (4 MiB rotation)', logger: pino(options, rotating), flush: () => rotating.flush() },
  { name: 'pino.destination async (no rotation)', logger: pino(options, boom), flush: () => new Promise((resolve) => boom.flush(() => resolve())) },
  { name: 'pino into a sink (no file)', logger: pino(options, new Writable({ write: (_c, _e, cb) => cb() })), flush: () => Promise.resolve() },
]

const report = new Map<string, string>()

afterAll(async () => {
  await rotating.close()
  boom.flushSync()
  boom.end()
  rmSync(dir, { recursive: true, force: true })
  process.stderr.write(`\n${[...report.values()].join('\n')}\n(rotations: ${rotating.rotations}, dropped: ${rotating.dropped})\n`)
})

describe('gateway log output, 20,000 lines per operation', () => {
  for (const c of cases) {
    let cpu = 0
    let inCalls = 0
    let runs = 0
    bench(
      c.name,
      async () => {
        const start = process.cpuUsage()
        const t0 = performance.now()
        for (let i = 0; i < LINES; i++) c.logger.info(fields, 'device connected')
        inCalls += performance.now() - t0
        await c.flush()
        const used = process.cpuUsage(start)
        cpu += used.user + used.system
        runs++
      },
      {
        time: 3000,
        teardown: () => {
          const perLine = (us: number) => (us / runs / LINES).toFixed(2)
          report.set(c.name, `${c.name}: ${perLine(inCalls * 1000)} µs per line inside logger calls, ${perLine(cpu)} µs CPU per line`)
        },
      },
    )
  }
})
