/**
 * Gates: thresholds a run must meet, e.g. `stability.disconnects == 0`. CI runs
 * `ciralab report run.json --gate gates.txt` and fails the build on any violation.
 *
 * File format (either):
 * - lines of `METRIC OP NUMBER`, where METRIC is `group.metric` in the report's results (or
 *   `integrity.counter`), OP one of == != < <= > >=; `#` starts a comment; blank lines ignored:
 *
 *       # stability scenario
 *       stability.disconnects == 0
 *       latency.gatewayAddedP99Ms <= 1     # ms
 *
 * - JSON: `{ "gates": [...] }` or a bare list, each item such a line as a string or
 *   `{ "metric": "...", "op": "<=", "value": 1 }`.
 *
 * A gate whose metric is missing from the report, or was not measured (null), is a violation:
 * a gate that cannot be checked must not pass silently.
 */

import { CiralabError, ErrorCode } from '../protocol/errors.js'
import { flattenMetrics, type AnyReport } from './model.js'
import { formatNumber } from './sections.js'

export const GATE_OPERATORS = ['==', '!=', '<=', '>=', '<', '>'] as const
export type GateOperator = (typeof GATE_OPERATORS)[number]

export interface Gate {
  readonly metric: string
  readonly op: GateOperator
  readonly value: number
  /** `file:line` (or `file: gates[i]`), for messages. */
  readonly where: string
}

export interface GateResult {
  readonly report: string
  readonly gate: Gate
  readonly actual: number | null
  readonly unit: string
  readonly status: 'passed' | 'failed' | 'missing' | 'not measured'
}

export class GateSyntaxError extends CiralabError {
  constructor(message: string) {
    super(ErrorCode.REPORT_ERR_GATE_SYNTAX, message)
    this.name = 'GateSyntaxError'
  }
}

const LINE = /^([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)\s*(==|!=|<=|>=|<|>)\s*(\S+)$/

function parseGateText(text: string, where: string): Gate {
  const match = LINE.exec(text.trim())
  if (match === null) throw new GateSyntaxError(`${where}: expected 'group.metric OP number' with OP one of ${GATE_OPERATORS.join(' ')}, got '${text.trim()}'`)
  const value = Number(match[3])
  if (!Number.isFinite(value)) throw new GateSyntaxError(`${where}: '${match[3]}' is not a number`)
  return { metric: match[1] as string, op: match[2] as GateOperator, value, where }
}

/** Gates from a file's text; throws GateSyntaxError naming the file and line. */
export function parseGates(text: string, fileName: string): Gate[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJsonGates(trimmed, fileName)
  const gates: Gate[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (line !== '') gates.push(parseGateText(line, `${fileName}:${i + 1}`))
  })
  if (gates.length === 0) throw new GateSyntaxError(`${fileName}: no gates found`)
  return gates
}

function parseJsonGates(text: string, fileName: string): Gate[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new GateSyntaxError(`${fileName}: not valid JSON (${(error as Error).message})`)
  }
  const list: unknown = Array.isArray(data) ? data : (data as Record<string, unknown>)['gates']
  if (!Array.isArray(list) || list.length === 0) throw new GateSyntaxError(`${fileName}: expected a non-empty list of gates, or { "gates": [...] }`)
  return list.map((item: unknown, i) => {
    const where = `${fileName}: gates[${i}]`
    if (typeof item === 'string') return parseGateText(item, where)
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    const op = o['op']
    if (typeof o['metric'] !== 'string' || typeof o['value'] !== 'number' || !(GATE_OPERATORS as readonly unknown[]).includes(op)) {
      throw new GateSyntaxError(`${where}: expected "metric OP number" or { "metric": string, "op": ${GATE_OPERATORS.join('|')}, "value": number }`)
    }
    return parseGateText(`${o['metric']} ${String(op)} ${o['value']}`, where)
  })
}

export function compare(actual: number, op: GateOperator, limit: number): boolean {
  // Values come from JSON arithmetic: equality allows float noise, never a real difference.
  const equal = Math.abs(actual - limit) <= 1e-9 * Math.max(1, Math.abs(limit))
  switch (op) {
    case '==':
      return equal
    case '!=':
      return !equal
    case '<':
      return actual < limit && !equal
    case '<=':
      return actual <= limit || equal
    case '>':
      return actual > limit && !equal
    case '>=':
      return actual >= limit || equal
  }
}

export function evaluateGates(gates: readonly Gate[], report: AnyReport, label: string): GateResult[] {
  const metrics = flattenMetrics(report)
  return gates.map((gate) => {
    const metric = metrics.get(gate.metric)
    if (metric === undefined) return { report: label, gate, actual: null, unit: '', status: 'missing' }
    if (metric.value === null) return { report: label, gate, actual: null, unit: metric.unit, status: 'not measured' }
    return { report: label, gate, actual: metric.value, unit: metric.unit, status: compare(metric.value, gate.op, gate.value) ? 'passed' : 'failed' }
  })
}

/** The violations as a table: report, gate, actual value, why. */
export function formatGateViolations(results: readonly GateResult[]): string[][] {
  return results
    .filter((r) => r.status !== 'passed')
    .map((r) => [r.report, `${r.gate.metric} ${r.gate.op} ${formatNumber(r.gate.value)}`, r.actual === null ? '—' : `${formatNumber(r.actual)}${r.unit === '' || r.unit === 'count' ? '' : ` ${r.unit}`}`, r.status === 'failed' ? 'failed' : `metric ${r.status}`, r.gate.where])
}
