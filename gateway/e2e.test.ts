/**
 * End to end through the real listeners: a device over TLS (played with protocol/apf), consoles
 * through the HTTP proxy (undici ProxyAgent, absolute-form and CONNECT) and SOCKS5, with a tiny
 * device window so flow control works on every byte.
 */

import { createHash, randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { ProxyAgent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestDevice } from './test-support/apf-device.js'
import { DeviceHttpApp, patternBytes, wsmanEnvelope } from './test-support/device-http.js'
import { eventually, startTestGateway, TEST_PASSWORD, TEST_USER, type TestGateway } from './test-support/gateway.js'
import { socksConnect, SocksReplyError } from './test-support/socks-client.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
const HOST = 'amt-1.example.test'
const WINDOW = 499
const BIG = 10 * 1024 * 1024

let gw: TestGateway
let device: TestDevice
let app: DeviceHttpApp
let absolute: ProxyAgent
let tunnel: ProxyAgent

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

beforeAll(async () => {
  gw = await startTestGateway({ flags: { 'http-listen': '127.0.0.1:0', 'socks-listen': '127.0.0.1:0' }, file: { console: { addressMap: { '10.1.2.3': HOST } } } })
  device = await TestDevice.connectTls(gw.port('deviceTls'), gw.ca)
  await device.handshake({ uuid: UUID, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16993], fqdn: HOST })
  app = new DeviceHttpApp(device, WINDOW)
  absolute = new ProxyAgent({ uri: `http://${gw.bound.http ?? ''}`, proxyTunnel: false })
  tunnel = new ProxyAgent({ uri: `http://${gw.bound.http ?? ''}` })
})

afterAll(async () => {
  await absolute.close()
  await tunnel.close()
  device.destroy()
  await gw.close()
})

async function viaProxy(agent: ProxyAgent, path: string, body?: Buffer, host = HOST): Promise<{ status: number; body: Buffer; sha: string | undefined }> {
  const res = await request(`http://${host}:16992${path}`, { method: body === undefined ? 'GET' : 'POST', dispatcher: agent, ...(body === undefined ? {} : { body }) })
  const data = Buffer.from(await res.body.arrayBuffer())
  const sha = res.headers['x-body-sha256']
  return { status: res.statusCode, body: data, sha: typeof sha === 'string' ? sha : undefined }
}

/** One HTTP/1.1 request over a raw tunnel; the device closes after answering. */
async function viaTunnel(socket: Socket, path: string, body: Buffer = Buffer.alloc(0)): Promise<{ status: number; body: Buffer; sha: string | undefined }> {
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve) => socket.once('close', resolve))
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${HOST}:16992\r\nContent-Length: ${body.length}\r\n\r\n`)
  socket.write(body)
  await done
  const all = Buffer.concat(chunks)
  const end = all.indexOf('\r\n\r\n')
  const head = all.subarray(0, end).toString('latin1')
  return { status: Number(head.split(' ')[1]), body: all.subarray(end + 4), sha: /x-body-sha256: (\w+)/i.exec(head)?.[1] }
}

describe('HTTP proxy', () => {
  it('relays a WS-MAN-sized request in absolute form', async () => {
    const envelope = wsmanEnvelope(2500)
    const res = await viaProxy(absolute, '/wsman', envelope)
    expect(res.status).toBe(200)
    expect(res.sha).toBe(sha256(envelope))
    expect(res.body.equals(wsmanEnvelope())).toBe(true)
    expect(app.windowViolations).toBe(0)
    expect(app.largestData).toBeLessThanOrEqual(WINDOW)
  })

  it('relays through CONNECT, by UUID', async () => {
    const res = await viaProxy(tunnel, '/wsman', wsmanEnvelope(2500), UUID)
    expect(res.status).toBe(200)
    expect(res.body.equals(wsmanEnvelope())).toBe(true)
  })

  it('carries 10 MiB each way intact through a 499-byte device window', async () => {
    const upload = randomBytes(BIG)
    const up = await viaProxy(absolute, '/upload', upload)
    expect(up.sha).toBe(sha256(upload))
    const down = await viaProxy(absolute, `/download/${BIG}`)
    expect(down.body.length).toBe(BIG)
    expect(sha256(down.body)).toBe(sha256(patternBytes(BIG)))
    expect(app.windowViolations).toBe(0)
  }, 60_000)

  it('answers 403 for a port not allowed and 502 for an unknown device, and counts them', async () => {
    const blocked = await request(`http://${HOST}:22/`, { dispatcher: absolute })
    await blocked.body.dump()
    expect(blocked.statusCode).toBe(403)
    const unknown = await request('http://nobody.example.test:16992/wsman', { dispatcher: absolute })
    await unknown.body.dump()
    expect(unknown.statusCode).toBe(502)
    expect(gw.gateway.stats.consoleBlockedPorts).toBeGreaterThanOrEqual(1)
    expect(gw.gateway.stats.consoleUnknownDevices).toBeGreaterThanOrEqual(1)
  })
})

describe('SOCKS5', () => {
  it('relays a WS-MAN-sized request to the device by name', async () => {
    const res = await viaTunnel(await socksConnect(gw.port('socks'), HOST, 16992), '/wsman', wsmanEnvelope(2500))
    expect(res.status).toBe(200)
    expect(res.sha).toBe(sha256(wsmanEnvelope(2500)))
    expect(res.body.equals(wsmanEnvelope())).toBe(true)
  })

  it('carries 10 MiB each way intact through a 499-byte device window', async () => {
    const upload = randomBytes(BIG)
    const up = await viaTunnel(await socksConnect(gw.port('socks'), UUID, 16992), '/upload', upload)
    expect(up.sha).toBe(sha256(upload))
    const down = await viaTunnel(await socksConnect(gw.port('socks'), UUID, 16992), `/download/${BIG}`)
    expect(sha256(down.body)).toBe(sha256(patternBytes(BIG)))
    expect(app.windowViolations).toBe(0)
  }, 60_000)

  it('reaches a device by an IP literal from the address map', async () => {
    const res = await viaTunnel(await socksConnect(gw.port('socks'), '10.1.2.3', 16992), '/wsman')
    expect(res.status).toBe(200)
    await expect(socksConnect(gw.port('socks'), '10.9.9.9', 16992)).rejects.toEqual(new SocksReplyError(4))
  })

  it('replies 0x02 for a port not allowed and 0x04 for an unknown device', async () => {
    await expect(socksConnect(gw.port('socks'), HOST, 22)).rejects.toEqual(new SocksReplyError(2))
    await expect(socksConnect(gw.port('socks'), 'nobody.example.test', 16992)).rejects.toEqual(new SocksReplyError(4))
  })
})

describe('accounting', () => {
  it('counts console connections and bytes per device and logs opened/closed', async () => {
    await eventually(() => gw.gateway.stats.consoleClosed === gw.gateway.stats.consoleOpened && app.openChannels === 0, 10_000, 'all consoles closed')
    const snapshot = gw.gateway.presence.lookup(UUID)?.snapshot()
    expect(snapshot?.console.opened).toBe(gw.gateway.stats.consoleOpened)
    expect(snapshot?.console.bytesToDevice).toBeGreaterThan(2 * BIG)
    expect(gw.logs.filter((l) => l.event === 'console-opened').length).toBe(gw.gateway.stats.consoleOpened)
    expect(gw.logs.filter((l) => l.event === 'console-closed').every((l) => l['deviceId'] === UUID)).toBe(true)
    expect(gw.gateway.presence.lookup(UUID)?.openChannels).toBe(0)
  })
})
