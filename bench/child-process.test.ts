import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../protocol/errors.js'
import { ChildExitedError, ChildProgram, ChildTimeoutError, ciralabCommand } from './child-process.js'

const started: ChildProgram[] = []

/** A node child running `code`, stopped after the test whatever happens. */
function node(code: string, extra: Partial<Parameters<typeof ChildProgram.start>[0]> = {}): ChildProgram {
  const child = ChildProgram.start({ command: process.execPath, args: ['-e', code], label: 'test-child', ...extra })
  started.push(child)
  return child
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.stop(1000)))
})

describe('child program', () => {
  it('waits for the ready line among other output, then stops with SIGTERM', async () => {
    const lines: string[] = []
    const child = node(
      `console.log('starting up'); console.log(JSON.stringify({event:'config'}));
       setTimeout(() => console.log(JSON.stringify({event:'ready', port: 4433})), 50);
       process.on('SIGTERM', () => { console.log('bye'); process.exit(0) }); setInterval(() => {}, 1000)`,
      { onLine: (l) => lines.push(l) },
    )
    expect(child.pid).toBeGreaterThan(0)
    const ready = await child.waitForJson((m) => m['event'] === 'ready', 10_000)
    expect(ready).toEqual({ event: 'ready', port: 4433 })
    // Lines printed before a wait began are still there for a later wait.
    expect(await child.waitForJson((m) => m['event'] === 'config', 1000)).toEqual({ event: 'config' })
    const status = await child.stop()
    expect(status).toEqual({ code: 0, signal: null })
    expect(lines).toEqual(['starting up', '{"event":"config"}', '{"event":"ready","port":4433}', 'bye'])
  })

  it('fails clearly with the stderr tail when the child exits before the line', async () => {
    const child = node(`console.error('cannot bind port 4433: EADDRINUSE'); process.exit(3)`)
    const error = await child.waitForJson((m) => m['event'] === 'ready', 10_000).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChildExitedError)
    expect((error as ChildExitedError).code).toBe(ErrorCode.BENCH_ERR_CHILD_EXITED)
    expect((error as ChildExitedError).message).toMatch(/test-child exited with status 3 .*\n.*EADDRINUSE/s)
    expect(child.exitStatus).toEqual({ code: 3, signal: null })
  })

  it('gives up at the deadline, quoting stderr', async () => {
    const child = node(`console.error('still loading'); console.log('{"event":"booted"}'); setInterval(() => {}, 1000)`)
    // Node's start-up takes a while on a busy machine: the deadline under test starts once it runs.
    await child.waitForJson((m) => m['event'] === 'booted', 10_000)
    const error = await child.waitForJson((m) => m['event'] === 'ready', 300).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChildTimeoutError)
    expect((error as ChildTimeoutError).code).toBe(ErrorCode.BENCH_ERR_CHILD_TIMEOUT)
    expect((error as ChildTimeoutError).message).toMatch(/within 300 ms.*still loading/s)
  })

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const child = node(`process.on('SIGTERM', () => {}); console.log('{"event":"ready"}'); setInterval(() => {}, 1000)`)
    await child.waitForJson((m) => m['event'] === 'ready', 10_000)
    const status = await child.stop(300)
    expect(status.signal).toBe('SIGKILL')
  })

  it('drops over-long stdout lines instead of buffering them', async () => {
    const child = node(`process.stdout.write('x'.repeat(200000) + '\\n' + 'y'.repeat(5000)); process.stdout.write('\\n{"event":"ready"}\\n')`, { maxLineBytes: 1024 })
    expect(await child.waitForJson((m) => m['event'] === 'ready', 10_000)).toEqual({ event: 'ready' })
    expect(child.droppedLines).toBe(2)
  })

  it('keeps only a bounded tail of stderr', async () => {
    const child = node(`process.stderr.write('a'.repeat(100000) + 'THE END')`, { stderrTailBytes: 64 })
    await child.exited
    expect(child.stderrTail()).toHaveLength(64)
    expect(child.stderrTail().endsWith('THE END')).toBe(true)
  })

  it('reports a command that cannot be started', async () => {
    const child = ChildProgram.start({ command: '/nonexistent/ciralab-gateway' })
    started.push(child)
    const status = await child.exited
    expect(status.error).toMatch(/ENOENT/)
    await expect(child.waitForJson(() => true, 1000)).rejects.toThrow(/could not start/)
  })

  it('builds the ciralab command line from this checkout', () => {
    const c = ciralabCommand(['gateway', '--port', '0'])
    expect(c.command).toBe(process.execPath)
    expect(c.args[0]).toMatch(/bin[/\\]ciralab\.js$/)
    expect(c.args.slice(1)).toEqual(['gateway', '--port', '0'])
  })
})
