import { describe, expect, it } from 'vitest'
import type { CodecBenchReport } from './model.js'
import { renderHtml } from './render-html.js'
import { renderMarkdown } from './render-md.js'
import { describeChange, formatNumber } from './sections.js'
import { sampleReport, SAMPLE_MACHINE } from './test-support/sample.js'
import { findAll, hasClass, parseXml, type XmlElement } from './test-support/xml.js'

const codec: CodecBenchReport = {
  kind: 'codec',
  startedAt: '2026-01-02T00:00:00.000Z',
  machine: SAMPLE_MACHINE,
  chunkBytes: 65536,
  targets: { channelData32kDecodeMBps: 1000, smallMessagesDecodePerSecond: 2_000_000 },
  results: [
    { name: 'CHANNEL_DATA 32 KiB', operation: 'decode', messageBytes: 32777, messages: 100, seconds: 1, messagesPerSecond: 350_000, megabytesPerSecond: 11_500 },
    { name: 'CHANNEL_DATA 32 KiB', operation: 'encode', messageBytes: 32777, messages: 100, seconds: 1, messagesPerSecond: 180_000, megabytesPerSecond: 6000 },
    { name: 'KEEPALIVE_REQUEST', operation: 'decode', messageBytes: 5, messages: 100, seconds: 1, messagesPerSecond: 17_900_000, megabytesPerSecond: 89.5 },
  ],
}

function charts(html: string): XmlElement[] {
  return findAll(parseXml(html, true), (e) => e.name === 'svg')
}

function chartTitled(html: string, title: string): XmlElement {
  const chart = charts(html).find((s) => s.children.some((c) => c.name === 'title' && c.text === title))
  if (chart === undefined) throw new Error(`no chart titled ${title}`)
  return chart
}

const count = (svg: XmlElement, cls: string) => findAll(svg, (e) => hasClass(e, cls)).length

