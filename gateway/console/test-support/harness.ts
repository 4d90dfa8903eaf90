/**
 * Start a console listener on 127.0.0.1:0 over a FakeDirectory, collect its events, and drive
 * the tunnel service through a socket (upload-and-hash, download-and-hash).
 */

import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type net from 'node:net'
import pino from 'pino'
import type { ConsoleListener, ConsoleProxyOptions } from '../context.js'
import type { DeviceDirectory } from '../directory.js'
import type { ConsoleEvent } from '../events.js'
import { createHttpProxy } from '../http-proxy.js'
import { createSocksProxy } from '../socks5-server.js'
import { patternBytes } from './fake-devices.js'

export const ALLOWED = new Set([16992, 16993, 16994, 16995])

export interface RunningProxy {
  readonly listener: ConsoleListener
  readonly port: number
  readonly events: ConsoleEvent[]
}

export async function startProxy(kind: 'http' | 'socks', directory: DeviceDirectory, overrides: Partial<ConsoleProxyOptions> = {}): Promise<RunningProxy> {
  const events: ConsoleEvent[] = []
  const options: ConsoleProxyOptions = {
    directory,
    allowedPorts: ALLOWED,
    logger: pino({ level: 'silent' }),
    onEvent: (event) => events.push(event),
    ...overrides,
  }
  const listener = kind === 'http' ? createHttpProxy(options) : createSocksProxy(options)
  await new Promise<void>((resolve) => listener.server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return { listener, port: (listener.server.address() as AddressInfo).port, events }
}

/** Poll until `check` holds (generous deadline: 2 shared cores). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export function eventsOf<T extends ConsoleEvent['type']>(events: readonly ConsoleEvent[], type: T): Extract<ConsoleEvent, { type: T }>[] {
  return events.filter((e): e is Extract<ConsoleEvent, { type: T }> => e.type === type)
}

function command(letter: 'U' | 'D', n: number): Buffer {
  const out = Buffer.alloc(9)
  out.write(letter, 0, 'latin1')
  out.writeBigUInt64BE(BigInt(n), 1)
  return out
}

/** Read exactly `n` bytes from the socket (resumes it). */
export function readBytes(socket: net.Socket, n: number, onChunk: (chunk: Buffer) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let left = n
    const onData = (chunk: Buffer): void => {
      const take = Math.min(left, chunk.length)
      onChunk(chunk.subarray(0, take))
      left -= take
      if (left === 0) {
        cleanup()
        if (take < chunk.length) socket.unshift(chunk.subarray(take))
        resolve()
      }
    }
    const onEnd = (): void => {
      cleanup()
      reject(new Error(`stream ended ${left} bytes short`))
    }
    const cleanup = (): void => {
      socket.removeListener('data', onData)
      socket.removeListener('end', onEnd)
      socket.removeListener('error', onEnd)
      socket.pause()
    }
    if (n === 0) return resolve()
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('error', onEnd)
    socket.resume()
  })
}

/** Send `n` pattern bytes through the tunnel; resolves with the sha256 the device computed. */
export async function uploadThroughTunnel(socket: net.Socket, n: number): Promise<string> {
  const digest = Buffer.alloc(32)
  let at = 0
  const reply = readBytes(socket, 32, (chunk) => {
    chunk.copy(digest, at)
    at += chunk.length
  })
  socket.write(command('U', n))
  for (let offset = 0; offset < n; offset += 256 * 1024) {
    const more = socket.write(patternBytes(offset, Math.min(256 * 1024, n - offset)))
    if (!more) await new Promise((resolve) => socket.once('drain', resolve))
  }
  await reply
  return digest.toString('hex')
}

/** Ask the device for `n` pattern bytes; resolves with the sha256 of what arrived. */
export async function downloadThroughTunnel(socket: net.Socket, n: number): Promise<string> {
  const hash = createHash('sha256')
  const done = readBytes(socket, n, (chunk) => hash.update(chunk))
  socket.write(command('D', n))
  await done
  return hash.digest('hex')
}

export function startDownload(socket: net.Socket, n: number): void {
  socket.write(command('D', n))
}
