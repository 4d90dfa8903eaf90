import { fstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { isJournalStream, journalPrefix, openLogOutput, syslogPriority } from './log-output.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function sink(): { stream: Writable; text: () => string } {
  let text = ''
  return { stream: new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }), text: () => text }
}

describe('log output', () => {
  it('maps pino levels to syslog priorities', () => {
    expect([10, 20, 30, 40, 50, 60].map(syslogPriority)).toEqual([7, 7, 6, 4, 3, 2])
    expect(journalPrefix('{"level":50,"time":"x"}\n')).toBe('<3>')
    expect(journalPrefix('{"level":30}\n')).toBe('<6>')
    expect(journalPrefix('not json\n')).toBe('<6>')
  })

  it('prefixes every line with its priority when stderr is the journal', () => {
    const err = sink()
    const output = openLogOutput({ file: null, maxBytes: 1024, keep: 1 }, { stderr: err.stream, journal: true })
    const logger = pino({ level: 'debug' }, output.stream)
    logger.debug('d')
    logger.info('i')
    logger.warn('w')
    logger.error('e')
    logger.fatal('f')
    const lines = err.text().trim().split('\n')
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['<7>', '<6>', '<4>', '<3>', '<2>'])
    expect(JSON.parse(lines[3]?.slice(3) ?? '')).toMatchObject({ level: 50, msg: 'e' })
    expect(output.description).toBe('journal')
  })

  it('leaves lines alone on plain stderr', () => {
    const err = sink()
    const output = openLogOutput({ file: null, maxBytes: 1024, keep: 1 }, { stderr: err.stream, journal: false })
    pino({}, output.stream).info('plain')
    expect(err.text()).toMatch(/^\{"level":30,/)
    expect(output.description).toBe('stderr')
  })

  it('writes to the rotating file when one is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-logout-'))
    dirs.push(dir)
    const err = sink()
    const output = openLogOutput({ file: join(dir, 'mps.log'), maxBytes: 4096, keep: 2 }, { stderr: err.stream, journal: true })
    pino({}, output.stream).info({ event: 'device-connected' }, 'hello')
    await output.close()
    expect(JSON.parse(readFileSync(join(dir, 'mps.log'), 'utf8'))).toMatchObject({ event: 'device-connected', msg: 'hello' })
    expect(output.description).toBe(`file ${join(dir, 'mps.log')}`)
    expect(err.text()).toBe('')
  })

  it('says on stderr, once, when the log file cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-logout-'))
    dirs.push(dir)
    const err = sink()
    const output = openLogOutput({ file: join(dir, 'logs', 'mps.log'), maxBytes: 1024, keep: 2 }, { stderr: err.stream, journal: false })
    const logger = pino({}, output.stream)
    for (let i = 0; i < 5; i++) logger.info({ pad: 'x'.repeat(300) }, 'filling the file')
    rmSync(join(dir, 'logs'), { recursive: true })
    // The next rotation cannot open a new file: reported once, lines dropped, nothing thrown.
    for (let i = 0; i < 10; i++) logger.info({ pad: 'x'.repeat(300) }, 'after the folder went away')
    await output.close()
    expect(err.text()).toBe(`ciralab gateway: log file ${join(dir, 'logs', 'mps.log')}: ENOENT; log lines are dropped until it can be written again\n`)
  })

  it('recognises the journal only when JOURNAL_STREAM names stderr itself', () => {
    const stat = fstatSync(2)
    expect(isJournalStream(`${stat.dev}:${stat.ino}`, stat)).toBe(true)
    expect(isJournalStream(`${stat.dev}:${stat.ino + 1}`, stat)).toBe(false)
    expect(isJournalStream(undefined, stat)).toBe(false)
  })
})
