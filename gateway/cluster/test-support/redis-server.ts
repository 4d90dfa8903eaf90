/**
 * A real redis-server (Debian's package) for the cluster tests: a free loopback port, a temp
 * folder, no persistence (so a restart loses everything, as a crashed cache would), stopped
 * and removed at the end. `restart()` comes back on the same port.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  readonly port: number
  readonly url: string
  stop(): Promise<void>
  start(): Promise<void>
  /** Stop and start again on the same port, empty. */
  restart(): Promise<void>
  /** Remove folder and process; call once at the end. */
  close(): Promise<void>
}

export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

/**
 * A free port below the kernel's ephemeral range (32768 and up here). A port inside it can be
 * taken by any outgoing connection while Redis is stopped, and a client retrying a port with
 * no listener can even connect to itself; either would break the restart test.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error('no free port in 20000..32000')
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export async function startTestRedis(): Promise<TestRedis> {
  if (!redisServerAvailable()) throw new Error('redis-server is not installed (Debian package redis-server; npm test installs it as root)')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-redis-'))
  let child: ChildProcess | null = null
  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', join(dir, 'redis.log')]
    child = spawn('redis-server', args, { stdio: 'ignore' })
    await waitForPort(port, 10_000)
  }
  const stop = async () => {
    const c = child
    child = null
    if (c === null || c.exitCode !== null) return
    const exited = new Promise((resolve) => c.once('exit', resolve))
    c.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    restart: async () => {
      await stop()
      await start()
    },
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
