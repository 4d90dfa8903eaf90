/**
 * Server-Sent Events for /api/v1/events. One shared heartbeat timer for all clients; a client
 * that does not read (more than `maxBuffered` bytes waiting) is dropped rather than buffered.
 */

import type { ServerResponse } from 'node:http'
import type { GatewayEvent, GatewayEvents } from '../events.js'

const HEARTBEAT_MS = 15_000

export class EventStreamHub {
  private readonly clients = new Set<ServerResponse>()
  private readonly events: GatewayEvents
  private readonly maxBuffered: number
  private unsubscribe: (() => void) | null = null
  private heartbeat: NodeJS.Timeout | null = null

  constructor(events: GatewayEvents, maxBuffered = 1024 * 1024) {
    this.events = events
    this.maxBuffered = maxBuffered
  }

  get size(): number {
    return this.clients.size
  }

  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    res.write(': ciralab gateway events\nretry: 3000\n\n')
    this.clients.add(res)
    res.on('close', () => this.detach(res))
    if (this.unsubscribe === null) this.unsubscribe = this.events.subscribe((event) => this.broadcast(event))
    if (this.heartbeat === null) {
      this.heartbeat = setInterval(() => this.send(': keepalive\n\n'), HEARTBEAT_MS)
      this.heartbeat.unref()
    }
  }

  close(): void {
    for (const res of this.clients) res.end()
    this.clients.clear()
    this.stop()
  }

  private detach(res: ServerResponse): void {
    this.clients.delete(res)
    if (this.clients.size === 0) this.stop()
  }

  private stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = null
    if (this.heartbeat !== null) clearInterval(this.heartbeat)
    this.heartbeat = null
  }

  private broadcast(event: GatewayEvent): void {
    this.send(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
  }

  private send(text: string): void {
    for (const res of this.clients) {
      if (res.writableLength > this.maxBuffered) {
        res.destroy()
        continue
      }
      res.write(text)
    }
  }
}
