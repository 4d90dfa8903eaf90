/**
 * Test harness for the redirection service: a simulated device listening on a real loopback
 * port (each connection served by serveRedirection with a SimulatedHost), a duplex pair that
 * delivers every byte as its own chunk, and a man-in-the-middle proxy that corrupts one SOL
 * payload byte. Every helper has a close().
 */

import { once } from 'node:events'
import net from 'node:net'
import { Duplex } from 'node:stream'
import { encodeRedirectionMessage, RedirectionStreamDecoder } from '../../../../protocol/redirection/index.js'
import { openRedirectionSession, type OpenSessionOptions, type RedirectionSession } from '../../../../consoles/redirection-session.js'
import type { AmtAccount, DeviceIdentity } from '../../../identity.js'
import { SimulatedHost } from '../../host.js'
import { DEFAULT_SERVICE_OPTIONS, newServiceCounters, type ServiceContext, type ServiceOptions } from '../../types.js'
import { serveRedirection } from '../index.js'

export const ACCOUNT: AmtAccount = { user: 'admin', password: 'Ciralab-P4ss!' }

export function makeIdentity(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  return {
    index: 7,
    uuid: '4c4c4544-004b-4210-8033-b6c04f504633',
    fqdn: 'dev-000007.fleet.test',
    amtVersion: '16.1.25',
    amtBuild: '2049',
    provisioningMode: 'ACM',
    digestRealm: 'Digest:0123456789ABCDEF0123456789ABCDEF',
    initialPowerState: 2,
    consentPolicy: 0,
    ...overrides,
  }
}

export interface TestDevice {
  readonly port: number
  readonly host: SimulatedHost
  readonly ctx: ServiceContext
  /** Open a session of `kind` as a console would, through a fresh loopback socket. */
  open(options: Partial<OpenSessionOptions> & Pick<OpenSessionOptions, 'kind'>): Promise<RedirectionSession>
  connect(): Promise<net.Socket>
  close(): Promise<void>
}

export async function startDevice(options: { identity?: Partial<DeviceIdentity>; service?: Partial<ServiceOptions> } = {}): Promise<TestDevice> {
  const host = new SimulatedHost(makeIdentity(options.identity), { random: () => 0.123456 })
  const ctx: ServiceContext = {
    host,
    account: ACCOUNT,
    options: { ...DEFAULT_SERVICE_OPTIONS, ...options.service },
    counters: newServiceCounters(),
    now: Date.now,
  }
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    // The loopback socket stands in for an APF channel, which has no Nagle delay.
    socket.setNoDelay(true)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serveRedirection(socket, ctx)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  const connect = async (): Promise<net.Socket> => {
    const socket = net.connect(port, '127.0.0.1')
    await once(socket, 'connect')
    return socket
  }
  return {
    port,
    host,
    ctx,
    connect,
    open: async (o) => openRedirectionSession(await connect(), { user: ACCOUNT.user, password: ACCOUNT.password, deadlineMs: 20_000, ...o }),
    close: async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

/** Resolve once `predicate` holds (polled), or fail after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const limit = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** One end of an in-memory pair: every write reaches the other end one byte per chunk. */
class ByteSplittingEnd extends Duplex {
  peer: ByteSplittingEnd | null = null

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer
    if (peer === null || peer.destroyed) return callback(new Error('peer gone'))
    for (const byte of chunk) peer.push(Buffer.from([byte]))
    callback()
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null)
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer
    this.peer = null
    if (peer !== null && !peer.destroyed) peer.destroy()
    callback(error)
  }
}

export function byteSplittingPair(): [Duplex, Duplex] {
  const a = new ByteSplittingEnd()
  const b = new ByteSplittingEnd()
  a.peer = b
  b.peer = a
  return [a, b]
}

export interface CorruptingProxy {
  readonly port: number
  /** Set once a byte was flipped. */
  corrupted: boolean
  close(): Promise<void>
}

/**
 * Listens on loopback and forwards to the device; in the device → console direction it decodes
 * the messages (session phase until a successful login, then SOL) and flips one byte of SOL
 * host output once `afterBytes` of it went through, re-encoding each message so the framing
 * stays intact. Console → device bytes pass unchanged.
 */
export async function startCorruptingProxy(devicePort: number, afterBytes: number): Promise<CorruptingProxy> {
  const sockets = new Set<net.Socket>()
  const state: CorruptingProxy = { port: 0, corrupted: false, close: async () => undefined }
  const server = net.createServer((inbound) => {
    const outbound = net.connect(devicePort, '127.0.0.1')
    sockets.add(inbound).add(outbound)
    const decoder = new RedirectionStreamDecoder()
    let seen = 0
    inbound.pipe(outbound)
    outbound.on('data', (chunk: Buffer) => {
      decoder.push(chunk)
      for (let step = decoder.next(); step.kind === 'message'; step = decoder.next()) {
        let m = step.message
        if (m.type === 'AUTHENTICATE_SESSION_REPLY' && m.status === 0 && m.authType !== 0) decoder.phase = 'sol'
        if (m.type === 'SOL_DATA_FROM_HOST') {
          if (!state.corrupted && seen + m.data.length > afterBytes) {
            const data = Buffer.from(m.data)
            const at = afterBytes - seen
            data[at] = (data[at] as number) ^ 0x20
            m = { ...m, data }
            state.corrupted = true
          }
          seen += m.data.length
        }
        inbound.write(encodeRedirectionMessage(m))
      }
    })
    const closeBoth = (): void => {
      inbound.destroy()
      outbound.destroy()
    }
    inbound.on('close', closeBoth).on('error', closeBoth)
    outbound.on('close', closeBoth).on('error', closeBoth)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return Object.assign(state, {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  })
}
