/**
 * A private build of the whole tree for tests that start the reference gateway as a child
 * process: other test files rebuild dist/ while tests run, and a child must never load a
 * half-written dist/. The copy lives under .data/ (git ignores it) so Node still finds
 * node_modules by walking up.
 */

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repositoryRoot } from '../reference.js'

export interface PrivateBuild {
  /** Script that runs the ciralab CLI from this build. */
  readonly entry: string
  remove(): void
}

export function privateBuild(): PrivateBuild {
  const root = repositoryRoot()
  const out = join(root, '.data', 'conformance-build', `${process.pid}-${Date.now()}`)
  mkdirSync(out, { recursive: true })
  // Type errors elsewhere in the tree (someone mid-edit) still emit JavaScript; only a missing entry is fatal.
  spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'ignore' })
  if (!existsSync(join(out, 'cli', 'main.js'))) throw new Error(`the private build in ${out} has no cli/main.js`)
  const entry = join(out, 'run.mjs')
  writeFileSync(entry, "const { main } = await import('./cli/main.js')\nprocess.exitCode = await main(process.argv.slice(2), process.env)\n")
  return { entry, remove: () => rmSync(out, { recursive: true, force: true }) }
}
