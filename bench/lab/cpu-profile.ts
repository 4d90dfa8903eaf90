/**
 * Where the gateway spent its CPU, from the V8 profiles `--profile` makes (`node --cpu-prof`):
 * self time per function, busiest first, as a report table. The .cpuprofile files themselves
 * open in Chrome DevTools for the full call tree.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { ReportTable } from '../../reports/model.js'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly hitCount?: number
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly endTime: number
  readonly samples?: readonly number[]
}

/** Every .cpuprofile under `dir` (one per gateway process). */
export function findCpuProfiles(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string, depth: number) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (name.endsWith('.cpuprofile')) out.push(path)
      else if (depth < 3 && statSync(path).isDirectory()) walk(path, depth + 1)
    }
  }
  try {
    walk(dir, 0)
  } catch {
    return out
  }
  return out.sort()
}

function frameName(node: ProfileNode): string {
  const f = node.callFrame
  const name = f.functionName === '' ? '(anonymous)' : f.functionName
  if (f.url === '') return name
  const file = f.url.includes('node_modules') ? f.url.slice(f.url.lastIndexOf('node_modules') + 13) : basename(f.url)
  return `${name} ${file}:${f.lineNumber + 1}`
}

/** Self time by function over all the profiles, the `top` busiest; null when there are none. */
export function summarizeCpuProfiles(files: readonly string[], top = 20): ReportTable | null {
  const selfMs = new Map<string, number>()
  let busyMs = 0
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0)
    if (hits === 0) continue
    const msPerHit = (profile.endTime - profile.startTime) / 1000 / hits
    for (const node of profile.nodes) {
      const name = frameName(node)
      // Idle is the event loop waiting: not CPU.
      if (name === '(idle)' || (node.hitCount ?? 0) === 0) continue
      const ms = (node.hitCount ?? 0) * msPerHit
      selfMs.set(name, (selfMs.get(name) ?? 0) + ms)
      busyMs += ms
    }
  }
  if (busyMs === 0) return null
  const rows = [...selfMs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => [name, Math.round(ms), Number(((ms / busyMs) * 100).toFixed(1))] as const)
  return { title: `Gateway CPU profile: self time by function (${Math.round(busyMs)} ms busy, ${files.length} profile(s))`, columns: ['function', 'self ms', '% of busy'], rows }
}
