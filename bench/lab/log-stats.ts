/**
 * The vendor's statistics report (`ciralab stats`) over the log the gateway wrote during a run,
 * as a report table: what the gateway itself says happened, next to what the bench measured.
 */

import { collectStats, type LogCounts } from '../../reports/stats.js'
import type { ReportTable } from '../../reports/model.js'

const LABELS: Readonly<Record<keyof LogCounts, string>> = {
  deviceConnectionsOpened: 'device connections opened',
  deviceConnectionsClosed: 'device connections closed',
  deviceConnectionsClosedExpected: '… of which expected',
  deviceConnectionsClosedUnexpected: '… of which unexpected',
  consoleConnectionsOpened: 'console connections opened',
  consoleConnectionsClosed: 'console connections closed',
  apfAuthFailures: 'APF authentication failures',
  socksAuthFailures: 'SOCKS authentication failures',
  blockedUdpConnections: 'blocked UDP connections',
  blockedTcpConnections: 'blocked TCP connections',
  connectionErrors: 'connection errors',
  generalErrors: 'general errors',
}

/** Null when there is no log or it cannot be read (an external target's log may be elsewhere). */
export async function logStatsTable(logPath: string | null, from: Date, until: Date): Promise<ReportTable | null> {
  if (logPath === null) return null
  try {
    const stats = await collectStats(logPath, { from, until })
    const rows = (Object.keys(LABELS) as (keyof LogCounts)[]).map((key) => [LABELS[key], stats.counts[key]] as const)
    return { title: `Gateway log statistics (ciralab stats over ${stats.files.length} file(s), ${stats.lines.inPeriod} lines in the run)`, columns: ['event', 'count'], rows }
  } catch {
    return null
  }
}
