import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { LinkedSocket } from './link.js'
import { Harness, untilState } from './test-support/harness.js'
import { TimerWheel } from './wheel.js'
import { serveEcho } from './test-support/echo-service.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function server(onSocket: (socket: net.Socket) => void): Promise<number> {
  const s = net.createServer(onSocket)
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => s.close())
  return (s.address() as net.AddressInfo).port
}

function wheel(): TimerWheel {
  const w = new TimerWheel({ tickMs: 2 })
  cleanups.push(() => w.close())
  return w
}

function writeAll(stream: NodeJS.WritableStream, total: number, chunk = 16 * 1024): void {
  let sent = 0
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk, total - sent)
      sent += n
      if (!stream.write(Buffer.alloc(n, 0x5a))) {
        stream.once('drain', pump)
        return
      }
    }
  }
  pump()
}

function within10(rate: number, configured: number): void {
  expect(Math.abs(rate - configured) / configured).toBeLessThan(0.1)
}

describe('the link model', () => {
  it('holds downlink and uplink to their bandwidth within 10%, both at once', async () => {
    const down = 200_000
    const up = 150_000
    const total = 300_000
    let uplinkDone: (rate: number) => void = () => undefined
    const uplinkRate = new Promise<number>((resolve) => (uplinkDone = resolve))
    const port = await server((socket) => {
      writeAll(socket, total)
      let got = 0
      const started = performance.now()
      socket.on('data', (d: Buffer) => {
        got += d.length
        if (got === total) uplinkDone(total / ((performance.now() - started) / 1000))
      })
      socket.on('error', () => undefined)
    })
    const raw = net.connect(port, '127.0.0.1')
    const link = new LinkedSocket(raw, { downlinkBytesPerSecond: down, uplinkBytesPerSecond: up, rttMs: 0 }, wheel())
    cleanups.push(() => link.destroy())
    await new Promise((resolve) => link.once('connect', resolve))
    const started = performance.now()
    writeAll(link, total)
    const downlinkRate = await new Promise<number>((resolve) => {
      let got = 0
      link.on('data', (d: Buffer) => {
        got += d.length
        if (got === total) resolve(total / ((performance.now() - started) / 1000))
      })
    })
    within10(downlinkRate, down)
    within10(await uplinkRate, up)
  })

  it('adds the round-trip time, half each way', async () => {
    const port = await server((socket) => socket.pipe(socket))
    const raw = net.connect(port, '127.0.0.1')
    const link = new LinkedSocket(raw, { downlinkBytesPerSecond: 0, uplinkBytesPerSecond: 0, rttMs: 100 }, wheel())
    cleanups.push(() => link.destroy())
    await new Promise((resolve) => link.once('connect', resolve))
    const rtts: number[] = []
    for (let i = 0; i < 3; i++) {
      const t = performance.now()
      link.write(Buffer.from([i]))
      await new Promise((resolve) => link.once('data', resolve))
      rtts.push(performance.now() - t)
    }
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(99)
    expect(Math.min(...rtts)).toBeLessThan(300)
  })

  it('stops reading the socket when a slow consumer lets the downlink queue fill', async () => {
    let serverSocket: net.Socket | null = null
    const port = await server((socket) => {
      serverSocket = socket
      writeAll(socket, 4 * 1024 * 1024)
      socket.on('error', () => undefined)
    })
    const raw = net.connect(port, '127.0.0.1')
    const link = new LinkedSocket(raw, { downlinkBytesPerSecond: 0, uplinkBytesPerSecond: 0, rttMs: 20, maxQueuedBytes: 64 * 1024 }, wheel())
    cleanups.push(() => link.destroy())
    link.pause()
    await new Promise((r) => setTimeout(r, 400))
    expect(raw.isPaused()).toBe(true)
    expect(link.readableLength).toBeLessThan(1024 * 1024)
    expect((serverSocket as net.Socket | null)?.writableLength ?? 0).toBeGreaterThan(0)
  })
})

describe('the link model under a device', () => {
  it('carries a TLS tunnel: the handshake pays the round trips, channel data arrives intact', async () => {
    const services = new Map([[16992, serveEcho]])
    const h = await new Harness({ services, profile: { link: { rttMs: 40, downlinkBytesPerSecond: 400_000, uplinkBytesPerSecond: 400_000 } } }).start()
    cleanups.push(() => h.close())
    const device = h.device(0)
    const t = performance.now()
    device.start()
    await untilState(device, 'connected')
    // TCP + TLS 1.2 (2 round trips) + the APF sequence (at least 10 more): well over 12 × 40 ms.
    expect(performance.now() - t).toBeGreaterThan(480)
    const session = [...h.gateway.sessions][0]
    if (session === undefined) throw new Error('no session')
    const channel = await session.openChannel(16992)
    const payload = randomBytes(100_000)
    const echoed = await new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = []
      let got = 0
      channel.on('data', (d: Buffer) => {
        parts.push(d)
        got += d.length
        if (got === payload.length) resolve(Buffer.concat(parts))
      })
      channel.write(payload)
    })
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
    expect(sha(echoed)).toBe(sha(payload))
  })
})
