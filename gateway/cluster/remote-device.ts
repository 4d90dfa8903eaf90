/**
 * A device whose tunnel another instance holds, as the console side sees it: the same
 * ConnectedDevice as a local one, but `openChannel` dials the holder's internal listener, asks
 * for the device and port (hop-frame.ts), and on `open` hands back the TCP connection itself as
 * the channel. TCP's flow control then carries the backpressure across the hop: the holder's
 * tunnel pauses its side when this connection does not drain, and the other way round.
 */

import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { parseServer } from '../config-values.js'
import { ChannelOpenError, type ConnectedDevice, type ConsoleOrigin } from '../console/directory.js'
import { decodeHopReply, encodeHopRequest, HOP_MAX_REPLY, HOP_NONCE_BYTES } from './hop-frame.js'
import type { FleetEntry } from './store.js'

const NO_PORTS: ReadonlySet<number> = new Set()

export interface RemoteDeviceOptions {
  /** Give up on the holder after this long (the console side has its own, shorter deadline). */
  readonly openTimeoutMs: number
  /** The cluster secret (empty: none) the request is sealed with. */
  readonly key: Buffer
}

export class RemoteDevice implements ConnectedDevice {
  readonly entry: FleetEntry
  private readonly options: RemoteDeviceOptions

  constructor(entry: FleetEntry, options: RemoteDeviceOptions) {
    this.entry = entry
    this.options = options
  }

  get uuid(): string {
    return this.entry.uuid
  }

  get fqdn(): string | null {
    return this.entry.fqdn
  }

  /** Only the holder knows; it refuses a port the device did not forward. */
  get forwardedPorts(): ReadonlySet<number> {
    return NO_PORTS
  }

  openChannel(port: number, origin: ConsoleOrigin): Promise<Duplex> {
    const parsed = parseServer(this.entry.internal)
    const target = parsed.ok ? parsed.value : null
    if (target === null) return Promise.reject(new ChannelOpenError('disconnected', `instance ${this.entry.instance} has no usable internal address`))
    const nonce = randomBytes(HOP_NONCE_BYTES).toString('hex')
    const request = encodeHopRequest({ uuid: this.entry.uuid, port, originAddress: origin.address, originPort: origin.port, sentAtMs: Date.now(), nonce }, this.options.key)
    return new Promise<Duplex>((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, noDelay: true })
      let buffered: Buffer = Buffer.alloc(0)
      let settled = false
      const fail = (error: ChannelOpenError) => {
        if (settled) return
        settled = true
        cleanup()
        socket.destroy()
        reject(error)
      }
      const timer = setTimeout(() => fail(new ChannelOpenError('timeout', `instance ${this.entry.instance} did not answer within ${this.options.openTimeoutMs} ms`)), this.options.openTimeoutMs)
      const onError = (error: Error) => fail(new ChannelOpenError('disconnected', `instance ${this.entry.instance} (${this.entry.internal}) unreachable: ${error.message}`))
      const onClose = () => fail(new ChannelOpenError('disconnected', `instance ${this.entry.instance} closed the hop before answering`))
      // Paused-mode reads ('readable'), so that once the listener is gone the socket is neither
      // flowing nor paused: the console side's first 'data' listener or pipe() starts it.
      const onReadable = () => {
        for (let chunk = socket.read() as Buffer | null; chunk !== null && !settled; chunk = socket.read() as Buffer | null) {
          buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
          consume()
        }
      }
      const consume = () => {
        const decoded = decodeHopReply(buffered)
        if (decoded.kind === 'need-more') {
          if (buffered.length > HOP_MAX_REPLY) fail(new ChannelOpenError('disconnected', `instance ${this.entry.instance} sent an oversized hop reply`))
          return
        }
        if (decoded.kind === 'error') return fail(new ChannelOpenError('disconnected', `instance ${this.entry.instance}: ${decoded.error.message}`))
        const reply = decoded.frame
        if (reply.status !== 'open') return fail(new ChannelOpenError(reply.status, reply.message, reply.reasonCode))
        settled = true
        cleanup()
        // The console side attaches its own listeners; until then an error must not be unhandled.
        socket.on('error', ignoreError)
        // Device bytes that followed the reply in the same segment stay first in line.
        const rest = buffered.subarray(decoded.length)
        if (rest.length > 0) socket.unshift(rest)
        resolve(socket)
      }
      const cleanup = () => {
        clearTimeout(timer)
        socket.off('readable', onReadable)
        socket.off('error', onError)
        socket.off('close', onClose)
      }
      socket.on('readable', onReadable)
      socket.on('error', onError)
      socket.on('close', onClose)
      socket.write(request)
    })
  }
}

function ignoreError(): void {}
