/**
 * Devices for console-side tests: real loopback services behind a DeviceDirectory of our own.
 *
 * - 16992: an HTTP/1.1 server standing in for WS-MAN (chunked 200s like AMT; see routes below)
 * - 16993: a raw responder that reads one request and answers AMT's 401 byte for byte, with
 *   `Connection: close` and an HTML body ending `</html>`
 * - 16994, 16995: a byte service for tunnels (upload-and-hash, download, echo)
 *
 * A device's channel is a fresh TCP connection to the service, optionally wrapped in a
 * ThrottledChannel (the 499-byte-window device).
 */

import { createHash } from 'node:crypto'
import http from 'node:http'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { ChannelOpenError, type ConnectedDevice, type ConsoleOrigin, type DeviceDirectory } from '../directory.js'
import { ThrottledChannel } from './throttled-channel.js'

// A prime-length pattern, so a chunk that is repeated, dropped or reordered changes the hash.
const PATTERN_LENGTH = 65_521
const PATTERN = Buffer.from(Array.from({ length: PATTERN_LENGTH }, (_, i) => (i * 7919 + (i >>> 8) * 31) & 0xff))

/** `length` bytes of the test stream starting at `offset`. */
export function patternBytes(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length)
  for (let done = 0; done < length; ) {
    const at = (offset + done) % PATTERN_LENGTH
    const n = Math.min(PATTERN_LENGTH - at, length - done)
    PATTERN.copy(out, done, at, at + n)
    done += n
  }
  return out
}

export function sha256OfPattern(length: number): string {
  const hash = createHash('sha256')
  for (let offset = 0; offset < length; offset += 1 << 20) hash.update(patternBytes(offset, Math.min(1 << 20, length - offset)))
  return hash.digest('hex')
}

/** Write `length` pattern bytes to `out` with backpressure; `progress` sees every write. */
export function writePattern(out: NodeJS.WritableStream & { destroyed?: boolean }, length: number, progress: (n: number) => void, done: () => void): void {
  let offset = 0
  const pump = (): void => {
    while (offset < length) {
      if (out.destroyed === true) return
      const n = Math.min(64 * 1024, length - offset)
      const more = out.write(patternBytes(offset, n))
      offset += n
      progress(n)
      if (!more) {
        out.once('drain', pump)
        return
      }
    }
    done()
  }
  pump()
}

const AMT_401_BODY =
  '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" >\n<html><head><title>Intel&reg; Active Management Technology</title></head>' +
  '<body><p>Log on failed. Incorrect user name or password, or user account temporarily locked.</p></body></html>\n'

/** AMT's 401 as captured in shape: Digest challenge, Connection: close, an HTML body ending `</html>\n`. */
export const AMT_401 = Buffer.from(
  [
    'HTTP/1.1 401 Unauthorized',
    'WWW-Authenticate: Digest realm="Digest:34BF4B5A0561F95248F58509A406E046", nonce="bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX",stale="false",qop="auth"',
    'Content-Type: text/html',
    'Server: Intel(R) Active Management Technology 15.0.23.1706',
    `Content-Length: ${AMT_401_BODY.length}`,
    'Connection: close',
    '',
    AMT_401_BODY,
  ].join('\r\n'),
  'latin1',
)

export interface ServiceStats {
  /** Bytes the tunnel service has handed to its sockets in download mode. */
  downloadWritten: number
  /** Body bytes the WS-MAN stand-in has handed to its sockets for GET /bytes. */
  bytesWritten: number
}

export interface FakeServices {
  readonly ports: { readonly wsman: number; readonly amt401: number; readonly tunnel: number }
  readonly stats: ServiceStats
  close(): Promise<void>
}

/**
 * WS-MAN stand-in. POST/PUT anywhere: 200 chunked with JSON {sha256, bodyBytes, requestBytes,
 * url, rawHeaders} once the body is read. GET /bytes?n=N: N pattern bytes (Content-Length).
 * POST /echo: the body streamed back (chunked).
 */
function startWsman(stats: ServiceStats): http.Server {
  return http.createServer({ keepAlive: false }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://device')
    res.setHeader('Proxy-Support', 'Session-Based-Authentication')
    if (req.method === 'GET' && url.pathname === '/bytes') {
      const n = Number(url.searchParams.get('n') ?? '0')
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(n) })
      writePattern(res, n, (written) => (stats.bytesWritten += written), () => res.end())
      return
    }
    if (url.pathname === '/echo') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      req.pipe(res)
      return
    }
    const hash = createHash('sha256')
    let bodyBytes = 0
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      bodyBytes += chunk.length
    })
    req.on('end', () => {
      const summary = { sha256: hash.digest('hex'), bodyBytes, requestBytes: req.socket.bytesRead, url: req.url, rawHeaders: req.rawHeaders }
      res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=UTF-8', 'Transfer-Encoding': 'chunked' })
      const text = JSON.stringify(summary)
      res.write(text.slice(0, 10))
      res.end(text.slice(10))
    })
  })
}

