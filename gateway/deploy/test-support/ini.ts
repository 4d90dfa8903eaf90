/**
 * Reading and rewriting the deploy files' `key = value` formats for tests: systemd units
 * (`Key=Value`, `#` comments) and stunnel.conf (`key = value`, `;` comments). Keys may repeat;
 * options before the first `[section]` are under ''.
 */

export interface IniSyntax {
  readonly separator: '='
  readonly comment: '#' | ';'
}

export function parseIni(text: string, syntax: IniSyntax): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>([['', new Map()]])
  let current = sections.get('') as Map<string, string[]>
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith(syntax.comment)) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) {
      current = new Map()
      sections.set(header[1] as string, current)
      continue
    }
    const at = line.indexOf(syntax.separator)
    if (at <= 0) throw new Error(`not a key${syntax.separator}value line: '${line}'`)
    const key = line.slice(0, at).trim()
    current.set(key, [...(current.get(key) ?? []), line.slice(at + 1).trim()])
  }
  return sections
}

/**
 * stunnel.conf with some options replaced (`null` removes them), everything else as written:
 * `set` maps `section.key` (global options: `.key`) to the new value.
 */
export function rewriteStunnelConf(text: string, set: Readonly<Record<string, string | null>>): string {
  let section = ''
  const out: string[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) section = header[1] as string
    const at = line.startsWith(';') ? -1 : line.indexOf('=')
    const id = at > 0 ? `${section}.${line.slice(0, at).trim()}` : null
    if (id === null || !(id in set)) out.push(raw)
    else if (set[id] !== null) out.push(`${line.slice(0, at).trim()} = ${set[id] ?? ''}`)
  }
  return out.join('\n')
}
