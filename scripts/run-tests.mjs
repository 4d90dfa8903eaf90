#!/usr/bin/env node
// `npm test`: vitest over every folder, then one plain summary line `N passed, N failed`
// (CI reads it). Extra arguments go to vitest, e.g. `npm test -- gateway/`.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'

const results = 'reports/out/test-results.json'
rmSync(results, { force: true })
const vitest = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { stdio: 'inherit' })
let passed = 0
let failed = 0
if (existsSync(results)) {
  const r = JSON.parse(readFileSync(results, 'utf8'))
  passed = r.numPassedTests ?? 0
  failed = r.numFailedTests ?? 0
  // A file that failed to load has no tests to count; count it as one failure.
  for (const file of r.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).every((a) => a.status !== 'failed')) failed += 1
  }
} else {
  failed = 1
}
if (vitest.status !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(vitest.status ?? 1)