/** Reads one request (headers + Content-Length body), answers AMT_401, closes. */
function startAmt401(): net.Server {
  return net.createServer((socket) => {
    let held: Buffer = Buffer.alloc(0)
    socket.on('error', () => undefined)
    socket.on('data', (chunk: Buffer) => {
      held = Buffer.concat([held, chunk])
      const end = held.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(held.toString('latin1', 0, end))
      if (held.length >= end + 4 + Number(length?.[1] ?? 0)) socket.end(AMT_401)
    })
  })
}

/**
 * Tunnel service: 'U' + u64 n: read n bytes, answer their sha256 (32 bytes); 'D' + u64 n: send
 * n pattern bytes; 'E': echo everything that follows. Commands repeat on one connection.
 */
function startTunnelService(stats: ServiceStats): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => undefined)
    let held: Buffer = Buffer.alloc(0)
    let upload: { left: number; hash: ReturnType<typeof createHash> } | null = null
    let echo = false
    const onData = (chunk: Buffer): void => {
      if (echo) return void socket.write(chunk)
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk])
      while (held.length > 0) {
        if (upload !== null) {
          const take = Math.min(upload.left, held.length)
          upload.hash.update(held.subarray(0, take))
          upload.left -= take
          held = held.subarray(take)
          if (upload.left === 0) {
            socket.write(upload.hash.digest())
            upload = null
          }
          continue
        }
        const command = String.fromCharCode(held[0] as number)
        if (command === 'E') {
          echo = true
          if (held.length > 1) socket.write(held.subarray(1))
          held = Buffer.alloc(0)
          return
        }
        if (held.length < 9) return
        const n = Number(held.readBigUInt64BE(1))
        held = held.subarray(9)
        if (command === 'D') writePattern(socket, n, (written) => (stats.downloadWritten += written), () => undefined)
        else if (n === 0) socket.write(createHash('sha256').digest())
        else upload = { left: n, hash: createHash('sha256') }
      }
    }
    socket.on('data', onData)
  })
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export async function startFakeServices(): Promise<FakeServices> {
  const stats: ServiceStats = { downloadWritten: 0, bytesWritten: 0 }
  const servers = [startWsman(stats), startAmt401(), startTunnelService(stats)] as const
  const [wsman, amt401, tunnel] = await Promise.all(servers.map(listen))
  const sockets = new Set<net.Socket>()
  for (const server of servers) {
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
  }
  return {
    ports: { wsman: wsman as number, amt401: amt401 as number, tunnel: tunnel as number },
    stats,
    async close() {
      for (const socket of sockets) socket.destroy()
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
    },
  }
}

export type FakeBehaviour = 'normal' | 'refuse' | 'channel-limit' | 'hang' | 'disconnected'

export interface FakeDeviceSpec {
  readonly uuid: string
  readonly fqdn?: string | null
  readonly ports?: readonly number[]
  /** Channel window in bytes (ThrottledChannel); null: the bare TCP socket. */
  readonly window?: number | null
  readonly behaviour?: FakeBehaviour
}

/** A DeviceDirectory over the fake services; records what was opened, for assertions. */
export class FakeDirectory implements DeviceDirectory {
  readonly opened: { readonly uuid: string; readonly port: number; readonly origin: ConsoleOrigin; readonly channel: Duplex }[] = []
  private readonly devices: ConnectedDevice[]

  constructor(services: FakeServices, specs: readonly FakeDeviceSpec[]) {
    this.devices = specs.map((spec) => this.makeDevice(services, spec))
  }

  lookup(name: string): ConnectedDevice | undefined {
    const wanted = name.toLowerCase()
    return this.devices.find((d) => d.uuid === wanted || d.fqdn?.toLowerCase() === wanted)
  }

  private makeDevice(services: FakeServices, spec: FakeDeviceSpec): ConnectedDevice {
    const forwardedPorts = new Set(spec.ports ?? [16992, 16993, 16994, 16995])
    const servicePort = (port: number): number =>
      port === 16992 ? services.ports.wsman : port === 16993 ? services.ports.amt401 : services.ports.tunnel
    const opened = this.opened
    return {
      uuid: spec.uuid.toLowerCase(),
      fqdn: spec.fqdn ?? null,
      forwardedPorts,
      openChannel(port: number, origin: ConsoleOrigin): Promise<Duplex> {
        const behaviour = spec.behaviour ?? 'normal'
        if (!forwardedPorts.has(port)) return Promise.reject(new ChannelOpenError('port-not-forwarded', `port ${port} not forwarded`))
        if (behaviour === 'refuse') return Promise.reject(new ChannelOpenError('refused', 'device refused', 2))
        if (behaviour === 'channel-limit') return Promise.reject(new ChannelOpenError('channel-limit', 'too many channels'))
        if (behaviour === 'disconnected') return Promise.reject(new ChannelOpenError('disconnected', 'device gone'))
        if (behaviour === 'hang') return new Promise<Duplex>(() => undefined)
        return new Promise<Duplex>((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port: servicePort(port), allowHalfOpen: true })
          socket.once('error', reject)
          socket.once('connect', () => {
            socket.removeListener('error', reject)
            const channel = spec.window == null ? socket : new ThrottledChannel(socket, spec.window)
            opened.push({ uuid: spec.uuid, port, origin, channel })
            resolve(channel)
          })
        })
      },
    }
  }
}
