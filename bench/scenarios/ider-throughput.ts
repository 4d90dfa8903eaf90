/**
 * ider-throughput: the vendor's IDE-R over CIRA: 125 KB/s at 2/2 Mbps, 48 KB/s at 768/256 Kbps,
 * 32 KB/s at 512/512 Kbps, 80 ms RTT. For each link a device sits behind the simulator's link
 * model (bandwidth both ways and RTT, under TLS as on a real link), a console serves it a CD
 * image through SOCKS5, and the device's BIOS reads it sequentially and checks its SHA-256.
 * Throughput is image bytes over the time from the first read to the device's verdict;
 * 1 KB = 1000 bytes, as the link's capacity is counted.
 *
 * Devices offer the firmware's 32 KiB channel window. A full run measures the links a second
 * time with devices offering 256 KiB, which tells what the device's window costs on a link with
 * 80 ms RTT from what the gateway path costs (diagnostic; the vendor comparison uses the first).
 */

import { describeIderImage } from '../../consoles/ider-client.js'
import type { IderClient } from '../../consoles/ider-client.js'
import type { Cell } from '../../reports/model.js'
import { linkLimitKilobytesPerSecond, VENDOR, vendorFigure } from '../../reports/vendor.js'
import { patternBlocks } from '../lab/bulk.js'
import { errorKey, openIder, socksOf } from '../lab/consoles.js'
import { BenchFleets, type BenchFleet } from '../lab/fleet.js'
import { RunMonitor } from '../lab/monitor.js'
import { waitUntil } from '../lab/wait.js'
import { integrityMetric, metric, parameters, THROUGHPUT_TOLERANCE_PCT, type Scenario, type ScenarioOutcome, type ScenarioRun } from './types.js'

export const iderThroughput: Scenario = {
  name: 'ider-throughput',
  title: "IDE-R throughput over CIRA on the vendor's three links",
  summary: 'IDE-R boot image through SOCKS5 at 2/2 Mbps, 768/256 Kbps and 512/512 Kbps with 80 ms RTT: KB/s against the vendor and the link',
  run: runIderThroughput,
}

type LinkSpec = (typeof VENDOR.iderThroughput)[number]

/** The diagnostic variant's device channel window. */
const LARGE_WINDOW = 256 * 1024

interface LinkResult {
  readonly link: LinkSpec
  /** null: the firmware's window. */
  readonly window: number | null
  readonly imageBytes: number
  readonly seconds: number | null
  readonly verified: boolean
  readonly error: string | null
}

const BLOCK = 2048

/** An image the link needs `seconds` to carry, in whole CD blocks. */
function imageFor(link: LinkSpec, seconds: number): Buffer {
  const bytes = Math.max(16, Math.round(((link.downKbps * 1000) / 8) * seconds / BLOCK)) * BLOCK
  return Buffer.concat([...patternBlocks(bytes)])
}

function slug(link: LinkSpec): string {
  return `${link.downKbps}-${link.upKbps}`
}

async function measureLink(run: ScenarioRun, fleet: BenchFleet, link: LinkSpec, image: Buffer): Promise<LinkResult> {
  let client: IderClient | null = null
  const verifiedBefore = fleet.fleet.snapshot().services.iderImagesVerified
  try {
    client = await openIder(run.gateway.target, fleet.hostname(0), image, 15 * 60_000)
    const opened = client
    const outcome = await waitUntil(() => fleet.fleet.snapshot().services.iderImagesVerified > verifiedBefore || fleet.fleet.snapshot().services.iderIntegrityFailures > 0, 15 * 60_000, run.signal, 10)
    const doneAt = Date.now()
    const first = opened.stats.firstReadAt
    const verified = outcome === 'met' && fleet.fleet.snapshot().services.iderIntegrityFailures === 0
    return { link, window: fleet.spec.channelWindow ?? null, imageBytes: image.length, seconds: verified && first > 0 ? (doneAt - first) / 1000 : null, verified, error: outcome === 'met' ? null : outcome }
  } catch (error) {
    return { link, window: fleet.spec.channelWindow ?? null, imageBytes: image.length, seconds: null, verified: false, error: errorKey(error) }
  } finally {
    await client?.end()
  }
}

/** One device per vendor link, all links at once (each its own device and shaped socket). */
async function measureLinks(run: ScenarioRun, fleets: BenchFleets, images: readonly Buffer[], window: number | null): Promise<LinkResult[]> {
  const rate = (kbps: number) => Math.round((kbps * 1000) / 8)
  const tag = window === null ? '' : `-w${window}`
  const perLink = await Promise.all(
    VENDOR.iderThroughput.map(async (link, i) =>
      fleets.add({
        name: `link-${slug(link)}${tag}`,
        devices: 1,
        services: true,
        link: { downlinkBytesPerSecond: rate(link.downKbps), uplinkBytesPerSecond: rate(link.upKbps), rttMs: link.rttMs },
        iderExpectedImage: await describeIderImage(images[i] as Buffer),
        ...(window === null ? {} : { channelWindow: window }),
      }),
    ),
  )
  await waitUntil(() => perLink.every((f) => f.fleet.snapshot().connected === 1), 60_000, run.signal, 100)
  return Promise.all(VENDOR.iderThroughput.map((link, i) => measureLink(run, perLink[i] as BenchFleet, link, images[i] as Buffer)))
}

