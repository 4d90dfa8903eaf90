import { execFile } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { ProxyAgent, request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connectViaHttpProxy, ProxyConnectError } from '../../consoles/connect-tunnel.js'
import { AMT_401, FakeDirectory, patternBytes, sha256OfPattern, startFakeServices, type FakeServices } from './test-support/fake-devices.js'
import { downloadThroughTunnel, eventsOf, startProxy, uploadThroughTunnel, waitFor, type RunningProxy } from './test-support/harness.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const SLOW = 'slow.ciralab.test'
const MiB = 1024 * 1024

interface Summary {
  sha256: string
  bodyBytes: number
  requestBytes: number
  url: string
  rawHeaders: string[]
}

let services: FakeServices
let directory: FakeDirectory
const running: RunningProxy[] = []
const cleanups: (() => Promise<void> | void)[] = []

beforeAll(async () => {
  services = await startFakeServices()
  directory = new FakeDirectory(services, [
    { uuid: UUID, fqdn: 'amt-1.ciralab.test' },
    { uuid: '11111111-2222-3333-4444-555555555555', fqdn: SLOW, window: 499 },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000001', fqdn: 'refuses.ciralab.test', behaviour: 'refuse' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000002', fqdn: 'full.ciralab.test', behaviour: 'channel-limit' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000003', fqdn: 'hangs.ciralab.test', behaviour: 'hang' },
    { uuid: 'aaaaaaaa-0000-0000-0000-000000000004', fqdn: 'wsman-only.ciralab.test', ports: [16992] },
  ])
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await Promise.all(running.splice(0).map((p) => p.listener.close(0)))
})

afterAll(async () => {
  await services.close()
})

async function proxy(overrides: Parameters<typeof startProxy>[2] = {}): Promise<RunningProxy> {
  const p = await startProxy('http', directory, overrides)
  running.push(p)
  return p
}

function undiciVia(p: RunningProxy, options: { token?: string; proxyTunnel?: boolean } = {}): ProxyAgent {
  const agent = new ProxyAgent({ uri: `http://127.0.0.1:${p.port}`, proxyTunnel: false, ...options })
  cleanups.push(() => agent.close())
  return agent
}

/** Everything the proxy sends on one raw connection until it closes (or `untilBytes` arrive). */
async function raw(p: RunningProxy, text: string | Buffer, untilBytes = Infinity): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port: p.port })
  cleanups.push(() => void socket.destroy())
  const chunks: Buffer[] = []
  let total = 0
  socket.write(text)
  await new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      chunks.push(c)
      total += c.length
      if (total >= untilBytes) resolve()
    })
    socket.once('close', () => resolve())
  })
  return Buffer.concat(chunks).toString('latin1')
}

