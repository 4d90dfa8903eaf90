/**
 * The latency the gateway adds to one WS-MAN-sized request: the same responder answered
 * straight over HTTP, and as a device behind `ciralab gateway` (APF over TLS) through its HTTP
 * proxy (absolute form, one channel per request as MPS does). Sequential requests, loopback.
 *
 *   npm run build && node dist/bench/gateway-proxy-latency.js [--requests 1000] [--warmup 100]
 *
 * Not part of `npm test`. A table on stdout; JSON under reports/out/.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { connect, type TLSSocket } from 'node:tls'
import { parseArgs } from 'node:util'
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici'
import { ApfStreamDecoder, encodeApfMessage, MessageType as M, RESERVED_ALL_ONES, ServiceName, type ApfMessage } from '../protocol/apf/index.js'
import { ChildProgram, ciralabCommand } from './child-process.js'

const USER = 'admin'
const PASSWORD = 'P@ssw0rd'
const UUID = 'c1a1ab00-0000-4000-8000-00000000beef'
const REQUEST_BYTES = 2000
const RESPONSE_BYTES = 3500

function envelope(bytes: number): Buffer {
  const head = '<?xml version="1.0" encoding="UTF-8"?><a:Envelope xmlns:a="http://www.w3.org/2003/05/soap-envelope"><a:Body>'
  const tail = '</a:Body></a:Envelope>'
  return Buffer.from(head + 'x'.repeat(bytes - head.length - tail.length) + tail)
}

const RESPONSE_BODY = envelope(RESPONSE_BYTES)
const RESPONSE_HEAD = `HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=UTF-8\r\nContent-Length: ${RESPONSE_BODY.length}\r\n`

/** A device that answers every HTTP request on a channel with the envelope, then closes it. */
function startDevice(port: number, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const decoder = new ApfStreamDecoder()
    const pending = new Map<number, { gateway: number; bytes: Buffer[]; size: number }>()
    let nextId = 1
    let forwards = 0
    const send = (m: ApfMessage) => socket.write(encodeApfMessage(m))
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      socket.setNoDelay(true)
      const hello: ApfMessage[] = [
        { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: UUID },
        { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH },
        { type: M.USERAUTH_REQUEST, username: USER, serviceName: ServiceName.PFWD, methodName: 'password', password: PASSWORD },
        { type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD },
        { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: 'amt.bench.test', port: 16992 } },
      ]
      socket.write(Buffer.concat(hello.map((m) => encodeApfMessage(m))))
    })
    socket.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk).messages) {
        if (m.type === M.REQUEST_SUCCESS && ++forwards === 1) resolve(socket)
        else if (m.type === M.CHANNEL_OPEN) {
          const id = nextId++
          pending.set(id, { gateway: m.senderChannel, bytes: [], size: 0 })
          send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: m.senderChannel, senderChannel: id, initialWindowSize: 32768, reserved: RESERVED_ALL_ONES })
        } else if (m.type === M.CHANNEL_DATA) {
          const ch = pending.get(m.recipientChannel)
          if (ch === undefined) continue
          ch.bytes.push(Buffer.from(m.data))
          ch.size += m.data.length
          const text = Buffer.concat(ch.bytes).toString('latin1')
          const end = text.indexOf('\r\n\r\n')
          const length = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? 0)
          if (end < 0 || ch.size < end + 4 + length) continue
          send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: ch.gateway, bytesToAdd: ch.size })
          send({ type: M.CHANNEL_DATA, recipientChannel: ch.gateway, data: Buffer.concat([Buffer.from(`${RESPONSE_HEAD}Connection: close\r\n\r\n`), RESPONSE_BODY]) })
          send({ type: M.CHANNEL_CLOSE, recipientChannel: ch.gateway })
        } else if (m.type === M.CHANNEL_CLOSE) {
          pending.delete(m.recipientChannel)
        } else if (m.type === M.DISCONNECT || m.type === M.USERAUTH_FAILURE) {
          reject(new Error(`device refused: ${JSON.stringify(m)}`))
        }
      }
    })
    socket.once('error', reject)
  })
}

