/**
 * A TCP relay that puts a console "far away" from the gateway: every byte is held for half the
 * round-trip time in each direction before it is passed on. The vendor measured with the console
 * 220 ms from the gateway; the simulator's link model does the same on the device side.
 *
 * Bounded: each direction holds at most `maxQueuedBytes`; past that the sending socket is paused
 * until the line drains to half, and a destination that does not drain stops the line.
 */

import net from 'node:net'
import type { HostPort } from '../../conformance/target.js'

export interface DelayProxyOptions {
  readonly target: HostPort
  readonly rttMs: number
  /** Per direction and connection (default 256 KiB). */
  readonly maxQueuedBytes?: number
}

/** One direction of one connection: source → (delay) → destination. */
class DelayLine {
  private readonly queue: { readonly data: Buffer; readonly due: number }[] = []
  private head = 0
  private queued = 0
  private timer: NodeJS.Timeout | null = null
  private waitingForDrain = false
  private sourceEnded = false

  constructor(
    private readonly source: net.Socket,
    private readonly destination: net.Socket,
    private readonly delayMs: number,
    private readonly maxQueued: number,
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk))
    source.on('end', () => {
      this.sourceEnded = true
      this.flush()
    })
    destination.on('drain', () => {
      this.waitingForDrain = false
      this.flush()
    })
  }

  private push(chunk: Buffer): void {
    this.queue.push({ data: chunk, due: performance.now() + this.delayMs })
    this.queued += chunk.length
    if (this.queued > this.maxQueued) this.source.pause()
    this.arm()
  }

  private arm(): void {
    if (this.timer !== null || this.waitingForDrain) return
    const next = this.queue[this.head]
    if (next === undefined) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
    }, Math.max(0, next.due - performance.now()))
  }

  private flush(): void {
    const now = performance.now()
    while (!this.waitingForDrain) {
      const next = this.queue[this.head]
      if (next === undefined || next.due > now) break
      this.head++
      this.queued -= next.data.length
      if (!this.destination.write(next.data)) this.waitingForDrain = true
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    if (this.queued <= this.maxQueued / 2 && this.source.isPaused()) this.source.resume()
    if (this.head === this.queue.length && this.sourceEnded) this.destination.end()
    this.arm()
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }
}

export class DelayProxy {
  private readonly sockets = new Set<net.Socket>()
  private readonly lines = new Set<DelayLine>()

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static start(options: DelayProxyOptions): Promise<DelayProxy> {
    const server = net.createServer()
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        const proxy = new DelayProxy(server, typeof address === 'object' && address !== null ? address.port : 0)
        server.on('connection', (socket) => proxy.relay(socket, options))
        resolve(proxy)
      })
    })
  }

  get address(): HostPort {
    return { host: '127.0.0.1', port: this.port }
  }

  private relay(client: net.Socket, options: DelayProxyOptions): void {
    const upstream = net.connect({ host: options.target.host, port: options.target.port, noDelay: true })
    client.setNoDelay(true)
    const max = options.maxQueuedBytes ?? 256 * 1024
    const oneWay = options.rttMs / 2
    const lines = [new DelayLine(client, upstream, oneWay, max), new DelayLine(upstream, client, oneWay, max)]
    for (const line of lines) this.lines.add(line)
    const teardown = () => {
      for (const line of lines) {
        line.close()
        this.lines.delete(line)
      }
      client.destroy()
      upstream.destroy()
    }
    for (const socket of [client, upstream]) {
      this.sockets.add(socket)
      socket.on('error', teardown)
      // A clean close leaves the other direction to deliver what it still holds, then end.
      socket.on('close', (hadError) => {
        this.sockets.delete(socket)
        if (hadError) teardown()
        else if (client.destroyed && upstream.destroyed) teardown()
      })
    }
  }

  close(): Promise<void> {
    for (const line of this.lines) line.close()
    this.lines.clear()
    for (const socket of this.sockets) socket.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