describe('HTTP proxy: absolute-form relay', () => {
  it('relays a WS-MAN-sized POST as origin-form through a 499-byte window, passing Proxy-Support back', async () => {
    const p = await proxy()
    const body = patternBytes(0, 6 * 1024)
    const res = await request(`http://${UUID.toUpperCase()}:16992/wsman`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/soap+xml; charset=utf-8', 'proxy-connection': 'keep-alive' },
      dispatcher: undiciVia(p),
    })
    const summary = (await res.body.json()) as Summary
    expect(res.statusCode).toBe(200)
    expect(res.headers['proxy-support']).toBe('Session-Based-Authentication')
    expect(summary).toMatchObject({ sha256: sha256OfPattern(body.length), bodyBytes: body.length, url: '/wsman' })
    const names = summary.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase())
    expect(names).not.toContain('proxy-connection')
    // Host comes from the target (undici lower-cases it in the URL), first, once.
    expect(summary.rawHeaders.slice(0, 2)).toEqual(['Host', `${UUID}:16992`])
    expect(names.filter((n) => n === 'host')).toHaveLength(1)
    expect(summary.rawHeaders.slice(-2)).toEqual(['Connection', 'close'])
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    expect(eventsOf(p.events, 'console-closed')[0]).toMatchObject({ protocol: 'http', deviceUuid: UUID, port: 16992, bytesToDevice: summary.requestBytes, aborted: false })
  })

  it('relays 10 MiB up, 2 MiB chunked up and 10 MiB down intact through a 499-byte window', async () => {
    const p = await proxy()
    const dispatcher = undiciVia(p)
    const expected = sha256OfPattern(10 * MiB)
    const fixed = await request(`http://${SLOW}:16992/wsman`, { method: 'POST', body: patternBytes(0, 10 * MiB), dispatcher })
    const fixedSummary = (await fixed.body.json()) as Summary
    expect(fixedSummary.sha256).toBe(expected)
    // Chunked from the console (a body of unknown length), re-chunked towards the device.
    const chunks = Readable.from((function* () {
      for (let offset = 0; offset < 2 * MiB; offset += 100_000) yield patternBytes(offset, Math.min(100_000, 2 * MiB - offset))
    })())
    const chunked = await request(`http://${SLOW}:16992/upload`, { method: 'PUT', body: chunks, dispatcher })
    const chunkedSummary = (await chunked.body.json()) as Summary
    expect(chunkedSummary.sha256).toBe(sha256OfPattern(2 * MiB))
    expect(chunkedSummary.rawHeaders.map((h) => h.toLowerCase())).toContain('transfer-encoding')
    const down = await request(`http://${SLOW}:16992/bytes?n=${10 * MiB}`, { dispatcher })
    const hash = (await import('node:crypto')).createHash('sha256')
    for await (const chunk of down.body) hash.update(chunk as Buffer)
    expect(hash.digest('hex')).toBe(expected)
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 3, 'three console-closed')
    const closed = eventsOf(p.events, 'console-closed')
    // Byte counts are exact: what the device read, request line and framing included.
    expect(closed.slice(0, 2).map((e) => e.bytesToDevice)).toEqual([fixedSummary.requestBytes, chunkedSummary.requestBytes])
    expect(closed[2]?.bytesToConsole).toBeGreaterThan(10 * MiB)
  })

  it('keeps the console connection alive across requests, including AMT 401 with Connection: close', async () => {
    const p = await proxy()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    cleanups.push(() => agent.destroy())
    const send = (path: string, body: string) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; reused: boolean }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: p.port, method: 'POST', path, agent, headers: { 'content-length': String(body.length) } }, (res) => {
          const parts: Buffer[] = []
          res.on('data', (c: Buffer) => parts.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('latin1'), reused: req.reusedSocket }))
        })
        req.on('error', reject)
        req.end(body)
      })
    const first = await send(`http://amt-1.ciralab.test:16992/wsman`, '<Envelope/>')
    const unauthorized = await send(`http://amt-1.ciralab.test:16993/wsman`, '<Envelope/>')
    const third = await send(`http://amt-1.ciralab.test:16992/wsman`, '<Envelope/>')
    expect([first.status, unauthorized.status, third.status]).toEqual([200, 401, 200])
    expect([first.reused, unauthorized.reused, third.reused]).toEqual([false, true, true])
    expect(unauthorized.body.endsWith('</html>\n')).toBe(true)
    expect(unauthorized.headers['www-authenticate']).toMatch(/^Digest realm="Digest:34BF4B5A0561F95248F58509A406E046"/)
    expect(unauthorized.headers.connection).toBe('keep-alive')
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 3, 'three console-closed')
    expect(eventsOf(p.events, 'console-closed')[1]?.bytesToConsole).toBe(AMT_401.length)
    expect(eventsOf(p.events, 'console-opened')).toHaveLength(3)
  })
})

