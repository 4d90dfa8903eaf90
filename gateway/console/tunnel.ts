/**
 * A byte tunnel between a console socket and a device channel (CONNECT and SOCKS5), with
 * backpressure both ways through `pipe`: when the channel's window is spent its `write()`
 * returns false and the console socket is paused; when the console does not drain, the channel
 * is paused and the device gets no window credit. Nothing here queues beyond the streams'
 * own high-water marks.
 *
 * Either side ending ends the other (APF has no half-close, so a console FIN closes the
 * channel); either side failing destroys the other.
 */

import type { Duplex } from 'node:stream'

export interface TunnelTotals {
  readonly bytesToDevice: number
  readonly bytesToConsole: number
  readonly aborted: boolean
}

/**
 * Relay until both sides are closed, then call `done` once. `early` holds bytes the console
 * sent before the tunnel existed (pipelined after CONNECT or the SOCKS5 request).
 */
export function runTunnel(consoleSocket: Duplex, channel: Duplex, early: Buffer, done: (totals: TunnelTotals) => void): void {
  if (consoleSocket.destroyed) {
    channel.destroy()
    done({ bytesToDevice: 0, bytesToConsole: 0, aborted: true })
    return
  }
  let bytesToDevice = 0
  let bytesToConsole = 0
  let aborted = false
  let open = 2
  const closedOne = (): void => {
    open -= 1
    if (open === 0) done({ bytesToDevice, bytesToConsole, aborted })
  }
  consoleSocket.on('error', () => {
    aborted = true
    channel.destroy()
  })
  channel.on('error', () => {
    aborted = true
    consoleSocket.destroy()
  })
  consoleSocket.on('close', () => {
    // The console is gone: nobody is left to read what the device still sends.
    if (!channel.destroyed) channel.destroy()
    closedOne()
  })
  channel.on('close', () => {
    // A channel that ended cleanly lets `pipe` flush and end the console socket; one that
    // closed without ending (device lost, channel reset) takes the console socket with it.
    if (!channel.readableEnded) {
      aborted = true
      consoleSocket.destroy()
    }
    closedOne()
  })
  consoleSocket.on('data', (chunk: Buffer) => {
    bytesToDevice += chunk.length
  })
  channel.on('data', (chunk: Buffer) => {
    bytesToConsole += chunk.length
  })
  if (early.length > 0) {
    bytesToDevice += early.length
    channel.write(early)
  }
  consoleSocket.pipe(channel)
  channel.pipe(consoleSocket)
}
