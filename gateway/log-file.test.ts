import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { LogFileError, RotatingLogFile, rotatedName } from './log-file.js'

const dirs: string[] = []
const files: RotatingLogFile[] = []
afterEach(async () => {
  for (const f of files.splice(0)) await f.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-logfile-'))
  dirs.push(dir)
  return dir
}

function open(options: Partial<ConstructorParameters<typeof RotatingLogFile>[0]> & { path: string }): RotatingLogFile {
  const file = new RotatingLogFile({ maxBytes: 1000, keep: 3, ...options })
  files.push(file)
  return file
}

/** A 100-byte line (99 characters and the newline) carrying its number. */
function line(n: number): string {
  const head = `{"n":${n},"pad":"`
  return `${head}${'x'.repeat(99 - head.length - 2)}"}\n`
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '')
const numbers = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { n?: number }).n)

describe('RotatingLogFile', () => {
  it('rotates before a file would pass maxBytes: PATH.1 newest, at most `keep` rotated files', async () => {
    const path = join(tempDir(), 'mps.log')
    const file = open({ path, maxBytes: 1000, keep: 3 })
    for (let n = 0; n < 45; n++) expect(file.write(line(n))).toBe(true)
    await file.flush()
    // 45 lines of 100 bytes: 10 per file, so 4 rotations; lines 0-4 went with the file dropped.
    expect(file.rotations).toBe(4)
    expect(numbers(read(path))).toEqual([40, 41, 42, 43, 44])
    expect(numbers(read(rotatedName(path, 1)))).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39])
    expect(numbers(read(rotatedName(path, 3)))).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
    expect(existsSync(rotatedName(path, 4))).toBe(false)
    for (const n of [0, 1, 2, 3]) expect(statSync(rotatedName(path, n)).size).toBeLessThanOrEqual(1000)
  })

  it('counts what is already in the file, and gives a line longer than maxBytes a file of its own', async () => {
    const path = join(tempDir(), 'mps.log')
    writeFileSync(path, line(0).repeat(9))
    const file = open({ path, maxBytes: 1000 })
    file.write(line(1))
    file.write(`${JSON.stringify({ n: 2, pad: 'y'.repeat(1500) })}\n`)
    file.write(line(3))
    await file.flush()
    expect(numbers(read(rotatedName(path, 2)))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    expect(numbers(read(rotatedName(path, 1)))).toEqual([2])
    expect(numbers(read(path))).toEqual([3])
  })

  it('keep 0 starts the file again empty', async () => {
    const path = join(tempDir(), 'mps.log')
    const file = open({ path, maxBytes: 1000, keep: 0 })
    for (let n = 0; n < 15; n++) file.write(line(n))
    await file.flush()
    expect(numbers(read(path))).toEqual([10, 11, 12, 13, 14])
    expect(existsSync(rotatedName(path, 1))).toBe(false)
  })

  it('bounds its queue: lines over maxBufferedBytes are dropped, counted and reported in the file', async () => {
    const path = join(tempDir(), 'mps.log')
    const file = open({ path, maxBytes: 1_000_000, maxBufferedBytes: 1000 })
    // Written in one go: the first line is in flight, ten more fit the queue, the rest are dropped.
    const accepted = Array.from({ length: 50 }, (_, n) => file.write(line(n)))
    expect(accepted.filter((a) => !a).length).toBe(39)
    expect(file.dropped).toBe(39)
    await file.flush()
    const lines = read(path).trim().split('\n').map((l) => JSON.parse(l) as { n?: number; event?: string; dropped?: number; level?: number })
    expect(lines.map((l) => l.n).filter((n) => n !== undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(lines[1]).toMatchObject({ level: 40, event: 'log-lines-dropped', dropped: 39 })
  })

  it('reopens the path after the file was moved away (SIGHUP)', async () => {
    const dir = tempDir()
    const path = join(dir, 'mps.log')
    const file = open({ path })
    file.write(line(1))
    await file.flush()
    renameSync(path, join(dir, 'moved.log'))
    file.write(line(2))
    await file.flush()
    file.reopen()
    file.write(line(3))
    await file.flush()
    expect(numbers(read(join(dir, 'moved.log')))).toEqual([1, 2])
    expect(numbers(read(path))).toEqual([3])
  })

  it('survives its folder disappearing: reports the error once, drops what it held, writes again after the retry', async () => {
    const dir = join(tempDir(), 'logs')
    const path = join(dir, 'mps.log')
    const errors: string[] = []
    const file = open({ path, maxBytes: 1000, retryDelayMs: 20, onError: (e) => errors.push(e.code ?? '') })
    for (let n = 0; n < 10; n++) file.write(line(n))
    await file.flush()
    rmSync(dir, { recursive: true })
    // The 11th line needs a rotation, whose open fails: the queue is dropped, a retry is set.
    file.write(line(10))
    await file.flush()
    expect(errors).toEqual(['ENOENT'])
    expect(file.dropped).toBe(1)
    const deadline = Date.now() + 10_000
    while (!existsSync(path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    file.write(line(11))
    await file.flush()
    const lines = read(path).trim().split('\n').map((l) => JSON.parse(l) as { n?: number; event?: string; dropped?: number })
    expect(lines).toEqual([expect.objectContaining({ event: 'log-lines-dropped', dropped: 1 }), expect.objectContaining({ n: 11 })])
  })

  it('close() writes everything queued; later lines are dropped', async () => {
    const path = join(tempDir(), 'mps.log')
    const file = new RotatingLogFile({ path, maxBytes: 10_000, keep: 1 })
    for (let n = 0; n < 20; n++) file.write(line(n))
    await file.close()
    expect(numbers(read(path))).toHaveLength(20)
    expect(file.write(line(99))).toBe(false)
    expect(file.dropped).toBe(1)
  })

  it('fails at start-up with a clear error when the path cannot be opened', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'not-a-folder'), '')
    const attempt = () => new RotatingLogFile({ path: join(dir, 'not-a-folder', 'mps.log'), maxBytes: 1000, keep: 1 })
    expect(attempt).toThrow(LogFileError)
    expect(attempt).toThrow(/cannot open the log file .*not-a-folder\/mps\.log: (ENOTDIR|EEXIST)/)
    try {
      attempt()
    } catch (error) {
      expect((error as LogFileError).code).toBe(ErrorCode.GW_ERR_LOG_FILE)
    }
  })
})
