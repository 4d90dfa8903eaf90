/**
 * Validation of report JSON read from disk: every problem is reported with its field path
 * (`results.stability.disconnects.value: expected a number or null, got "x"`), all at once, so a
 * hand-edited or older file is fixed in one go. Returns the report with defaults filled in.
 */

import type { CodecBenchReport } from '../bench/codec.js'
import { describeSerializedProblem, type SerializedHistogram } from '../bench/histogram.js'
import { CiralabError, ErrorCode } from '../protocol/errors.js'
import type { AnyReport, Chart, Metric, MachineInfo, NamedHistogram, ReportTable, RunReport, SeriesPoint, TimeSeries, VendorFigure } from './model.js'

export class ReportValidationError extends CiralabError {
  readonly problems: readonly string[]

  constructor(source: string, problems: readonly string[]) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).join('; ')})` : ''
    super(ErrorCode.REPORT_ERR_INVALID, `${source}: ${problems[0] ?? 'invalid report'}${more}`)
    this.name = 'ReportValidationError'
    this.problems = problems
  }
}

type Json = Record<string, unknown>

/** Collects problems while reading fields; each reader returns a usable fallback on a problem. */
class Reader {
  readonly problems: string[] = []

  fail(path: string, expected: string, got: unknown): void {
    this.problems.push(`${path}: expected ${expected}, got ${describe(got)}`)
  }

  object(value: unknown, path: string): Json {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json
    this.fail(path, 'an object', value)
    return {}
  }

  array(value: unknown, path: string, optional = false): unknown[] {
    if (Array.isArray(value)) return value
    if (!(optional && value === undefined)) this.fail(path, 'a list', value)
    return []
  }

  string(value: unknown, path: string): string {
    if (typeof value === 'string') return value
    this.fail(path, 'a string', value)
    return ''
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined ? undefined : this.string(value, path)
  }

  optionalBoolean(value: unknown, path: string): boolean {
    if (value === undefined || typeof value === 'boolean') return value === true
    this.fail(path, 'true or false', value)
    return false
  }

  number(value: unknown, path: string): number {
    if (typeof value === 'number' && Number.isFinite(value)) return value
    this.fail(path, 'a number', value)
    return 0
  }

  numberOrNull(value: unknown, path: string): number | null {
    if (value === null) return null
    if (typeof value === 'number' && Number.isFinite(value)) return value
    this.fail(path, 'a number or null', value)
    return null
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T
    this.fail(path, allowed.map((a) => `'${a}'`).join(' or '), value)
    return allowed[0] as T
  }

  timestamp(value: unknown, path: string): string {
    const s = this.string(value, path)
    if (s !== '' && Number.isNaN(Date.parse(s))) this.fail(path, 'an ISO date', value)
    return s
  }

  points(value: unknown, path: string): SeriesPoint[] {
    return this.array(value, path).map((p, i) => {
      if (Array.isArray(p) && p.length === 2 && p.every((n) => typeof n === 'number' && Number.isFinite(n))) return [p[0], p[1]] as SeriesPoint
      this.fail(`${path}[${i}]`, 'a [x, y] pair of numbers', p)
      return [0, 0] as SeriesPoint
    })
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

/** Reads a run report or a codec report; throws ReportValidationError listing every problem. */
export function validateReport(data: unknown, source = 'report'): AnyReport {
  const r = new Reader()
  const root = r.object(data, '(root)')
  let report: AnyReport | null = null
  if (root['kind'] === 'codec') report = readCodecReport(r, root)
  else if (root['kind'] === 'run') report = readRunReport(r, root)
  else r.fail('kind', "'run' or 'codec'", root['kind'])
  if (r.problems.length > 0 || report === null) throw new ReportValidationError(source, r.problems)
  return report
}

function readMachine(r: Reader, value: unknown): MachineInfo {
  const m = r.object(value, 'machine')
  const commit = m['gitCommit']
  return {
    hostname: r.string(m['hostname'], 'machine.hostname'),
    platform: r.string(m['platform'], 'machine.platform'),
    cpuModel: r.string(m['cpuModel'], 'machine.cpuModel'),
    cpuCount: r.number(m['cpuCount'], 'machine.cpuCount'),
    memoryBytes: r.number(m['memoryBytes'], 'machine.memoryBytes'),
    nodeVersion: r.string(m['nodeVersion'], 'machine.nodeVersion'),
    gitCommit: commit === null || commit === undefined ? null : r.string(commit, 'machine.gitCommit'),
  }
}

function readCodecReport(r: Reader, root: Json): CodecBenchReport {
  const targets = r.object(root['targets'], 'targets')
  return {
    kind: 'codec',
    startedAt: r.timestamp(root['startedAt'], 'startedAt'),
    machine: readMachine(r, root['machine']),
    chunkBytes: r.number(root['chunkBytes'], 'chunkBytes'),
    results: r.array(root['results'], 'results').map((item, i) => {
      const p = `results[${i}]`
      const o = r.object(item, p)
      return {
        name: r.string(o['name'], `${p}.name`),
        // Older reports called 'frame-zero-copy' 'encode-header': accept any operation name.
        operation: r.string(o['operation'], `${p}.operation`) as CodecBenchReport['results'][number]['operation'],
        messageBytes: r.number(o['messageBytes'], `${p}.messageBytes`),
        messages: r.number(o['messages'], `${p}.messages`),
        seconds: r.number(o['seconds'], `${p}.seconds`),
        messagesPerSecond: r.number(o['messagesPerSecond'], `${p}.messagesPerSecond`),
        megabytesPerSecond: r.number(o['megabytesPerSecond'], `${p}.megabytesPerSecond`),
      }
    }),
    targets: {
      channelData32kDecodeMBps: r.number(targets['channelData32kDecodeMBps'], 'targets.channelData32kDecodeMBps'),
      smallMessagesDecodePerSecond: r.number(targets['smallMessagesDecodePerSecond'], 'targets.smallMessagesDecodePerSecond'),
    },
  }
}

function readRunReport(r: Reader, root: Json): RunReport {
  if (root['format'] !== 'ciralab-run-1') r.fail('format', "'ciralab-run-1'", root['format'])
  const scenario = r.string(root['scenario'], 'scenario')
  return {
    kind: 'run',
    format: 'ciralab-run-1',
    scenario,
    title: root['title'] === undefined ? scenario : r.string(root['title'], 'title'),
    startedAt: r.timestamp(root['startedAt'], 'startedAt'),
    finishedAt: r.timestamp(root['finishedAt'], 'finishedAt'),
    interrupted: r.optionalBoolean(root['interrupted'], 'interrupted'),
    machine: readMachine(r, root['machine']),
    parameters: readParameters(r, root['parameters']),
    results: readResults(r, root['results']),
    vendor: r.array(root['vendor'], 'vendor', true).map((v, i) => readVendor(r, v, `vendor[${i}]`)),
    series: r.array(root['series'], 'series', true).map((s, i) => readSeries(r, s, `series[${i}]`)),
    histograms: r.array(root['histograms'], 'histograms', true).map((h, i) => readHistogram(r, h, `histograms[${i}]`)),
    charts: r.array(root['charts'], 'charts', true).map((c, i) => readChart(r, c, `charts[${i}]`)),
    tables: r.array(root['tables'], 'tables', true).map((t, i) => readTable(r, t, `tables[${i}]`)),
    integrity: readIntegrity(r, root['integrity']),
    notes: r.array(root['notes'], 'notes', true).map((n, i) => r.string(n, `notes[${i}]`)),
  }
}

function readParameters(r: Reader, value: unknown): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {}
  for (const [key, v] of Object.entries(r.object(value ?? {}, 'parameters'))) {
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[key] = v
    else r.fail(`parameters.${key}`, 'a string, number, boolean or null', v)
  }
  return out
}

function readResults(r: Reader, value: unknown): Record<string, Record<string, Metric>> {
  const out: Record<string, Record<string, Metric>> = {}
  for (const [group, metrics] of Object.entries(r.object(value, 'results'))) {
    if (group.includes('.')) r.fail(`results.${group}`, 'a group name without dots', group)
    const g: Record<string, Metric> = {}
    for (const [name, m] of Object.entries(r.object(metrics, `results.${group}`))) {
      const p = `results.${group}.${name}`
      if (name.includes('.')) r.fail(p, 'a metric name without dots', name)
      g[name] = readMetric(r, m, p)
    }
    out[group] = g
  }
  return out
}

function readMetric(r: Reader, value: unknown, p: string): Metric {
  const o = r.object(value, p)
  const metric: { -readonly [K in keyof Metric]: Metric[K] } = { value: r.numberOrNull(o['value'], `${p}.value`), unit: r.string(o['unit'], `${p}.unit`) }
  if (o['better'] !== undefined) metric.better = r.oneOf(o['better'], `${p}.better`, ['lower', 'higher', 'none'] as const)
  if (o['label'] !== undefined) metric.label = r.string(o['label'], `${p}.label`)
  if (o['tolerancePct'] !== undefined) {
    const t = r.number(o['tolerancePct'], `${p}.tolerancePct`)
    if (t < 0) r.fail(`${p}.tolerancePct`, 'a number >= 0', t)
    metric.tolerancePct = t
  }
  return metric
}

function readVendor(r: Reader, value: unknown, p: string): VendorFigure {
  const o = r.object(value, p)
  const source = r.optionalString(o['source'], `${p}.source`)
  return {
    metric: r.string(o['metric'], `${p}.metric`),
    ours: r.numberOrNull(o['ours'], `${p}.ours`),
    vendor: r.number(o['vendor'], `${p}.vendor`),
    unit: r.string(o['unit'], `${p}.unit`),
    better: r.oneOf(o['better'], `${p}.better`, ['lower', 'higher'] as const),
    ...(source === undefined ? {} : { source }),
  }
}

function readSeries(r: Reader, value: unknown, p: string): TimeSeries {
  const o = r.object(value, p)
  const chart = r.optionalString(o['chart'], `${p}.chart`)
  return { name: r.string(o['name'], `${p}.name`), unit: r.string(o['unit'], `${p}.unit`), ...(chart === undefined ? {} : { chart }), points: r.points(o['points'], `${p}.points`) }
}

function readHistogram(r: Reader, value: unknown, p: string): NamedHistogram {
  const o = r.object(value, p)
  const problem = describeSerializedProblem(o['histogram'])
  if (problem !== null) r.problems.push(`${p}.histogram: ${problem}`)
  const description = r.optionalString(o['description'], `${p}.description`)
  return { name: r.string(o['name'], `${p}.name`), ...(description === undefined ? {} : { description }), histogram: o['histogram'] as SerializedHistogram }
}

function readChart(r: Reader, value: unknown, p: string): Chart {
  const o = r.object(value, p)
  const kind = r.oneOf(o['kind'], `${p}.kind`, ['xy', 'bars'] as const)
  const name = r.string(o['name'], `${p}.name`)
  const title = r.string(o['title'], `${p}.title`)
  if (kind === 'bars') {
    return {
      kind,
      name,
      title,
      unit: r.string(o['unit'], `${p}.unit`),
      groups: r.array(o['groups'], `${p}.groups`).map((g, i) => {
        const go = r.object(g, `${p}.groups[${i}]`)
        return {
          label: r.string(go['label'], `${p}.groups[${i}].label`),
          bars: r.array(go['bars'], `${p}.groups[${i}].bars`).map((b, j) => {
            const bo = r.object(b, `${p}.groups[${i}].bars[${j}]`)
            return { name: r.string(bo['name'], `${p}.groups[${i}].bars[${j}].name`), value: r.numberOrNull(bo['value'], `${p}.groups[${i}].bars[${j}].value`) }
          }),
        }
      }),
    }
  }
  const axis = (a: unknown, ap: string) => {
    const ao = r.object(a, ap)
    return { label: r.string(ao['label'], `${ap}.label`), unit: r.string(ao['unit'], `${ap}.unit`) }
  }
  let knee: XyKnee = null
  if (o['knee'] !== undefined && o['knee'] !== null) {
    const k = r.object(o['knee'], `${p}.knee`)
    knee = { lastGoodX: r.number(k['lastGoodX'], `${p}.knee.lastGoodX`), firstBadX: r.number(k['firstBadX'], `${p}.knee.firstBadX`), label: r.string(k['label'], `${p}.knee.label`) }
  }
  return {
    kind,
    name,
    title,
    x: axis(o['x'], `${p}.x`),
    y: axis(o['y'], `${p}.y`),
    series: r.array(o['series'], `${p}.series`).map((s, i) => {
      const so = r.object(s, `${p}.series[${i}]`)
      return { name: r.string(so['name'], `${p}.series[${i}].name`), points: r.points(so['points'], `${p}.series[${i}].points`) }
    }),
    knee,
  }
}

type XyKnee = Extract<Chart, { kind: 'xy' }>['knee']

function readTable(r: Reader, value: unknown, p: string): ReportTable {
  const o = r.object(value, p)
  const columns = r.array(o['columns'], `${p}.columns`).map((c, i) => r.string(c, `${p}.columns[${i}]`))
  const rows = r.array(o['rows'], `${p}.rows`).map((row, i) => {
    const cells = r.array(row, `${p}.rows[${i}]`)
    if (cells.length !== columns.length) r.problems.push(`${p}.rows[${i}]: expected ${columns.length} cells (one per column), got ${cells.length}`)
    return cells.map((c, j) => {
      if (c === null || typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c))) return c
      r.fail(`${p}.rows[${i}][${j}]`, 'a string, number or null', c)
      return null
    })
  })
  return { title: r.string(o['title'], `${p}.title`), columns, rows }
}

function readIntegrity(r: Reader, value: unknown): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, v] of Object.entries(r.object(value ?? {}, 'integrity'))) out[key] = r.number(v, `integrity.${key}`)
  return out
}
