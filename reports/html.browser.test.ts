/**
 * The HTML report in a real browser: Debian's Chromium, headless, loads the file `ciralab report`
 * wrote (no server, no network), keeps every chart in its DOM and paints them. The screenshot is
 * read back and must carry the series colour and text, so a page that loads blank fails.
 */

import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../cli/test-support/run-cli.js'
import { PALETTE } from './svg.js'
import { countColour, decodePng } from './test-support/png.js'
import { sampleReport } from './test-support/sample.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'ciralab-browser-'))
const WIDTH = 1280
const HEIGHT = 4000

/** Headless, and quiet: this machine's network is closed, so nothing may try to reach out. */
function chromium(...args: string[]): Promise<{ stdout: string }> {
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`]
  return run('chromium', [...flags, ...args], { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 })
}

async function renderedReport(): Promise<string> {
  const json = join(dir, 'run.json')
  writeFileSync(json, JSON.stringify(sampleReport()))
  const r = await runCli(['report', json, '--format', 'html', '--out', join(dir, 'out')])
  expect(r.status).toBe(0)
  const html = /^wrote (.+\.html)$/m.exec(r.out)?.[1]
  if (html === undefined) throw new Error(`ciralab report wrote no HTML: ${r.out}${r.err}`)
  return html
}

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('HTML report in headless Chromium', () => {
  it('loads from the file with every chart and table in the DOM, and paints the charts', async () => {
    const path = await renderedReport()
    const source = readFileSync(path, 'utf8')
    const url = pathToFileURL(path).href
    const charts = source.match(/<svg [^>]*class="chart"/g)?.length ?? 0
    expect(charts).toBeGreaterThan(3)

    const { stdout: dom } = await chromium('--dump-dom', url)
    expect(dom.match(/<svg [^>]*class="chart"/g)?.length).toBe(charts)
    expect(dom.match(/<table/g)?.length).toBe(source.match(/<table/g)?.length)
    expect(dom).toContain('<title>')

    const png = join(dir, 'page.png')
    await chromium(`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${png}`, url)
    const image = decodePng(readFileSync(png))
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT])
    // Series lines in the first palette colour, and dark text: hundreds of pixels of each.
    expect(countColour(image, PALETTE[0])).toBeGreaterThan(500)
    expect(countColour(image, '#1d1d1f', 60)).toBeGreaterThan(2000)
  })
})
