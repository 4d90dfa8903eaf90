import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DelayProxy } from './delay-proxy.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** An echo server on loopback. */
async function echo(): Promise<number> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.pipe(s)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closers.push(() => {
    for (const s of sockets) s.destroy()
    return new Promise((r) => server.close(r))
  })
  return (server.address() as net.AddressInfo).port
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s))
    s.once('error', reject)
    closers.push(async () => void s.destroy())
  })
}

function read(socket: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    let n = 0
    const onData = (d: Buffer) => {
      parts.push(d)
      n += d.length
      if (n >= bytes) {
        socket.removeListener('data', onData)
        resolve(Buffer.concat(parts))
      }
    }
    socket.on('data', onData)
  })
}

describe('delay proxy', () => {
  it('holds every byte for the round-trip time and delivers them in order, unchanged', async () => {
    const proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port: await echo() }, rttMs: 120 })
    closers.push(() => proxy.close())
    const socket = await connect(proxy.port)
    const sent = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251))
    const started = performance.now()
    const got = read(socket, sent.length)
    socket.write(sent.subarray(0, 1000))
    socket.write(sent.subarray(1000))
    const back = await got
    // The echo passes the relay twice: half the RTT each way, each way twice.
    expect(performance.now() - started).toBeGreaterThanOrEqual(115)
    expect(back.equals(sent)).toBe(true)
  })

  it('a half-close reaches the far side after the bytes before it', async () => {
    const received: Buffer[] = []
    const ended = new Promise<void>((resolve) => {
      const server = net.createServer((s) => {
        s.on('data', (d: Buffer) => received.push(d))
        s.on('end', () => {
          s.end()
          resolve()
        })
      })
      server.listen(0, '127.0.0.1', () => {
        void (async () => {
          const proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, rttMs: 40 })
          closers.push(() => proxy.close(), () => new Promise((r) => server.close(r)))
          const socket = await connect(proxy.port)
          socket.end('last words')
        })()
      })
    })
    await ended
    expect(Buffer.concat(received).toString()).toBe('last words')
  })
})