/** The same answer, straight over HTTP/1.1 keep-alive. */
function startDirect(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/soap+xml; charset=UTF-8', 'content-length': RESPONSE_BODY.length })
      res.end(RESPONSE_BODY)
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

async function measure(url: string, dispatcher: Dispatcher, count: number, warmup: number): Promise<number[]> {
  const body = envelope(REQUEST_BYTES)
  const times: number[] = []
  for (let i = 0; i < warmup + count; i++) {
    const started = performance.now()
    const res = await request(url, { method: 'POST', body, dispatcher, headers: { 'content-type': 'application/soap+xml; charset=UTF-8' } })
    const got = Buffer.from(await res.body.arrayBuffer())
    if (res.statusCode !== 200 || got.length !== RESPONSE_BODY.length) throw new Error(`bad answer ${res.statusCode} (${got.length} bytes)`)
    if (i >= warmup) times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '100' }, out: { type: 'string', default: 'reports/out' } } })
  const count = Number(values.requests)
  const warmup = Number(values.warmup)
  if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new Error('--requests must be 1..100000')
  const dataDir = mkdtempSync(join(tmpdir(), 'ciralab-lat-'))
  const child = ChildProgram.start({
    ...ciralabCommand(['gateway', '--device-tls-listen', '127.0.0.1:0', '--device-plain-listen', 'off', '--http-listen', '127.0.0.1:0', '--socks-listen', 'off', '--api-listen', 'off', '--user', USER, '--password', PASSWORD, '--data-dir', dataDir, '--fqdn', 'localhost', '--log-level', 'warn']),
    label: 'ciralab gateway',
  })
  const direct = await startDirect()
  let device: TLSSocket | null = null
  try {
    const ready = await child.waitForJson((m) => m['event'] === 'ready', 30_000)
    const listeners = ready['listeners'] as Record<string, string>
    device = await startDevice(Number((listeners['deviceTls'] ?? '').split(':').pop()), readFileSync(join(dataDir, 'TrustedRootCertificate.pem'), 'utf8'))
    const viaGateway = new ProxyAgent({ uri: `http://${listeners['http'] ?? ''}`, proxyTunnel: false })
    const straight = new Agent()
    process.stderr.write(`${count} sequential requests each way (${warmup} warm-up)\n`)
    const directTimes = await measure(`http://127.0.0.1:${(direct.address() as AddressInfo).port}/wsman`, straight, count, warmup)
    const gatewayTimes = await measure('http://amt.bench.test:16992/wsman', viaGateway, count, warmup)
    await viaGateway.close()
    await straight.close()
    const row = (name: string, t: number[]) => `${name.padEnd(22)}${[50, 90, 99].map((p) => percentile(t, p).toFixed(3).padStart(9)).join('')} ms`
    const added = percentile(gatewayTimes, 50) - percentile(directTimes, 50)
    const result = {
      scenario: 'gateway-proxy-latency',
      date: new Date().toISOString(),
      requests: count,
      requestBytes: REQUEST_BYTES,
      responseBytes: RESPONSE_BYTES,
      directMs: { p50: percentile(directTimes, 50), p90: percentile(directTimes, 90), p99: percentile(directTimes, 99) },
      gatewayMs: { p50: percentile(gatewayTimes, 50), p90: percentile(gatewayTimes, 90), p99: percentile(gatewayTimes, 99) },
      addedMedianMs: added,
    }
    process.stdout.write([`${''.padEnd(22)}      p50      p90      p99`, row('direct HTTP', directTimes), row('via gateway HTTP proxy', gatewayTimes), `added latency (median) ${added.toFixed(3)} ms`, ''].join('\n'))
    mkdirSync(values.out, { recursive: true })
    const file = join(values.out, `gateway-proxy-latency-${result.date.replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    process.stdout.write(`report: ${file}\n`)
  } finally {
    device?.destroy()
    direct.close()
    await child.stop(10_000)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway-proxy-latency: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