describe('HTTP proxy: refusals', () => {
  it('403 for a port outside AllowCONNECT (absolute-form and CONNECT) and for a port not forwarded', async () => {
    const p = await proxy()
    expect(await raw(p, 'GET http://amt-1.ciralab.test/ HTTP/1.1\r\nHost: amt-1.ciralab.test\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*\r\n\r\n403 port 80 is not allowed\n$/,
    )
    const connect = await connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: p.port, host: 'amt-1.ciralab.test', port: 22 }).catch((e: unknown) => e)
    expect((connect as ProxyConnectError).statusCode).toBe(403)
    expect(eventsOf(p.events, 'blocked-port').map((e) => [e.protocol, e.port])).toEqual([
      ['http', 80],
      ['connect', 22],
    ])
    const notForwarded = await request(`http://wsman-only.ciralab.test:16993/`, { dispatcher: undiciVia(p) })
    expect(notForwarded.statusCode).toBe(403)
    expect(await notForwarded.body.text()).toBe('403 device wsman-only.ciralab.test: port 16993 is not forwarded\n')
  })

  it('502 with a one-line reason for an unknown device, quickly, keeping the connection', async () => {
    const p = await proxy()
    const started = Date.now()
    const res = await request('http://nobody.ciralab.test:16992/wsman', { method: 'POST', body: 'x', dispatcher: undiciVia(p) })
    expect(res.statusCode).toBe(502)
    expect(await res.body.text()).toBe('502 device nobody.ciralab.test: not connected\n')
    expect(Date.now() - started).toBeLessThan(2000)
    expect(eventsOf(p.events, 'unknown-device')).toMatchObject([{ protocol: 'http', name: 'nobody.ciralab.test' }])
    const twice = await raw(
      p,
      'GET http://nobody.ciralab.test:16992/ HTTP/1.1\r\nHost: x\r\n\r\nGET http://nobody.ciralab.test:16992/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    )
    expect(twice.match(/HTTP\/1\.1 502 Bad Gateway/g)).toHaveLength(2)
  })

  it('maps channel failures: refused 502, channel limit 503, timeout 504', async () => {
    const p = await proxy({ openTimeoutMs: 200 })
    const dispatcher = undiciVia(p)
    const refused = await request('http://refuses.ciralab.test:16992/wsman', { dispatcher })
    expect([refused.statusCode, await refused.body.text()]).toEqual([502, '502 device refuses.ciralab.test: refused the channel to port 16992 (reason 2)\n'])
    const full = await request('http://full.ciralab.test:16992/wsman', { dispatcher })
    expect([full.statusCode, full.headers['retry-after']]).toEqual([503, '1'])
    await full.body.dump()
    const hung = await request('http://hangs.ciralab.test:16992/wsman', { dispatcher })
    expect(hung.statusCode).toBe(504)
    await hung.body.dump()
    const connect = await connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: p.port, host: 'refuses.ciralab.test', port: 16994 }).catch((e: unknown) => e)
    expect((connect as ProxyConnectError).statusCode).toBe(502)
    expect(eventsOf(p.events, 'channel-refused').map((e) => e.kind)).toEqual(['refused', 'channel-limit', 'timeout', 'refused'])
  })

  it('asks for Basic proxy credentials with 407, then relays and tunnels with the right ones', async () => {
    const p = await proxy({ auth: { username: 'console', password: 'pa:ss' } })
    const ask = (authorization?: string) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const headers = authorization === undefined ? {} : { 'proxy-authorization': authorization }
        http.get({ host: '127.0.0.1', port: p.port, path: 'http://amt-1.ciralab.test:16992/wsman', headers }, resolve).on('error', reject)
      })
    const none = await ask()
    expect(none.statusCode).toBe(407)
    expect(none.headers['proxy-authenticate']).toMatch(/^Basic realm="ciralab"/)
    none.resume()
    const wrong = await ask(`Basic ${Buffer.from('console:nope').toString('base64')}`)
    expect(wrong.statusCode).toBe(407)
    wrong.resume()
    const right = await request('http://amt-1.ciralab.test:16992/wsman', {
      method: 'POST',
      body: 'ok',
      dispatcher: undiciVia(p, { token: `Basic ${Buffer.from('console:pa:ss').toString('base64')}` }),
    })
    expect(right.statusCode).toBe(200)
    expect(((await right.body.json()) as Summary).rawHeaders.map((h) => h.toLowerCase())).not.toContain('proxy-authorization')
    const base = { proxyHost: '127.0.0.1', proxyPort: p.port, host: 'amt-1.ciralab.test', port: 16994 }
    expect(((await connectViaHttpProxy(base).catch((e: unknown) => e)) as ProxyConnectError).statusCode).toBe(407)
    const tunnel = await connectViaHttpProxy({ ...base, proxyAuth: { username: 'console', password: 'pa:ss' } })
    cleanups.push(() => void tunnel.destroy())
    expect(await uploadThroughTunnel(tunnel, 100)).toBe(sha256OfPattern(100))
    expect(eventsOf(p.events, 'proxy-auth-failed').map((e) => e.reason)).toEqual(['missing', 'invalid', 'missing'])
  })
})

