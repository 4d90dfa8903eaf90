import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WsmanClient } from '../../../consoles/wsman-client.js'
import { buildDigestAuthorization, computeDigestResponse, DIGEST_CLIENT_STYLES, parseDigestChallenge } from '../../../protocol/digest/index.js'
import { buildWsmanRequest, parseWsmanResponse, resourceUriFor, textOf, type WsmanRequest } from '../../../protocol/wsman/index.js'
import { createWsmanService } from './service.js'
import { ACCOUNT, clientFor, duplexPair, rawExchange, startDevice, testIdentity, type TestDevice } from './test-support/harness.js'

const open: (TestDevice | WsmanClient)[] = []
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close()
})

async function device(options: Parameters<typeof startDevice>[0] = {}): Promise<TestDevice> {
  const d = await startDevice(options)
  open.push(d)
  return d
}

function client(d: TestDevice, ...rest: Parameters<typeof clientFor> extends [unknown, ...infer R] ? R : never): WsmanClient {
  const c = clientFor(d, ...rest)
  open.push(c)
  return c
}

const GET_SETTINGS: WsmanRequest = { kind: 'get', resourceUri: resourceUriFor('AMT_GeneralSettings'), messageId: '1', selectors: [], operationTimeout: 'PT60S' }

function post(body: string, headers: string[] = []): string {
  return [`POST /wsman HTTP/1.1`, 'Host: 127.0.0.1:16992', ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n')
}

function authorizationFor(nonce: string, nc: string, realm = testIdentity().digestRealm, password = ACCOUNT.password): string {
  const base = { username: ACCOUNT.user, realm, nonce, uri: '/wsman', qop: 'auth', nc, cnonce: 'k3x9qz' }
  const response = computeDigestResponse({ ...base, password, method: 'POST' })
  return buildDigestAuthorization({ ...base, response, opaque: null, algorithm: null }, 'mps')
}

async function challengeFrom(port: number): Promise<{ nonce: string; stale: boolean }> {
  const { data } = await rawExchange(port, post(buildWsmanRequest(GET_SETTINGS)))
  const line = /WWW-Authenticate: (.*)\r\n/.exec(data.toString('latin1'))?.[1] ?? ''
  const c = parseDigestChallenge(line)
  return { nonce: c.nonce, stale: c.stale }
}

describe('WS-MAN Digest on 16992', () => {
  it('answers an unauthenticated request with the captured 401, then closes', async () => {
    const d = await device()
    const { data, closed } = await rawExchange(d.port, post(buildWsmanRequest(GET_SETTINGS)))
    const text = data.toString('latin1')
    const head = text.slice(0, text.indexOf('\r\n\r\n') + 4)
    expect(head).toMatch(
      new RegExp(
        '^HTTP/1\\.1 401 Unauthorized\\r\\nWWW-Authenticate: Digest realm="Digest:727734D63A1FC0423736E48DA554E462", nonce="[A-Za-z0-9+/]{32}",stale="false",qop="auth"\\r\\n' +
          'Content-Type: text/html\\r\\nServer: Intel\\(R\\) Active Management Technology 15\\.0\\.50\\.2579\\r\\nContent-Length: 693\\r\\nConnection: close\\r\\n\\r\\n$',
      ),
    )
    expect(data.length - head.length).toBe(693)
    expect(text.endsWith('</body>\n</html>\n')).toBe(true)
    expect(closed).toBe(true)
    expect(d.ctx.counters).toMatchObject({ wsmanRequests: 1, wsmanAuthFailures: 0 })
  })

  it('sends the 690-byte page of firmware 11.8', async () => {
    const d = await device({ identity: testIdentity({ amtVersion: '11.8.92', amtBuild: '3744' }) })
    const { data } = await rawExchange(d.port, post(buildWsmanRequest(GET_SETTINGS)))
    expect(data.toString('latin1')).toContain('Content-Length: 690\r\n')
    expect(data.toString('latin1')).toContain('<td valign="top"><img')
  })

  for (const style of DIGEST_CLIENT_STYLES) {
    it(`accepts the ${style} Authorization layout after the 401 round trip`, async () => {
      const d = await device()
      const c = client(d, style)
      const reply = await c.get('AMT_GeneralSettings')
      expect(reply.status).toBe(200)
      expect(reply.attempts).toBe(2)
      expect(reply.response?.kind === 'get' && textOf(reply.response.instance.properties, 'DigestRealm')).toBe(d.host.identity.digestRealm)
      const again = await c.get('AMT_GeneralSettings')
      expect(again.attempts).toBe(1)
      expect(d.ctx.counters).toMatchObject({ wsmanRequests: 3, wsmanAuthFailures: 0, wsmanFaults: 0 })
    })
  }

  it('refuses a wrong password with 401 and counts it', async () => {
    const d = await device()
    const c = client(d, 'mps', { password: 'wrong' })
    const reply = await c.get('AMT_GeneralSettings')
    expect(reply.status).toBe(401)
    expect(reply.response).toBeNull()
    expect(d.ctx.counters.wsmanAuthFailures).toBe(1)
  })

  it('honours a nonce on other connections, with nc counting up', async () => {
    const d = await device()
    const { nonce } = await challengeFrom(d.port)
    for (const nc of ['00000001', '00000002']) {
      const { data } = await rawExchange(d.port, post(buildWsmanRequest(GET_SETTINGS), [`Authorization: ${authorizationFor(nonce, nc)}`]), { untilBytes: 400 })
      expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    }
  })

  it('answers stale="true" to a right digest over an expired nonce, and the client recovers', async () => {
    const d = await device()
    const { nonce } = await challengeFrom(d.port)
    d.clock.now += 6 * 60_000
    const { data } = await rawExchange(d.port, post(buildWsmanRequest(GET_SETTINGS), [`Authorization: ${authorizationFor(nonce, '00000001')}`]))
    expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 401 .*stale="true"/s)
    expect(d.ctx.counters.wsmanAuthFailures).toBe(0)

    const c = client(d)
    expect((await c.get('AMT_GeneralSettings')).status).toBe(200)
    d.clock.now += 6 * 60_000
    const late = await c.get('AMT_GeneralSettings')
    expect(late.status).toBe(200)
    expect(late.attempts).toBe(2)
  })

  it('answers Identify without credentials, and with them', async () => {
    const d = await device()
    const { data } = await rawExchange(d.port, post(buildWsmanRequest({ kind: 'identify' })), { untilBytes: 600 })
    expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    const c = client(d)
    const anonymous = await c.identify()
    expect(anonymous.attempts).toBe(1)
    expect(anonymous.response).toMatchObject({ kind: 'identify', identity: { productVendor: 'Intel(r)', productVersion: 'AMT 15.0', dashVersion: '1.0.0' } })
    await c.get('AMT_GeneralSettings') // learns the challenge
    expect((await c.identify()).response?.kind).toBe('identify')
  })

  it('answers an unknown resource with the captured DestinationUnreachable fault (400)', async () => {
    const d = await device()
    const c = client(d)
    const reply = await c.get('http://intel.com/wbem/wscim/1/amt-schema/1/AMT_NoSuchThing')
    expect(reply.status).toBe(400)
    expect(reply.response).toMatchObject({ kind: 'fault', header: { relatesTo: '1', resourceUri: null }, fault: { code: 'Sender', subcode: 'DestinationUnreachable' } })
    expect(reply.body.toString()).toContain('xmlns:g="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:f="http://schemas.xmlsoap.org/ws/2004/08/eventing"')
    expect(d.ctx.counters.wsmanFaults).toBe(1)
  })
})

