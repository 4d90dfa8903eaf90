import { describe, expect, it } from 'vitest'
import type { SeriesPoint } from './model.js'
import { barChart, decimate, escapeXml, formatTick, lineChart, niceTicks } from './svg.js'
import { findAll, hasClass, parseXml } from './test-support/xml.js'

describe('svg helpers', () => {
  it('picks round ticks', () => {
    expect(niceTicks(0, 1000)).toEqual([0, 200, 400, 600, 800, 1000])
    expect(niceTicks(0, 0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(niceTicks(0, 26.5)).toEqual([0, 10, 20, 30])
    expect(niceTicks(-3, 7)).toEqual([-4, -2, 0, 2, 4, 6, 8])
    expect(niceTicks(3, 3)).toEqual([3])
  })

  it('labels ticks compactly', () => {
    expect([formatTick(0), formatTick(0.25), formatTick(1500), formatTick(25_000), formatTick(2e6), formatTick(3.6e9)]).toEqual(['0', '0.25', '1500', '25k', '2M', '3.6G'])
  })

  it('escapes markup', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  })

  it('thins long series but keeps every spike', () => {
    const points: SeriesPoint[] = Array.from({ length: 100_000 }, (_, i) => [i, i === 77_777 ? 1000 : i % 10])
    const thin = decimate(points, 1000)
    expect(thin.length).toBeLessThanOrEqual(1000)
    expect(thin).toContainEqual([77_777, 1000])
    expect(thin.map((p) => p[0])).toEqual([...thin.map((p) => p[0])].sort((a, b) => a - b))
    expect(decimate(points.slice(0, 10), 1000)).toEqual(points.slice(0, 10))
  })
})

describe('charts', () => {
  it('draws a 48 h series with a bounded path and an axis in hours', () => {
    const points: SeriesPoint[] = Array.from({ length: 172_800 }, (_, i) => [i / 3600, 5 + (i % 100) / 10])
    const svg = lineChart({ id: 'x', title: 'cpu (%)', xLabel: 'time (h)', yLabel: '%', series: [{ name: 'cpu', points }] })
    const root = parseXml(svg)
    const path = findAll(root, (e) => hasClass(e, 'series'))[0]
    expect((path?.attributes['d'] ?? '').split(' ').length).toBeLessThanOrEqual(1200)
    expect(findAll(root, (e) => hasClass(e, 'axis-x'))[0]?.children.filter((c) => hasClass(c, 'tick')).map((t) => t.children.find((c) => c.name === 'text')?.text)).toEqual(['0', '10', '20', '30', '40', '50'])
    expect(svg.length).toBeLessThan(40_000)
  })

  it('keeps a ratio axis at 0..1 and names the chart for screen readers', () => {
    const svg = lineChart({ id: 'r', title: 'ratio', xLabel: 'devices', yLabel: 'success ratio', series: [{ name: 's', points: [[100, 1], [200, 0.5]] }], yMin: 0, yMax: 1 })
    const root = parseXml(svg)
    const yTicks = findAll(root, (e) => hasClass(e, 'axis-y'))[0]?.children.filter((c) => hasClass(c, 'tick')).map((t) => t.children.find((c) => c.name === 'text')?.text)
    expect(yTicks).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1'])
    const svgElement = root.children[0]
    expect(svgElement?.attributes['aria-labelledby']).toBe('r-title r-desc')
    expect(svgElement?.children.find((c) => c.name === 'desc')?.text).toBe('1 series: s; devices against success ratio')
  })

  it('leaves out bars without a value', () => {
    const svg = barChart({ id: 'b', title: 't', unit: 'KB/s', groups: [{ label: 'a', bars: [{ name: 'ours', value: null }, { name: 'vendor', value: 5 }] }] })
    const series = findAll(parseXml(svg), (e) => hasClass(e, 'series'))
    expect(series.map((s) => [s.attributes['data-series'], s.children.filter((c) => c.name === 'rect').length])).toEqual([
      ['ours', 0],
      ['vendor', 1],
    ])
  })
})