describe('HTTP proxy: malformed input', () => {
  it('answers 400 or 431 on the offending connection only', async () => {
    const p = await proxy()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    cleanups.push(() => agent.destroy())
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: p.port, path: `http://amt-1.ciralab.test:16992/bytes?n=10`, agent }, (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          })
          .on('error', reject)
      })
    expect(await get()).toBe(200)
    expect(await raw(p, 'HELLO THERE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(await raw(p, `GET http://amt-1.ciralab.test:16992/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /)
    expect(await raw(p, 'GET /wsman HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/400 the proxy needs an absolute-form target/)
    expect(await raw(p, 'GET https://amt-1.ciralab.test:16993/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/400 only http:\/\/ targets are proxied/)
    expect(await raw(p, 'GET http://u:p@amt-1.ciralab.test:16992/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/400 user information/)
    expect(await raw(p, 'CONNECT amt-1.ciralab.test HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/400 the target needs a port/)
    expect(await get()).toBe(200)
    expect(eventsOf(p.events, 'malformed-request').map((e) => e.code)).toEqual(['HPE_INVALID_METHOD', 'HPE_HEADER_OVERFLOW', 'bad-target', 'bad-target', 'bad-target', 'bad-target'])
  })

  it('aborts the console response when the device goes away mid-body', async () => {
    const p = await proxy()
    const outcome = await new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: p.port, path: `http://${SLOW}:16992/bytes?n=${50 * MiB}` }, (res) => {
          let seen = 0
          res.on('data', (c: Buffer) => {
            seen += c.length
            if (seen > 100_000) directory.opened.at(-1)?.channel.destroy()
          })
          res.on('end', () => resolve('complete'))
          res.on('error', () => resolve('aborted'))
        })
        .on('error', () => resolve('aborted'))
    })
    expect(outcome).toBe('aborted')
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    expect(eventsOf(p.events, 'console-closed')[0]?.aborted).toBe(true)
  })
})

describe('HTTP proxy: headers and deadlines', () => {
  it('drops headers named by Connection, but never Host or Content-Length', async () => {
    const p = await proxy()
    const summary = await new Promise<Summary>((resolve, reject) => {
      const headers = ['Host', 'wrong', 'X-Hop', '1', 'X-Kept', '2', 'Keep-Alive', 'timeout=5', 'Connection', 'close, X-Hop, Host, Content-Length', 'TE', 'trailers', 'Content-Length', '4']
      const req = http.request({ host: '127.0.0.1', port: p.port, method: 'POST', path: 'http://amt-1.ciralab.test:16992/wsman', headers }, (res) => {
        const parts: Buffer[] = []
        res.on('data', (c: Buffer) => parts.push(c))
        res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString()) as Summary))
      })
      req.on('error', reject)
      req.end('body')
    })
    const headers = summary.rawHeaders.map((h) => h.toLowerCase())
    expect(headers).toEqual(['host', 'amt-1.ciralab.test:16992', 'x-kept', '2', 'content-length', '4', 'connection', 'close'])
    expect(summary.bodyBytes).toBe(4)
  })

  it('drops a console that does not finish its headers in time, but not an idle CONNECT tunnel', async () => {
    const p = await proxy({ handshakeTimeoutMs: 100, requestTimeoutMs: 200 })
    const tunnel = await connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: p.port, host: 'amt-1.ciralab.test', port: 16994 })
    cleanups.push(() => void tunnel.destroy())
    const slow = await raw(p, 'GET http://amt-1.ciralab.test:16992/ HTTP/1.1\r\nHost: x\r\n')
    expect(slow).toMatch(/^HTTP\/1\.1 408 /)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(await uploadThroughTunnel(tunnel, 1000)).toBe(sha256OfPattern(1000))
  })

  it('destroys the channel when the console aborts an upload', async () => {
    const p = await proxy()
    const socket = net.connect({ host: '127.0.0.1', port: p.port })
    cleanups.push(() => void socket.destroy())
    socket.write(`POST http://${SLOW}:16992/wsman HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * MiB}\r\n\r\n`)
    socket.write(patternBytes(0, 200_000))
    await waitFor(() => eventsOf(p.events, 'console-opened').length === 1, 'console-opened')
    socket.destroy()
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    expect(eventsOf(p.events, 'console-closed')[0]?.aborted).toBe(true)
    await waitFor(() => directory.opened.at(-1)?.channel.destroyed === true, 'the channel to be destroyed')
  })
})

describe('HTTP proxy: backpressure', () => {
  it('stops reading from the device while the console does not read a response', async () => {
    const p = await proxy()
    const gatewaySide: net.Socket[] = []
    p.listener.server.on('connection', (s: net.Socket) => gatewaySide.push(s))
    const socket = net.connect({ host: '127.0.0.1', port: p.port })
    cleanups.push(() => void socket.destroy())
    socket.pause()
    socket.write(`GET http://${SLOW}:16992/bytes?n=${1024 * MiB} HTTP/1.1\r\nHost: x\r\n\r\n`)
    const before = services.stats.bytesWritten
    await waitFor(() => services.stats.bytesWritten > before, 'the device to start sending')
    const channel = directory.opened.at(-1)?.channel
    // Wait until the device has been unable to write anything for 20 polls in a row.
    let last = -1
    let still = 0
    await waitFor(() => {
      const now = services.stats.bytesWritten
      still = now === last ? still + 1 : 0
      last = now
      return still >= 20
    }, 'the response to stall')
    const held = (channel?.readableLength ?? 0) + (gatewaySide[0]?.writableLength ?? 0)
    expect(held).toBeLessThanOrEqual(128 * 1024)
    socket.destroy()
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    const closed = eventsOf(p.events, 'console-closed')[0]
    expect(closed?.aborted).toBe(true)
    // The device was stopped by backpressure, far short of the 1 GiB it wanted to send.
    expect(services.stats.bytesWritten - before).toBeLessThan(64 * MiB)
  })
})

