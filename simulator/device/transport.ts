/**
 * Open the device's connection to a gateway: TCP from the device's source address, the link
 * model on the TCP socket when one is configured, and TLS on top unless the fleet speaks plain
 * APF. Resolves nothing itself: the device listens for `established` and `failed`.
 */

import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { isShaped, LinkedSocket, type LinkProfile } from '../link.js'
import type { TimerWheel } from '../wheel.js'
import type { Endpoint } from './policy.js'
import type { DeviceTls, TlsCeiling } from './tls.js'

export interface OpenTransportOptions {
  readonly target: Endpoint
  readonly localAddress: string | undefined
  readonly tls: DeviceTls
  readonly requireNsCertType: boolean
  readonly tlsCeiling: TlsCeiling
  readonly link: LinkProfile
  readonly linkWheel: TimerWheel
}

export interface PendingTransport {
  /** The TCP socket (for RST and for pausing at the lowest level). */
  readonly raw: net.Socket
  /** Where APF bytes go once established. */
  readonly transport: Duplex
  /** Called once: established, or failed with the error that stopped it. */
  settle(onEstablished: () => void, onFailed: (error: Error) => void): void
}

export function openTransport(o: OpenTransportOptions): PendingTransport {
  const raw = net.connect({ host: o.target.host, port: o.target.port, ...(o.localAddress === undefined ? {} : { localAddress: o.localAddress }) })
  raw.setNoDelay(true)
  raw.on('error', ignore) // reported through the transport above it
  const lower: Duplex = isShaped(o.link) ? new LinkedSocket(raw, o.link, o.linkWheel) : raw
  if (lower !== raw) lower.on('error', ignore)
  const secure =
    o.tls.mode === 'tls' ? tls.connect({ ...o.tls.connectOptions(o.requireNsCertType, o.tlsCeiling), socket: lower, host: o.target.host }) : null
  const transport: Duplex = secure ?? lower
  const readyEvent = secure !== null ? 'secureConnect' : 'connect'
  const readySource: Duplex = secure ?? raw
  return {
    raw,
    transport,
    settle(onEstablished, onFailed) {
      let done = false
      const fail = (error: Error) => {
        if (done) return
        done = true
        readySource.off(readyEvent, established)
        transport.destroy()
        raw.destroy()
        onFailed(error)
      }
      const established = () => {
        if (done) return
        const refused = secure === null ? undefined : o.tls.verify(secure, o.target.host, o.requireNsCertType)
        if (refused !== undefined) return fail(refused)
        done = true
        transport.off('error', fail)
        transport.off('close', closedEarly)
        raw.off('error', fail)
        onEstablished()
      }
      const closedEarly = () => fail(Object.assign(new Error('connection closed before it was established'), { code: 'ECONNRESET' }))
      readySource.once(readyEvent, established)
      transport.on('error', fail)
      transport.on('close', closedEarly)
      raw.on('error', fail)
    },
  }
}

function ignore(): void {
  // An error listener that keeps a socket error from being fatal; the owner handles it.
}