async function runIderThroughput(run: ScenarioRun): Promise<ScenarioOutcome> {
  const { params, gateway, signal } = run
  // Seconds of link time per image: long enough that the setup round trips do not count.
  const imageSeconds = params.durationSeconds ?? (params.quick ? 1 : 20)
  socksOf(gateway.target)
  const fleets = new BenchFleets(gateway.target, params.seed)
  const monitor = new RunMonitor({ gateway, connected: () => fleets.connected(), stderr: run.stderr, label: 'ider-throughput', totalSeconds: null, detail: () => `images verified ${fleets.snapshot().services.iderImagesVerified}` })
  monitor.start()
  let results: LinkResult[] = []
  let diagnostic: LinkResult[] = []
  try {
    const images = VENDOR.iderThroughput.map((link) => imageFor(link, imageSeconds))
    results = await measureLinks(run, fleets, images, null)
    if (!params.quick && !signal.aborted) diagnostic = await measureLinks(run, fleets, images, LARGE_WINDOW)
  } finally {
    await fleets.stop()
  }
  const series = await monitor.stop()
  return report(imageSeconds, results, diagnostic, series, fleets)
}

const kbps = (r: LinkResult | undefined) => (r === undefined || r.seconds === null || r.seconds <= 0 ? null : r.imageBytes / r.seconds / 1000)

function report(imageSeconds: number, results: readonly LinkResult[], diagnostic: readonly LinkResult[], series: ScenarioOutcome['series'], fleets: BenchFleets): ScenarioOutcome {
  const failures = [...results, ...diagnostic].filter((r) => !r.verified).length
  const metrics: Record<string, ReturnType<typeof metric>> = { imagesFailed: integrityMetric(failures, 'IDE-R images not read whole and verified by the device') }
  const rows: Cell[][] = []
  for (const r of results) {
    const ours = kbps(r)
    const limit = linkLimitKilobytesPerSecond(r.link.downKbps)
    const key = `kBps${r.link.downKbps}x${r.link.upKbps}`
    metrics[key] = metric(ours, 'KB/s', 'higher', THROUGHPUT_TOLERANCE_PCT, `IDE-R at ${r.link.link}, ${r.link.rttMs} ms RTT`)
    metrics[`linkPercent${r.link.downKbps}x${r.link.upKbps}`] = metric(ours === null ? null : (ours / limit) * 100, '%', undefined, undefined, `of the ${limit} KB/s downlink`)
    rows.push([r.link.link, '32 KiB (firmware)', r.imageBytes, r.seconds === null ? null : Number(r.seconds.toFixed(2)), ours === null ? null : Number(ours.toFixed(1)), r.link.kilobytesPerSecond, limit, ours === null ? null : Number(((ours / limit) * 100).toFixed(1)), Number(((r.link.kilobytesPerSecond / limit) * 100).toFixed(1)), r.verified ? 'yes' : `no (${r.error ?? 'hash'})`])
  }
  for (const r of diagnostic) {
    const ours = kbps(r)
    const limit = linkLimitKilobytesPerSecond(r.link.downKbps)
    metrics[`largeWindowLinkPercent${r.link.downKbps}x${r.link.upKbps}`] = metric(ours === null ? null : (ours / limit) * 100, '%', undefined, undefined, `of the link with ${LARGE_WINDOW / 1024} KiB device windows (diagnostic)`)
    rows.push([r.link.link, `${LARGE_WINDOW / 1024} KiB (diagnostic)`, r.imageBytes, r.seconds === null ? null : Number(r.seconds.toFixed(2)), ours === null ? null : Number(ours.toFixed(1)), r.link.kilobytesPerSecond, limit, ours === null ? null : Number(((ours / limit) * 100).toFixed(1)), Number(((r.link.kilobytesPerSecond / limit) * 100).toFixed(1)), r.verified ? 'yes' : `no (${r.error ?? 'hash'})`])
  }
  return {
    parameters: parameters({ imageSecondsOfLink: imageSeconds, rttMs: 80, links: results.map((r) => r.link.link).join(', '), path: 'console → SOCKS5 → gateway → APF over TLS → shaped link → device' }),
    results: { iderThroughput: metrics },
    vendor: results.map((r) => vendorFigure(`IDE-R at ${r.link.link}`, kbps(r), r.link.kilobytesPerSecond, 'KB/s', 'higher')),
    series,
    charts: [
      {
        kind: 'bars',
        name: 'ider-throughput',
        title: 'IDE-R throughput: ours, the vendor, and the link',
        unit: 'KB/s',
        groups: results.map((r, i) => ({
          label: r.link.link,
          bars: [
            { name: 'ours', value: kbps(r) },
            ...(diagnostic.length === 0 ? [] : [{ name: `ours, ${LARGE_WINDOW / 1024} KiB device window`, value: kbps(diagnostic[i]) }]),
            { name: 'vendor (MPS)', value: r.link.kilobytesPerSecond },
            { name: 'link limit', value: linkLimitKilobytesPerSecond(r.link.downKbps) },
          ],
        })),
      },
    ],
    tables: [{ title: 'Per link', columns: ['link', 'device window', 'image bytes', 'seconds', 'ours KB/s', 'vendor KB/s', 'link KB/s', 'ours % of link', 'vendor % of link', 'verified'], rows }],
    integrity: { imagesVerified: fleets.snapshot().services.iderImagesVerified, imageIntegrityFailures: fleets.snapshot().services.iderIntegrityFailures, imagesFailed: failures },
    notes: [
      'The simulated BIOS reads the image with one 64 KiB READ_10 at a time, as a BIOS does; each read waits a round trip, so a link whose bandwidth-delay product is large against 64 KiB cannot be filled.',
      'Devices offer 32 KiB channel windows and return credit at half, as firmware does: at 80 ms RTT a 64 KiB read needs several window round trips. The 256 KiB rows (full runs) show what is left when the window is not the limit.',
      'Link bytes include TLS records, APF headers and IDE-R framing; the throughput counts image bytes only.',
    ],
  }
}
