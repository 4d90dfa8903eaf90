/**
 * The console side of a case: tunnels through the target's SOCKS5 or HTTP proxy (the consoles/
 * clients), and a channel opened that way to a probe device, confirmed with the window the
 * case chooses.
 */

import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { connectViaHttpProxy } from '../../consoles/connect-tunnel.js'
import { connectViaSocks } from '../../consoles/socks5-client.js'
import { MessageType as M, type MessageOf } from '../../protocol/apf/index.js'
import { REPLY_TIMEOUT_MS } from '../probe/firmware.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { Violation, type CaseContext } from '../model.js'

export type Via = 'socks5' | 'http'

/** The console listener a case that needs "any console" uses: SOCKS5 when there is one. */
export function anyConsole(ctx: CaseContext): Via {
  return ctx.target.console.socks5 !== null ? 'socks5' : 'http'
}

/** Open a console tunnel to `host:port` through the target's proxy; closed after the case. */
export async function consoleTunnel(ctx: CaseContext, via: Via, host: string, port: number): Promise<Socket> {
  const c = ctx.target.console
  const auth = c.auth
  let socket: Socket
  if (via === 'socks5') {
    if (c.socks5 === null) throw new Error('no SOCKS5 listener')
    socket = await connectViaSocks({
      proxyHost: c.socks5.host,
      proxyPort: c.socks5.port,
      host,
      port,
      ...(auth === null ? {} : { username: auth.username, password: auth.password }),
      timeoutMs: 10_000,
    })
  } else {
    if (c.httpProxy === null) throw new Error('no HTTP proxy listener')
    socket = await connectViaHttpProxy({ proxyHost: c.httpProxy.host, proxyPort: c.httpProxy.port, host, port, ...(auth === null ? {} : { proxyAuth: auth }), timeoutMs: 10_000 })
  }
  socket.on('error', () => undefined)
  ctx.defer(() => {
    socket.destroy()
  })
  return socket
}

export interface OpenedChannel {
  readonly console: Socket
  readonly open: MessageOf<typeof M.CHANNEL_OPEN>
  /** Our channel id and the gateway's. */
  readonly ids: { readonly local: number; readonly remote: number }
}

/**
 * A console asks for `uuid:port`; the probe (channels: 'queue') receives the gateway's
 * CHANNEL_OPEN and confirms it with `window`. Resolves once the console's tunnel is up.
 */
export async function openChannelFromConsole(ctx: CaseContext, probe: ProbeDevice, via: Via, uuid: string, port: number, window: number, localId = 0): Promise<OpenedChannel> {
  const tunnel = consoleTunnel(ctx, via, uuid, port)
  tunnel.catch(() => undefined)
  const open = await probe.expect(M.CHANNEL_OPEN, REPLY_TIMEOUT_MS, `after a console asked the ${via} proxy for ${uuid}:${port}`)
  await probe.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: open.senderChannel, senderChannel: localId, initialWindowSize: window, reserved: 0xffffffff })
  let console: Socket
  try {
    console = await tunnel
  } catch (error) {
    throw new Violation(`the ${via} tunnel to open once the device confirmed the channel`, error instanceof Error ? error.message : String(error))
  }
  return { console, open, ids: { local: localId, remote: open.senderChannel } }
}

/** Read from a console socket until `bytes` arrived or it ended; the hash of what came. */
export function readFromConsole(socket: Socket, bytes: number, timeoutMs: number): Promise<{ received: number; sha256: string; ended: boolean }> {
  return new Promise((resolveRead) => {
    const hash = createHash('sha256')
    let received = 0
    let ended = false
    const finish = () => {
      clearTimeout(timer)
      socket.removeListener('data', onData)
      socket.removeListener('end', onEnd)
      resolveRead({ received, sha256: hash.digest('hex'), ended })
    }
    const onData = (d: Buffer) => {
      received += d.length
      hash.update(d)
      if (received >= bytes) finish()
    }
    const onEnd = () => {
      ended = true
      finish()
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.resume()
  })
}

/** Write everything, honouring backpressure (the gateway pauses the console when the device window is shut). */
export async function writeToConsole(socket: Socket, data: Buffer, chunk = 16 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += chunk) {
    if (socket.destroyed) return
    const ok = socket.write(data.subarray(off, off + chunk))
    if (!ok) {
      await new Promise<void>((resolveDrain) => {
        const done = () => {
          socket.removeListener('drain', done)
          socket.removeListener('close', done)
          resolveDrain()
        }
        socket.once('drain', done)
        socket.once('close', done)
      })
    }
  }
}
