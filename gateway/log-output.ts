/**
 * Where the gateway's pino lines go:
 *
 * - `--log-file PATH`: a rotating file (log-file.ts), for `ciralab stats` and the vendor's layout;
 * - stderr connected to the systemd journal: each line gets the kernel-style `<N>` priority
 *   prefix journald understands (SyslogLevelPrefix, on by default), so `journalctl -p warning`
 *   filters by level while `journalctl -o cat` still shows the bare JSON line;
 * - otherwise stderr, unchanged.
 *
 * The ready line is not a log line: it always goes to stdout (the journal under systemd).
 */

import type { Writable } from 'node:stream'
import { RotatingLogFile } from './log-file.js'

export interface LogFileSettings {
  readonly file: string | null
  readonly maxBytes: number
  readonly keep: number
}

export interface LogOutputIo {
  readonly stderr: NodeJS.WritableStream
  /** stderr is a systemd journal stream (see isJournalStream). */
  readonly journal: boolean
}

export interface LogOutput {
  /** What pino writes its lines to. */
  readonly stream: { write(line: string): void }
  /** For the start-up log line: `file /var/log/ciralab/mps.log`, `journal`, `stderr`. */
  readonly description: string
  /** SIGHUP: open the log file again (it may have been moved or deleted). */
  reopen(): void
  /** Write what is queued and close the file. */
  close(): Promise<void>
}

/** pino level number to syslog priority: fatal crit, error err, warn warning, info info, else debug. */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2
  if (level >= 50) return 3
  if (level >= 40) return 4
  if (level >= 30) return 6
  return 7
}

const LEVEL_FIELD = '{"level":'

/** `<N>` for one pino line (pino writes `level` first); info for anything else. */
export function journalPrefix(line: string): string {
  if (!line.startsWith(LEVEL_FIELD)) return '<6>'
  const end = line.indexOf(',', LEVEL_FIELD.length)
  const level = Number(line.slice(LEVEL_FIELD.length, end < 0 ? undefined : end))
  return `<${Number.isInteger(level) ? syslogPriority(level) : 6}>`
}

/**
 * systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stdout/stderr is the journal;
 * stderr is that stream only when its fstat matches (it may have been redirected).
 */
export function isJournalStream(journalStream: string | undefined, stderrStat: { dev: number; ino: number } | null): boolean {
  if (journalStream === undefined || stderrStat === null) return false
  const [dev, ino] = journalStream.split(':')
  return dev === String(stderrStat.dev) && ino === String(stderrStat.ino)
}

export function openLogOutput(settings: LogFileSettings, io: LogOutputIo): LogOutput {
  if (settings.file !== null) return fileOutput(settings.file, settings, io.stderr)
  const stderr = io.stderr as Writable
  if (io.journal) {
    return {
      stream: { write: (line: string) => void stderr.write(`${journalPrefix(line)}${line}`) },
      description: 'journal',
      reopen: () => undefined,
      close: () => Promise.resolve(),
    }
  }
  return { stream: stderr, description: 'stderr', reopen: () => undefined, close: () => Promise.resolve() }
}

function fileOutput(path: string, settings: LogFileSettings, stderr: NodeJS.WritableStream): LogOutput {
  // One stderr line per kind of failure, not one per retry: a full disk would flood the journal.
  let lastCode: string | undefined
  const file = new RotatingLogFile({
    path,
    maxBytes: settings.maxBytes,
    keep: settings.keep,
    onError: (error) => {
      const code = error.code ?? error.message
      if (code === lastCode) return
      lastCode = code
      stderr.write(`ciralab gateway: log file ${path}: ${code}; log lines are dropped until it can be written again\n`)
    },
  })
  return {
    stream: file,
    description: `file ${path}`,
    reopen: () => file.reopen(),
    close: () => file.close(),
  }
}
