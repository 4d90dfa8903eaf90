/**
 * Inline SVG charts for the HTML report: line charts (time series, curves against devices with
 * the knee marked), latency histograms on a log axis with percentile markers, and grouped bars.
 * Pure string building, no scripts, no fonts or styles fetched from anywhere.
 *
 * Every chart is `<svg role="img" aria-labelledby=...>` with a `<title>` and `<desc>`, axes as
 * `<g class="axis axis-x|axis-y">` with one `<g class="tick">` per tick, one
 * `<path class="series">` (or `<g class="series">` of bars) per series, and a `<g class="legend">`.
 */

import type { SeriesPoint } from './model.js'

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'] as const

const WIDTH = 720
const HEIGHT = 300
const MARGIN = { left: 70, right: 20, top: 56, bottom: 50 } as const
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom
/** Points drawn per series at most; longer series keep each bucket's min and max (spikes stay). */
const MAX_DRAWN_POINTS = 1200

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** Compact tick label: 1500 → '1.5k', 0.25 → '0.25', 2e6 → '2M'. */
export function formatTick(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e9) return `${trim(value / 1e9)}G`
  if (abs >= 1e6) return `${trim(value / 1e6)}M`
  if (abs >= 1e4) return `${trim(value / 1e3)}k`
  return trim(value)
}

function trim(n: number): string {
  return String(Number(n.toPrecision(4)))
}

interface Scale {
  readonly toPx: (v: number) => number
  readonly ticks: readonly number[]
}

/** Round tick values (1, 2, 5 × 10^n) from at or below `min` to at or above `max`. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min]
  const rough = (max - min) / count
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const residual = rough / magnitude
  const step = (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude
  const ticks: number[] = []
  const last = Math.ceil(max / step - 1e-9) * step
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** Math.min/max over a list without spreading it (a 48 h series overflows the call stack). */
export function extent(values: Iterable<number>): { readonly min: number; readonly max: number } {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (!Number.isFinite(v)) continue
    if (v < min) min = v
    if (v > max) max = v
  }
  return { min, max }
}

/** Linear domain over the ticks that cover the values and 0 (or `fixedMin`). */
function linearScale(values: readonly number[], from: number, to: number, fixedMin?: number): Scale {
  const e = extent(values)
  const min = fixedMin ?? Math.min(0, e.min)
  let max = Math.max(e.max, min)
  if (!Number.isFinite(max) || max === min) max = min + (min === 0 ? 1 : Math.abs(min))
  const ticks = niceTicks(min, max)
  const lo = ticks[0] ?? min
  const hi = ticks[ticks.length - 1] ?? max
  return { toPx: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks }
}

/** log10 domain from the decade below min to the decade above max. */
function logScale(min: number, max: number, from: number, to: number): Scale {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)))
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-9))))
  const ticks: number[] = []
  for (let e = lo; e <= hi; e++) {
    ticks.push(10 ** e)
    if (hi - lo <= 2 && e < hi) ticks.push(2 * 10 ** e, 5 * 10 ** e)
  }
  ticks.sort((a, b) => a - b)
  return { toPx: (v) => from + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (to - from), ticks }
}

function px(n: number): string {
  return n.toFixed(1)
}

/** Keeps the min and max of each bucket so a long series still shows its spikes. */
export function decimate(points: readonly SeriesPoint[], maxPoints = MAX_DRAWN_POINTS): SeriesPoint[] {
  if (points.length <= maxPoints) return [...points]
  const buckets = Math.floor(maxPoints / 2)
  const size = points.length / buckets
  const out: SeriesPoint[] = []
  for (let b = 0; b < buckets; b++) {
    const slice = points.slice(Math.floor(b * size), Math.floor((b + 1) * size))
    if (slice.length === 0) continue
    let lo = slice[0] as SeriesPoint
    let hi = lo
    for (const p of slice) {
      if (p[1] < lo[1]) lo = p
      if (p[1] > hi[1]) hi = p
    }
    out.push(...(lo[0] <= hi[0] ? [lo, hi] : [hi, lo]).filter((p, i, a) => i === 0 || p !== a[0]))
  }
  return out
}

function frame(id: string, title: string, description: string, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(description)}</desc>`,
    `<rect class="background" x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text class="chart-title" x="${MARGIN.left}" y="20" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    body,
    '</svg>',
  ].join('\n')
}

function xAxis(scale: Scale, label: string, format: (v: number) => string = formatTick): string {
  const y = MARGIN.top + PLOT_H
  const ticks = scale.ticks.map((t) => {
    const x = px(scale.toPx(t))
    return `<g class="tick"><line x1="${x}" y1="${y}" x2="${x}" y2="${y + 5}" stroke="#333"/><text x="${x}" y="${y + 18}" text-anchor="middle" font-size="11">${escapeXml(format(t))}</text></g>`
  })
  return [
    `<g class="axis axis-x">`,
    `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" stroke="#333"/>`,
    ...ticks,
    `<text class="axis-label" x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${escapeXml(label)}</text>`,
    '</g>',
  ].join('\n')
}

