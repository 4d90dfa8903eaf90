/**
 * A simulated device's WS-MAN port on a real loopback socket, with a clock the test moves,
 * plus raw-socket helpers. Every helper closes what it opens.
 */

import net from 'node:net'
import { Duplex } from 'node:stream'
import { WsmanClient, type WsmanClientOptions } from '../../../../consoles/wsman-client.js'
import type { DigestClientStyle } from '../../../../protocol/digest/index.js'
import type { AmtAccount, DeviceIdentity } from '../../../identity.js'
import { SimulatedHost } from '../../host.js'
import { DEFAULT_SERVICE_OPTIONS, newServiceCounters, type ChannelService, type ServiceContext } from '../../types.js'
import { serveWsman } from '../service.js'

export const ACCOUNT: AmtAccount = { user: 'admin', password: 'P@ssw0rd' }

export function testIdentity(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  return {
    index: 7,
    uuid: '4c4c4544-004b-4210-8033-b6c04f504633',
    fqdn: 'dev-000007.fleet.test',
    amtVersion: '15.0.50',
    amtBuild: '2579',
    provisioningMode: 'ACM',
    digestRealm: 'Digest:727734D63A1FC0423736E48DA554E462',
    initialPowerState: 2,
    consentPolicy: 0xffffffff,
    ...overrides,
  }
}

export interface TestDevice {
  readonly port: number
  readonly host: SimulatedHost
  readonly ctx: ServiceContext
  /** The device clock in ms; tests move it forward. */
  readonly clock: { now: number }
  close(): Promise<void>
}

export async function startDevice(options: { identity?: DeviceIdentity; service?: ChannelService; random?: () => number } = {}): Promise<TestDevice> {
  const clock = { now: Date.UTC(2026, 0, 15, 10, 0, 0) }
  const now = (): number => clock.now
  const host = new SimulatedHost(options.identity ?? testIdentity(), { now, random: options.random ?? (() => 0.871306) })
  const ctx: ServiceContext = { host, account: ACCOUNT, options: DEFAULT_SERVICE_OPTIONS, counters: newServiceCounters(), now }
  const service = options.service ?? serveWsman
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    service(socket, ctx)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    host,
    ctx,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

export function clientFor(device: TestDevice, style: DigestClientStyle = 'meshcommander', extra: Partial<WsmanClientOptions> = {}): WsmanClient {
  return new WsmanClient({
    transport: { kind: 'stream', connect: () => net.connect(device.port, '127.0.0.1'), host: `${device.host.identity.uuid}:16992` },
    username: ACCOUNT.user,
    password: ACCOUNT.password,
    style,
    timeoutMs: 10_000,
    ...extra,
  })
}

/** Write `bytes`, then collect everything until the device closes (or `untilBytes` arrive). */
export function rawExchange(port: number, bytes: Buffer | string, options: { untilBytes?: number; timeoutMs?: number } = {}): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let size = 0
    const done = (closed: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ data: Buffer.concat(chunks), closed })
    }
    const timer = setTimeout(() => done(false), options.timeoutMs ?? 5000)
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (options.untilBytes !== undefined && size >= options.untilBytes) done(false)
    })
    socket.on('end', () => done(true))
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.write(bytes)
  })
}

/**
 * Two connected in-memory Duplex ends whose writes complete only as the other end reads, like
 * an APF channel whose window is spent: a service writing to one end sees write() return false
 * once `highWaterMark` bytes wait unread.
 */
export function duplexPair(highWaterMark: number): [Duplex, Duplex] {
  let a: PairEnd | null = null
  let b: PairEnd | null = null
  a = new PairEnd(highWaterMark, () => b)
  b = new PairEnd(highWaterMark, () => a)
  return [a, b]
}

class PairEnd extends Duplex {
  private blocked: (() => void) | null = null

  constructor(
    highWaterMark: number,
    private readonly peer: () => PairEnd | null,
  ) {
    super({ highWaterMark, readableHighWaterMark: highWaterMark, writableHighWaterMark: highWaterMark })
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const other = this.peer()
    if (other === null) return callback(new Error('no peer'))
    if (other.push(chunk)) callback()
    else other.blocked = callback
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer()?.push(null)
    callback()
  }

  override _read(): void {
    const release = this.blocked
    this.blocked = null
    release?.()
  }
}
