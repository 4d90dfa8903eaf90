/**
 * `npm test`'s conformance run: the quick subset of the suite against our reference gateway
 * (started as a child process from a private build), one test per case. A case may not get
 * worse than its known verdict in conformance/expect/reference.json; every FAIL listed there is
 * explained in conformance/README.md. `npm run conformance` runs every case.
 */

import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_CASES } from './cases/index.js'
import type { ExpectFile } from './expect.js'
import { verdictSeverity } from './model.js'
import { startReferenceGateway, type ReferenceGateway } from './reference.js'
import { writeRunReport } from './report/write.js'
import { runCase, type CaseRecord } from './runner.js'
import { selectCases } from './select.js'
import { privateBuild, type PrivateBuild } from './test-support/private-build.js'

const QUICK = selectCases(ALL_CASES, undefined, true)
const known = JSON.parse(readFileSync(new URL('./expect/reference.json', import.meta.url), 'utf8')) as ExpectFile
const records: CaseRecord[] = []
let build: PrivateBuild | null = null
let gateway: ReferenceGateway | null = null

beforeAll(async () => {
  build = privateBuild()
  gateway = await startReferenceGateway({ entry: build.entry })
}, 60_000)

afterAll(async () => {
  await gateway?.stop()
  build?.remove()
  if (gateway !== null && records.length > 0) {
    const run = { target: { name: gateway.target.name, origin: 'reference', description: gateway.target.description }, seed: 1, startedAt: new Date().toISOString(), durationMs: 0, interrupted: false, records }
    writeRunReport(run, 'reports/out/conformance/npm-test')
  }
}, 30_000)

describe('conformance: reference gateway, quick subset', () => {
  for (const c of QUICK) {
    it(`${c.id} ${c.title}`, async () => {
      if (gateway === null) throw new Error('the reference gateway did not start')
      const record = await runCase(gateway.target, c, { seed: 1, fuzzMessages: 1000 })
      records.push(record)
      const r = record.result
      const was = known.verdicts[c.id] ?? 'PASS'
      const detail = `${r.verdict}: expected ${r.expected ?? '-'}; actual ${r.actual ?? '-'}; observed ${r.observed ?? '-'}\nstderr: ${gateway.stderrTail().slice(-1500)}`
      expect(verdictSeverity(r.verdict), detail).toBeLessThanOrEqual(verdictSeverity(was))
      expect(gateway.alive(), 'the gateway process is still running').toBe(true)
    }, c.timeoutMs + 15_000)
  }
})
