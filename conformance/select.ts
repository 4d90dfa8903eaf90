/**
 * `--cases GLOB`: choose cases by id. `*` matches within one id segment, `**` across segments,
 * `?` one character; a pattern without wildcards also selects everything under it
 * (`apf/keepalive` is `apf/keepalive` and `apf/keepalive/**`). Commas separate patterns.
 */

import { UsageError } from '../protocol/errors.js'
import type { ConformanceCase } from './model.js'

export function globToRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*'
        i++
      } else {
        re += '[^/]*'
      }
    } else if (ch === '?') {
      re += '[^/]'
    } else {
      re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    }
  }
  const hasWildcard = /[*?]/.test(pattern)
  return new RegExp(hasWildcard ? `^${re}$` : `^${re}(/.*)?$`)
}

export function selectCases(all: readonly ConformanceCase[], globs: string | undefined, fastOnly = false): ConformanceCase[] {
  let chosen = fastOnly ? all.filter((c) => c.fast) : [...all]
  if (globs === undefined || globs.trim() === '') return chosen
  const patterns = globs
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
  const regexps = patterns.map(globToRegExp)
  chosen = chosen.filter((c) => regexps.some((re) => re.test(c.id)))
  if (chosen.length === 0) throw new UsageError(`--cases '${globs}' selects no case (see 'ciralab conformance --list')`)
  return chosen
}
