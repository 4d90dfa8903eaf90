/**
 * The console sockets of one listener, so `close(drainMs)` can wait for them and then end the
 * stragglers.
 */

import type { Server, Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export class ConsoleConnections {
  private readonly sockets = new Set<Socket>()
  private readonly idleWaiters: (() => void)[] = []

  get size(): number {
    return this.sockets.size
  }

  add(socket: Socket): void {
    this.sockets.add(socket)
    socket.once('close', () => {
      this.sockets.delete(socket)
      if (this.sockets.size === 0) this.idleWaiters.splice(0).forEach((wake) => wake())
    })
  }

  /** Resolves when no socket is left, or after `drainMs` with every remaining socket destroyed. */
  async drain(drainMs: number): Promise<void> {
    if (this.sockets.size === 0) return
    let timer: NodeJS.Timeout | undefined
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, drainMs))
    })
    await Promise.race([idle, deadline])
    clearTimeout(timer)
    if (this.sockets.size === 0) return
    const gone = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    for (const socket of this.sockets) socket.destroy()
    await gone
  }
}

// How long a socket we have answered and ended may stay half-open before we destroy it.
const LINGER_MS = 2_000

/**
 * Send `bytes` (if any) and end the socket, discarding whatever the peer still sends so the
 * answer is not lost to a reset; destroy it if the peer has not closed within a short linger.
 */
export function endAndLinger(socket: Duplex, bytes: Buffer | string | null): void {
  if (socket.destroyed) return
  socket.removeAllListeners('data')
  socket.on('error', () => undefined)
  const timer = setTimeout(() => socket.destroy(), LINGER_MS)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
  if (bytes === null) socket.end()
  else socket.end(bytes)
  socket.resume()
}

/** Stop accepting, drain, then wait for the server itself to close. */
export async function closeServer(server: Server, connections: ConsoleConnections, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) resolve()
    else server.close(() => resolve())
  })
  await connections.drain(drainMs)
  await closed
}