describe('WS-MAN HTTP framing', () => {
  it('sends chunked 200s with AMT headers that node:http reads, in 4-digit upper-case hex chunks', async () => {
    const d = await device()
    const { nonce } = await challengeFrom(d.port)
    const body = buildWsmanRequest({ kind: 'enumerate', resourceUri: resourceUriFor('CIM_SoftwareIdentity'), messageId: '9', selectors: [], operationTimeout: null })
    const res = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: d.port, method: 'POST', path: '/wsman', agent: false, headers: { Authorization: authorizationFor(nonce, '00000001'), 'Content-Length': Buffer.byteLength(body) } },
        (r) => {
          const chunks: Buffer[] = []
          r.on('data', (c: Buffer) => chunks.push(c))
          r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
    expect(res.status).toBe(200)
    expect(res.headers).toMatchObject({
      server: 'Intel(R) Active Management Technology 15.0.50.2579',
      'x-frame-options': 'DENY',
      'content-type': 'application/soap+xml; charset=UTF-8',
      'transfer-encoding': 'chunked',
      date: 'Thu, 15 Jan 2026 10:00:00 GMT',
    })
    expect(parseWsmanResponse(res.body)).toMatchObject({ kind: 'enumerate', header: { relatesTo: '9' } })

    const pull = buildWsmanRequest({ kind: 'pull', resourceUri: resourceUriFor('CIM_SoftwareIdentity'), messageId: '10', selectors: [], operationTimeout: null, context: (parseWsmanResponse(res.body) as { context: string }).context, maxElements: 999, maxCharacters: null })
    const { data } = await rawExchange(d.port, post(pull, [`Authorization: ${authorizationFor(nonce, '00000002')}`]), { untilBytes: 3000 })
    const text = data.toString('latin1')
    const sizes = [...text.matchAll(/\r\n([0-9A-Fa-f]+)\r\n/g)].map((m) => m[1])
    expect(sizes[0]).toBe('0508')
    expect(sizes.every((s) => s === '0' || /^[0-9A-F]{4}$/.test(s ?? ''))).toBe(true)
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(true)
  })

  const refusals: readonly [string, string, number][] = [
    ['an oversized header block', `POST /wsman HTTP/1.1\r\nX-Filler: ${'a'.repeat(9000)}\r\n\r\n`, 431],
    ['an oversized body', 'POST /wsman HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n', 413],
    ['a chunked request', 'POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
    ['garbage', 'hello there\r\n\r\n', 400],
  ]
  for (const [name, wire, status] of refusals) {
    it(`refuses ${name} with ${status} and closes`, async () => {
      const d = await device()
      const { data, closed } = await rawExchange(d.port, wire)
      expect(data.toString('latin1')).toMatch(new RegExp(`^HTTP/1\\.1 ${status} [^\\r]+\\r\\n(.*\\r\\n)*Connection: close\\r\\n\\r\\n$`))
      expect(closed).toBe(true)
    })
  }

  it('answers 404 off /wsman and 405 for GET, keeping the connection', async () => {
    const d = await device()
    const wire = 'GET /index.htm HTTP/1.1\r\nHost: x\r\n\r\nGET /wsman HTTP/1.1\r\nHost: x\r\n\r\n'
    const { data } = await rawExchange(d.port, wire, { untilBytes: 150 })
    expect(data.toString('latin1')).toMatch(/^HTTP\/1\.1 404 Not Found\r\n(.*\r\n)*\r\nHTTP\/1\.1 405 Method Not Allowed\r\n/)
  })

  it('answers pipelined requests in order, and an absolute-form target', async () => {
    const d = await device()
    const { nonce } = await challengeFrom(d.port)
    const first = post(buildWsmanRequest(GET_SETTINGS), [`Authorization: ${authorizationFor(nonce, '00000001')}`])
    const second = post(buildWsmanRequest({ ...GET_SETTINGS, messageId: '2' }), [`Authorization: ${authorizationFor(nonce, '00000002')}`, 'Connection: close']).replace(
      'POST /wsman',
      `POST http://${d.host.identity.uuid}:16992/wsman`,
    )
    const { data, closed } = await rawExchange(d.port, first + second)
    const relates = [...data.toString('utf8').matchAll(/<b:RelatesTo>([^<]*)<\/b:RelatesTo>/g)].map((m) => m[1])
    expect(relates).toEqual(['1', '2'])
    expect(closed).toBe(true)
  })

  it('stops answering while the channel is full and resumes when it drains', async () => {
    const d = await device()
    const { nonce } = await challengeFrom(d.port)
    const [deviceEnd, consoleEnd] = duplexPair(1024)
    createWsmanService()(deviceEnd, d.ctx)
    const before = d.ctx.counters.wsmanRequests
    const requests = Array.from({ length: 20 }, (_, i) => post(buildWsmanRequest({ ...GET_SETTINGS, messageId: String(i) }), [`Authorization: ${authorizationFor(nonce, (i + 1).toString(16).padStart(8, '0'))}`]))
    consoleEnd.write(requests.join(''))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const answeredWhileFull = d.ctx.counters.wsmanRequests - before
    expect(answeredWhileFull).toBeLessThan(20)
    const chunks: Buffer[] = []
    consoleEnd.on('data', (c: Buffer) => chunks.push(c))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(d.ctx.counters.wsmanRequests - before).toBe(20)
    expect(Buffer.concat(chunks).toString('utf8').match(/HTTP\/1\.1 200 OK/g)).toHaveLength(20)
    consoleEnd.destroy()
    deviceEnd.destroy()
  })
})

describe('WS-MAN client through an HTTP proxy', () => {
  it('sends absolute-form requests through undici ProxyAgent and does the Digest round trip', async () => {
    const d = await device()
    const targets: string[] = []
    // A pass-through proxy: each console connection becomes one connection to the device.
    const proxy = net.createServer((socket) => {
      const upstream = net.connect(d.port, '127.0.0.1')
      socket.once('data', (first: Buffer) => targets.push(first.toString('latin1').split('\r\n')[0] ?? ''))
      socket.pipe(upstream).pipe(socket)
      upstream.on('error', () => socket.destroy())
      socket.on('error', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    let c: WsmanClient | null = null
    try {
      const port = (proxy.address() as net.AddressInfo).port
      const latencies: number[] = []
      c = new WsmanClient({
        transport: { kind: 'proxy', proxyUrl: `http://127.0.0.1:${port}`, target: `http://${d.host.identity.uuid}:16992/wsman` },
        username: ACCOUNT.user,
        password: ACCOUNT.password,
        style: 'go',
        onLatency: (ms) => latencies.push(ms),
      })
      const reply = await c.get('CIM_ComputerSystemPackage')
      expect(reply.status).toBe(200)
      expect(reply.attempts).toBe(2)
      expect(latencies).toHaveLength(1)
      expect((await c.get('AMT_GeneralSettings')).status).toBe(200)
      expect(targets[0]).toBe(`POST http://${d.host.identity.uuid}:16992/wsman HTTP/1.1`)
    } finally {
      // The client first: its idle keep-alive connection would hold the proxy open.
      await c?.close()
      await new Promise<void>((resolve) => proxy.close(() => resolve()))
    }
  })
})
