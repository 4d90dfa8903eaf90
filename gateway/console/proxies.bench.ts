/**
 * How much the console listeners cost, against the same transfer without them: a 32 MiB
 * download through a SOCKS5 tunnel, a CONNECT tunnel and the absolute-form relay, and WS-MAN
 * sized POSTs (4 KiB up, a ~250-byte chunked answer) one at a time and 16 at a time. The fake
 * device is a bare loopback TCP connection, so the listener is the only thing added; device,
 * listener and client share this one process (and its one core), so the ratio to the baseline
 * is the listener's CPU cost per byte or per request.
 *
 *   npx vitest bench --run gateway/console/proxies.bench.ts
 *
 * Not part of `npm test`. MB/s = 32 × hz; requests/s = hz (sequential) or 16 × hz (parallel).
 * On a shared machine wall-clock rates swing with other load, so each case also prints the
 * process CPU time it used per operation, which is what the listener actually costs.
 */

import http from 'node:http'
import net from 'node:net'
import { afterAll, bench, describe } from 'vitest'
import { connectViaHttpProxy } from '../../consoles/connect-tunnel.js'
import { connectViaSocks } from '../../consoles/socks5-client.js'
import { FakeDirectory, patternBytes, startFakeServices } from './test-support/fake-devices.js'
import { readBytes, startDownload, startProxy } from './test-support/harness.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const SIZE = 32 * 1024 * 1024
const services = await startFakeServices()
const directory = new FakeDirectory(services, [{ uuid: UUID, fqdn: 'amt-1.ciralab.test' }])
const httpProxy = await startProxy('http', directory)
const socksProxy = await startProxy('socks', directory)
// Direct requests get a new connection each, as every proxied request gets a new channel.
const agentDirect = new http.Agent({ keepAlive: false, maxSockets: 16 })
const agentProxy = new http.Agent({ keepAlive: true, maxSockets: 16 })
const body = patternBytes(0, 4096)

afterAll(async () => {
  agentDirect.destroy()
  agentProxy.destroy()
  await Promise.all([httpProxy.listener.close(0), socksProxy.listener.close(0)])
  await services.close()
})

/** Ask the tunnel service for SIZE bytes and count them (no hashing: measure the relay only). */
async function download(socket: net.Socket): Promise<void> {
  const done = readBytes(socket, SIZE, () => undefined)
  startDownload(socket, SIZE)
  await done
  socket.destroy()
}

function connectDirect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: services.ports.tunnel }, () => resolve(socket))
    socket.once('error', reject)
  })
}

function post(viaProxy: boolean): Promise<void> {
  const options = viaProxy
    ? { host: '127.0.0.1', port: httpProxy.port, path: `http://${UUID}:16992/wsman`, agent: agentProxy }
    : { host: '127.0.0.1', port: services.ports.wsman, path: '/wsman', agent: agentDirect }
  return new Promise((resolve, reject) => {
    const req = http.request({ ...options, method: 'POST', headers: { 'content-length': String(body.length) } }, (res) => {
      res.resume()
      res.on('end', () => resolve())
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** CPU time (user + system) this process spent per operation, by case. */
const cpu = new Map<string, { micros: number; ops: number; unit: string; perOp: number }>()

function measured(name: string, unit: string, perOp: number, op: () => Promise<void>): () => Promise<void> {
  return async () => {
    const start = process.cpuUsage()
    await op()
    const used = process.cpuUsage(start)
    const entry = cpu.get(name) ?? { micros: 0, ops: 0, unit, perOp }
    entry.micros += used.user + used.system
    entry.ops += 1
    cpu.set(name, entry)
  }
}

afterAll(() => {
  for (const [name, e] of cpu) process.stdout.write(`cpu ${name}: ${(e.micros / e.ops / e.perOp).toFixed(1)} µs per ${e.unit} (${e.ops} runs)\n`)
})

const transfer = { time: 3000, warmupIterations: 1 }
describe('32 MiB device -> console', () => {
  const mib = (name: string, op: () => Promise<void>) => measured(name, 'MiB', 32, op)
  bench('direct TCP (baseline)', mib('direct TCP', async () => download(await connectDirect())), transfer)
  bench(
    'SOCKS5 tunnel',
    mib('SOCKS5 tunnel', async () => download(await connectViaSocks({ proxyHost: '127.0.0.1', proxyPort: socksProxy.port, host: UUID, port: 16994 }))),
    transfer,
  )
  bench(
    'CONNECT tunnel',
    mib('CONNECT tunnel', async () => download(await connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: httpProxy.port, host: UUID, port: 16994 }))),
    transfer,
  )
  bench(
    'absolute-form GET',
    mib('absolute-form GET', () =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: httpProxy.port, path: `http://${UUID}:16992/bytes?n=${SIZE}`, agent: agentProxy }, (res) => {
            res.resume()
            res.on('end', () => resolve())
          })
          .on('error', reject)
      }),
    ),
    transfer,
  )
})

const requests = { time: 3000, warmupIterations: 20 }
describe('WS-MAN POST, one at a time', () => {
  bench('direct (baseline, a new connection per request)', measured('POST direct', 'request', 1, () => post(false)), requests)
  bench('through the HTTP proxy (new channel per request)', measured('POST via proxy', 'request', 1, () => post(true)), requests)
})

describe('WS-MAN POST, 16 at a time', () => {
  const sixteen = (viaProxy: boolean) => async () => void (await Promise.all(Array.from({ length: 16 }, () => post(viaProxy))))
  bench('direct (baseline)', measured('16 POSTs direct', 'request', 16, sixteen(false)), requests)
  bench('through the HTTP proxy', measured('16 POSTs via proxy', 'request', 16, sixteen(true)), requests)
})
