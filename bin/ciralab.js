#!/usr/bin/env node
// The `ciralab` command: a thin shim over the compiled CLI in dist/ (built by `npm ci` through
// the `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('ciralab: dist/ is missing; run `npm run build` (or `npm ci`) first\n')
  process.exit(1)
}
const { main } = await import(entry.href)
process.exitCode = await main(process.argv.slice(2), process.env)