describe('HTML report', () => {
  const html = renderHtml([{ label: 'stability-run', report: sampleReport() }])

  it('is well-formed, self-contained and has no scripts or external URLs', () => {
    expect(() => parseXml(html, true)).not.toThrow()
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
    // The only URL allowed is the SVG namespace, which is a name, not a fetch.
    expect([...html.matchAll(/(?:https?:)?\/\/[^\s"'<)]+/g)].map((m) => m[0])).toEqual(Array(charts(html).length).fill('http://www.w3.org/2000/svg'))
  })

  it('draws a line chart per time series, each with both axes, ticks, one path and a legend', () => {
    for (const title of ['devices connected (devices)', 'cpu (%)', 'rss (MB)']) {
      const svg = chartTitled(html, title)
      expect(svg.attributes['role']).toBe('img')
      expect(count(svg, 'axis-x')).toBe(1)
      expect(count(svg, 'axis-y')).toBe(1)
      expect(count(svg, 'tick')).toBeGreaterThanOrEqual(6)
      expect(count(svg, 'series')).toBe(1)
      expect(count(svg, 'legend-item')).toBe(1)
      expect(findAll(svg, (e) => hasClass(e, 'axis-label')).map((e) => e.text)).toContain('time (min)')
    }
  })

  it('draws each latency histogram with percentile markers, and a percentile table', () => {
    const svg = chartTitled(html, 'SOL round trip')
    expect(count(svg, 'marker')).toBe(3)
    expect(findAll(svg, (e) => hasClass(e, 'legend-item')).map((e) => e.children.find((c) => c.name === 'text')?.text)).toEqual(['operations', 'p50 2.49 ms', 'p99 5.29 ms', 'max 41.7 ms'])
    expect(findAll(svg, (e) => hasClass(e, 'series'))[0]?.children.length).toBeGreaterThan(5)
    expect(html).toMatch(/<caption>Latency \(ms\)<\/caption>.*p99\.9/s)
  })

  it('marks the knee on the ratio chart and draws grouped bars with a legend', () => {
    const ratio = chartTitled(html, 'Redirection success ratio vs connected devices')
    expect(count(ratio, 'knee')).toBe(1)
    expect(findAll(ratio, (e) => hasClass(e, 'knee'))[0]?.children.find((c) => c.name === 'text')?.text).toBe('below 99 % between 500 and 550 devices')
    const bars = chartTitled(html, 'IDE-R throughput over CIRA (80 ms RTT)')
    expect(count(bars, 'series')).toBe(3)
    expect(count(bars, 'legend-item')).toBe(3)
    expect(findAll(bars, (e) => e.name === 'rect' && e.children.some((c) => c.name === 'title')).length).toBe(9)
  })

  it('escapes text from the report', () => {
    const nasty = renderHtml([{ label: 'x', report: sampleReport({ title: '<script>alert(1)</script> & co', notes: ['a < b'] }) }])
    expect(nasty).not.toContain('<script>')
    expect(nasty).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co')
    expect(() => parseXml(nasty, true)).not.toThrow()
  })

  it('shows an interrupted run as such', () => {
    expect(renderHtml([{ label: 'x', report: sampleReport({ interrupted: true }) }])).toContain('class="banner"')
  })

  it('renders the codec benchmark report', () => {
    const page = renderHtml([{ label: 'codec-1', report: codec }])
    expect(() => parseXml(page, true)).not.toThrow()
    const svg = chartTitled(page, 'Decode and encode throughput by case')
    expect(count(svg, 'series')).toBe(2)
  })

  it('compares runs side by side, with overlaid series and each run below', () => {
    const better = sampleReport({ results: { stability: { disconnects: { value: 2, unit: 'count', better: 'lower' }, cpuPercentMax: { value: 8.1, unit: '%', better: 'lower' } } } })
    const page = renderHtml([
      { label: 'a', report: sampleReport() },
      { label: 'b', report: better },
    ])
    expect(() => parseXml(page, true)).not.toThrow()
    expect(page).toContain('8.1 % (-25.7 %, better)')
    expect(page).toContain('2 (worse (was 0))')
    const overlaid = chartTitled(page, 'cpu (%)')
    expect(count(overlaid, 'series')).toBe(2)
    expect(findAll(overlaid, (e) => hasClass(e, 'series')).map((e) => e.attributes['data-series'])).toEqual(['#1 cpu', '#2 cpu'])
    expect(findAll(parseXml(page, true), (e) => e.name === 'details').length).toBe(2)
  })
})

describe('Markdown report', () => {
  const md = renderMarkdown([{ label: 'stability-run', report: sampleReport() }])

  it('has a title and well-formed tables', () => {
    expect(md.startsWith('# Stability: 1,000 devices streaming SOL (stability-run)\n')).toBe(true)
    const tables = md.split('\n\n').filter((block) => block.includes('\n| '))
    expect(tables.length).toBeGreaterThanOrEqual(8)
    for (const block of tables) {
      const rows = block.split('\n').filter((l) => l.startsWith('|'))
      const cells = rows.map((r) => r.replace(/\\\|/g, '').split('|').length)
      expect(new Set(cells).size).toBe(1)
      expect(rows[1]).toMatch(/^\|( ---:? \|)+$/)
    }
  })

  it('lists results, vendor figures, latency percentiles, series, curves with the knee, and notes', () => {
    expect(md).toContain('| stability.cpuPercentMax |  | 10.9 % | lower is better |')
    expect(md).toContain('| gateway CPU at 1,000 devices | 10.9 % | 15 % | ×0.727 | ours better |')
    expect(md).toMatch(/\| SOL round trip \| 5,000 \|/)
    expect(md).toMatch(/\| devices connected \| devices \| 0 \| [\d.]+ \| 1,000 \| 1,000 \| 121 \|/)
    expect(md).toContain('Knee: below 99 % between 500 and 550 devices (still good at 500, failing from 550 devices).')
    expect(md).toContain('| 768/256 Kbps | 70 | 48 | 96 |')
    expect(md).toContain('- Sample report used by the tests \\| with a pipe')
    expect(md).toContain('| latency.notMeasured |  | — |  |')
  })

  it('renders a codec report and a comparison', () => {
    expect(renderMarkdown([{ label: 'c', report: codec }])).toContain('| CHANNEL_DATA 32 KiB | decode | 32,777 | 350,000 | 11,500 |')
    const cmp = renderMarkdown([
      { label: 'a', report: codec },
      { label: 'b', report: { ...codec, results: codec.results.map((r) => ({ ...r, megabytesPerSecond: r.megabytesPerSecond * 1.1 })) } },
    ])
    expect(cmp).toContain('# Comparison of 2 runs')
    expect(cmp).toContain('| codec.channelData32Kib-decode | MB/s | 11,500 MB/s | 12,650 MB/s (+10 %, better) |')
  })
})

describe('number formatting', () => {
  it('keeps 3 significant digits and separates thousands', () => {
    expect([formatNumber(1234567), formatNumber(0.012345), formatNumber(12.345), formatNumber(1234.5), formatNumber(null)]).toEqual(['1,234,567', '0.0123', '12.3', '1,235', '—'])
  })

  it('describes a change with its direction', () => {
    expect(describeChange(10, 12, 'lower')).toBe('+20 %, worse')
    expect(describeChange(10, 12, 'higher')).toBe('+20 %, better')
    expect(describeChange(10, 10, 'lower')).toBe('same')
    expect(describeChange(10, 8, undefined)).toBe('-20 %')
  })
})