function yAxis(scale: Scale, label: string): string {
  const ticks = scale.ticks.map((t) => {
    const y = px(scale.toPx(t))
    return `<g class="tick"><line x1="${MARGIN.left - 5}" y1="${y}" x2="${MARGIN.left + PLOT_W}" y2="${y}" stroke="#e3e3e3"/><text x="${MARGIN.left - 8}" y="${y}" dy="4" text-anchor="end" font-size="11">${escapeXml(formatTick(t))}</text></g>`
  })
  const cy = MARGIN.top + PLOT_H / 2
  return [
    `<g class="axis axis-y">`,
    ...ticks,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>`,
    `<text class="axis-label" x="16" y="${cy}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${cy})">${escapeXml(label)}</text>`,
    '</g>',
  ].join('\n')
}

/** Legend entries left to right under the title; dashed entries stand for marker lines. */
function legend(entries: readonly (string | { readonly name: string; readonly dashed: boolean })[]): string {
  let x = MARGIN.left
  // Names share the row equally once they no longer fit; the full name stays in a <title>.
  const fair = Math.floor((WIDTH - MARGIN.left - MARGIN.right) / Math.max(1, entries.length) / 6.5) - 5
  const items = entries.map((entry, i) => {
    const { name: full, dashed } = typeof entry === 'string' ? { name: entry, dashed: false } : entry
    const fits = entries.reduce((n, e) => n + 30 + (typeof e === 'string' ? e : e.name).length * 6.5, 0) <= WIDTH - MARGIN.left - MARGIN.right
    const name = fits || full.length <= fair ? full : `${full.slice(0, Math.max(3, fair - 1))}…`
    const colour = PALETTE[i % PALETTE.length]
    const swatch = dashed ? `<line x1="${x}" y1="36" x2="${x + 14}" y2="36" stroke="${colour}" stroke-width="2" stroke-dasharray="4 2"/>` : `<rect x="${x}" y="30" width="12" height="12" fill="${colour}"/>`
    const item = `<g class="legend-item"><title>${escapeXml(full)}</title>${swatch}<text x="${x + 18}" y="40" font-size="12">${escapeXml(name)}</text></g>`
    x += 30 + name.length * 6.5
    return item
  })
  return `<g class="legend">${items.join('')}</g>`
}

export interface LineChartInput {
  readonly id: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly { readonly name: string; readonly points: readonly SeriesPoint[] }[]
  /** Shaded span with a label, e.g. the knee between the last good and first bad x. */
  readonly band?: { readonly from: number; readonly to: number; readonly label: string }
  /** Fixed y range, e.g. [0, 1] for a ratio. */
  readonly yMin?: number
  readonly yMax?: number
}

export function lineChart(input: LineChartInput): string {
  const all = input.series.flatMap((s) => s.points)
  const xs = all.map((p) => p[0])
  if (input.band !== undefined) xs.push(input.band.to)
  const x = linearScale(xs, MARGIN.left, MARGIN.left + PLOT_W, Math.min(0, extent(xs).min))
  const y = linearScale(input.yMax === undefined ? all.map((p) => p[1]) : [input.yMax], MARGIN.top + PLOT_H, MARGIN.top, input.yMin)
  const paths = input.series.map((s, i) => {
    const d = decimate(s.points)
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${px(x.toPx(p[0]))},${px(y.toPx(p[1]))}`)
      .join(' ')
    const dots = s.points.length <= 40 ? s.points.map((p) => `<circle cx="${px(x.toPx(p[0]))}" cy="${px(y.toPx(p[1]))}" r="2.5" fill="${PALETTE[i % PALETTE.length]}"/>`).join('') : ''
    return `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.8"/>${dots}`
  })
  let band = ''
  if (input.band !== undefined) {
    const x0 = x.toPx(input.band.from)
    const x1 = x.toPx(input.band.to)
        // The label goes bottom-left of the band: a success curve is high on the left, so the
    // space under it there is empty.
    band = `<g class="knee"><rect x="${px(x0)}" y="${MARGIN.top}" width="${px(Math.max(2, x1 - x0))}" height="${PLOT_H}" fill="#d62728" fill-opacity="0.12"/><text x="${px(x0 - 4)}" y="${MARGIN.top + PLOT_H - 8}" text-anchor="end" font-size="11" fill="#b00">${escapeXml(input.band.label)}</text></g>`
  }
  const description = `${input.series.length} series: ${input.series.map((s) => s.name).join(', ')}; ${input.xLabel} against ${input.yLabel}`
  return frame(input.id, input.title, description, [yAxis(y, input.yLabel), xAxis(x, input.xLabel), band, ...paths, legend(input.series.map((s) => s.name))].join('\n'))
}

export interface HistogramChartInput {
  readonly id: string
  readonly title: string
  /** Non-empty buckets in microseconds. */
  readonly buckets: readonly { readonly low: number; readonly high: number; readonly count: number }[]
  /** Vertical lines, in microseconds, e.g. p50/p99/max. */
  readonly markers: readonly { readonly value: number; readonly label: string }[]
}

