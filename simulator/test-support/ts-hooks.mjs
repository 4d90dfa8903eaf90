// Module hooks that let a child process run the TypeScript sources directly (tests fork fleet
// workers this way instead of needing a fresh dist/ build). Types are stripped with the oxc
// transformer that ships with vitest's toolchain; relative `.js` imports resolve to the `.ts`
// source beside them, as `module: NodeNext` writes them.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'rolldown/utils'

export async function resolve(specifier, context, next) {
  const parent = context.parentURL
  if (parent !== undefined && parent.endsWith('.ts') && specifier.endsWith('.js') && (specifier.startsWith('./') || specifier.startsWith('../'))) {
    const js = new URL(specifier, parent)
    if (!existsSync(fileURLToPath(js))) {
      const ts = new URL(`${js.href.slice(0, -3)}.ts`)
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, format: 'module', shortCircuit: true }
    }
  }
  return next(specifier, context)
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context)
  const path = fileURLToPath(url)
  const result = transformSync(path, await readFile(path, 'utf8'))
  if (result.errors.length > 0) throw new Error(`${path}: ${result.errors.map((e) => e.message).join('; ')}`)
  return { format: 'module', source: result.code, shortCircuit: true }
}
