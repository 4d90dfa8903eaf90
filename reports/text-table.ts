/** Plain-text tables for the terminal and CI logs (gate violations, baseline regressions). */

export function formatTextTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`
}
