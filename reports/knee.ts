/** Finding where a success-ratio curve stops holding up (the redirection limit's "knee"). */

import type { Knee, SeriesPoint } from './model.js'

/**
 * The last x whose ratio is at or above `threshold` before the first x below it, on points in
 * any order. Null when every point holds up (no knee within the measured range).
 */
export function findKnee(points: readonly SeriesPoint[], threshold = 0.99, unit = 'devices'): Knee | null {
  const sorted = [...points].sort((a, b) => a[0] - b[0])
  let lastGoodX = 0
  for (const [x, y] of sorted) {
    if (y >= threshold) {
      lastGoodX = x
      continue
    }
    return { lastGoodX, firstBadX: x, label: `below ${formatPercent(threshold)} between ${lastGoodX} and ${x} ${unit}` }
  }
  return null
}

function formatPercent(ratio: number): string {
  return `${Number((ratio * 100).toPrecision(3))} %`
}