/** Latency histogram: counts in 10 bins per decade on a log time axis (ms). */
export function histogramChart(input: HistogramChartInput): string {
  const bins = new Map<number, number>()
  for (const b of input.buckets) {
    const key = Math.floor(Math.log10(Math.max(b.low, 1)) * 10)
    bins.set(key, (bins.get(key) ?? 0) + b.count)
  }
  const keys = [...bins.keys(), ...input.markers.map((m) => Math.floor(Math.log10(Math.max(m.value, 1)) * 10))]
  const lowMs = 10 ** (Math.min(...keys) / 10) / 1000
  const highMs = 10 ** ((Math.max(...keys) + 1) / 10) / 1000
  const x = logScale(lowMs, highMs, MARGIN.left, MARGIN.left + PLOT_W)
  const y = linearScale([...bins.values()], MARGIN.top + PLOT_H, MARGIN.top, 0)
  const bars = [...bins.entries()].map(([key, count]) => {
    const x0 = x.toPx(10 ** (key / 10) / 1000)
    const x1 = x.toPx(10 ** ((key + 1) / 10) / 1000)
    const top = y.toPx(count)
    return `<rect x="${px(x0)}" y="${px(top)}" width="${px(Math.max(1, x1 - x0 - 1))}" height="${px(MARGIN.top + PLOT_H - top)}" fill="${PALETTE[0]}"><title>${escapeXml(`${formatTick(count)} between ${formatTick(10 ** (key / 10) / 1000)} and ${formatTick(10 ** ((key + 1) / 10) / 1000)} ms`)}</title></rect>`
  })
  // Marker lines carry no text in the plot (it would sit on the bars); the legend names them.
  const markers = input.markers.map((m, i) => {
    const mx = px(x.toPx(m.value / 1000))
    return `<g class="marker"><line x1="${mx}" y1="${MARGIN.top}" x2="${mx}" y2="${MARGIN.top + PLOT_H}" stroke="${PALETTE[(i + 1) % PALETTE.length]}" stroke-width="1.5" stroke-dasharray="5 3"><title>${escapeXml(m.label)}</title></line></g>`
  })
  const total = input.buckets.reduce((n, b) => n + b.count, 0)
  const keyItems = [{ name: 'operations', dashed: false }, ...input.markers.map((m) => ({ name: m.label, dashed: true }))]
  const body = [yAxis(y, 'operations'), xAxis(x, 'latency (ms, log scale)'), `<g class="series" data-series="count">${bars.join('')}</g>`, ...markers, legend(keyItems)].join('\n')
  return frame(input.id, input.title, `Histogram of ${total} latencies on a log time axis, with ${input.markers.map((m) => m.label).join(', ')}`, body)
}

export interface BarChartInput {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly groups: readonly { readonly label: string; readonly bars: readonly { readonly name: string; readonly value: number | null }[] }[]
}

/** Grouped bars: one group per label, one colour per bar name (legend), values printed on top. */
export function barChart(input: BarChartInput): string {
  const names = [...new Set(input.groups.flatMap((g) => g.bars.map((b) => b.name)))]
  const values = input.groups.flatMap((g) => g.bars.map((b) => b.value ?? 0))
  const y = linearScale(values, MARGIN.top + PLOT_H, MARGIN.top, 0)
  const groupWidth = PLOT_W / Math.max(1, input.groups.length)
  const barWidth = Math.min(60, (groupWidth * 0.8) / Math.max(1, names.length))
  const series = names.map((name, i) => {
    const rects = input.groups.map((g, gi) => {
      const bar = g.bars.find((b) => b.name === name)
      if (bar === undefined || bar.value === null) return ''
      const bx = MARGIN.left + gi * groupWidth + (groupWidth - barWidth * names.length) / 2 + i * barWidth
      const top = y.toPx(bar.value)
      return `<rect x="${px(bx)}" y="${px(top)}" width="${px(barWidth - 2)}" height="${px(MARGIN.top + PLOT_H - top)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${g.label}, ${name}: ${formatTick(bar.value)} ${input.unit}`)}</title></rect><text x="${px(bx + barWidth / 2 - 1)}" y="${px(top - 3)}" text-anchor="middle" font-size="10">${escapeXml(formatTick(bar.value))}</text>`
    })
    return `<g class="series" data-series="${escapeXml(name)}">${rects.join('')}</g>`
  })
  const baseline = MARGIN.top + PLOT_H
  const labels = input.groups.map((g, gi) => `<g class="tick"><text x="${px(MARGIN.left + (gi + 0.5) * groupWidth)}" y="${baseline + 18}" text-anchor="middle" font-size="11">${escapeXml(g.label)}</text></g>`)
  const xAxisGroup = `<g class="axis axis-x"><line x1="${MARGIN.left}" y1="${baseline}" x2="${MARGIN.left + PLOT_W}" y2="${baseline}" stroke="#333"/>${labels.join('')}</g>`
  const body = [yAxis(y, input.unit), xAxisGroup, ...series, legend(names)].join('\n')
  return frame(input.id, input.title, `Grouped bars in ${input.unit}: ${names.join(', ')} for ${input.groups.map((g) => g.label).join(', ')}`, body)
}