describe('HTTP proxy: CONNECT', () => {
  // The tunnel code is the one SOCKS5 uses (10 MiB there); 2 MiB here keeps the suite fast.
  it('tunnels 2 MiB each way intact through a 499-byte window', async () => {
    const p = await proxy()
    const base = { proxyHost: '127.0.0.1', proxyPort: p.port, host: SLOW, port: 16994 }
    const up = await connectViaHttpProxy(base)
    const down = await connectViaHttpProxy({ ...base, port: 16995 })
    cleanups.push(() => void up.destroy(), () => void down.destroy())
    const expected = sha256OfPattern(2 * MiB)
    const [upHash, downHash] = await Promise.all([uploadThroughTunnel(up, 2 * MiB), downloadThroughTunnel(down, 2 * MiB)])
    expect([upHash, downHash]).toEqual([expected, expected])
    up.end()
    down.end()
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 2, 'two console-closed')
    const closed = eventsOf(p.events, 'console-closed').sort((a, b) => a.port - b.port)
    expect(closed.map((e) => [e.protocol, e.bytesToDevice, e.bytesToConsole])).toEqual([
      ['connect', 9 + 2 * MiB, 32],
      ['connect', 9, 2 * MiB],
    ])
  })

  it('delivers bytes sent right behind the CONNECT request', async () => {
    const p = await proxy()
    const text = await raw(p, 'CONNECT [::1]:16994 HTTP/1.1\r\nHost: x\r\n\r\nEping', 0)
    expect(text).toMatch(/^HTTP\/1\.1 502 /) // no address map: an IP names no device
    const mapped = await proxy({ addressMap: new Map([['::1', 'amt-1.ciralab.test']]) })
    const echoed = await raw(mapped, 'CONNECT [::1]:16994 HTTP/1.1\r\nHost: x\r\n\r\nEping', 'HTTP/1.1 200 Connection Established\r\n\r\nping'.length)
    expect(echoed).toBe('HTTP/1.1 200 Connection Established\r\n\r\nping')
  })

  it('serves undici with proxyTunnel (CONNECT for plain http)', async () => {
    const p = await proxy()
    const res = await request(`http://${UUID}:16992/wsman`, { method: 'POST', body: 'tunnelled', dispatcher: undiciVia(p, { proxyTunnel: true }) })
    expect(((await res.body.json()) as Summary).bodyBytes).toBe(9)
    expect(eventsOf(p.events, 'console-opened').map((e) => e.protocol)).toEqual(['connect'])
  })
})

describe('HTTP proxy with curl', () => {
  it('curl --proxy (absolute-form) and --proxytunnel (CONNECT) post to a device', async () => {
    const p = await proxy()
    const run = promisify(execFile)
    const args = ['-sS', '--max-time', '20', '--proxy', `http://127.0.0.1:${p.port}`, '--data-binary', 'hello', `http://${UUID}:16992/wsman`]
    expect(JSON.parse((await run('curl', args)).stdout)).toMatchObject({ bodyBytes: 5, url: '/wsman' })
    expect(JSON.parse((await run('curl', ['--proxytunnel', ...args])).stdout)).toMatchObject({ bodyBytes: 5, url: '/wsman' })
    expect(eventsOf(p.events, 'console-opened').map((e) => e.protocol)).toEqual(['http', 'connect'])
  })
})

describe('HTTP proxy close', () => {
  it('closes idle keep-alive connections at once and open tunnels after drainMs', async () => {
    const p = await startProxy('http', directory)
    const idle = net.connect({ host: '127.0.0.1', port: p.port })
    idle.write('GET http://amt-1.ciralab.test:16992/bytes?n=3 HTTP/1.1\r\nHost: x\r\n\r\n')
    await new Promise((resolve) => idle.once('data', resolve))
    const tunnel = await connectViaHttpProxy({ proxyHost: '127.0.0.1', proxyPort: p.port, host: 'amt-1.ciralab.test', port: 16994 })
    cleanups.push(() => void tunnel.destroy(), () => void idle.destroy())
    expect(p.listener.activeConnections).toBe(2)
    const idleClosed = new Promise((resolve) => idle.once('close', resolve))
    const started = Date.now()
    const closing = p.listener.close(300)
    await idleClosed
    expect(await uploadThroughTunnel(tunnel, 1000)).toBe(sha256OfPattern(1000))
    await closing
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(p.listener.activeConnections).toBe(0)
    expect(p.listener.server.listening).toBe(false)
  })
})
