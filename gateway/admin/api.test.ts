import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { ApfDisconnectReason, MessageType as M } from '../../protocol/apf/index.js'
import { run as runDevicesCli } from '../devices-cli.js'
import { TestDevice } from '../test-support/apf-device.js'
import { eventually, startTestGateway, TEST_PASSWORD, TEST_USER, type TestGateway } from '../test-support/gateway.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
let gw: TestGateway | undefined
const devices: TestDevice[] = []
const cleanups: (() => void)[] = []

afterEach(async () => {
  for (const d of devices.splice(0)) d.destroy()
  for (const c of cleanups.splice(0)) c()
  await gw?.close()
  gw = undefined
})

async function withDevice(flags: Record<string, unknown> = {}, file?: Record<string, unknown>): Promise<{ g: TestGateway; base: string; device: TestDevice }> {
  const g = await startTestGateway({ flags, ...(file === undefined ? {} : { file }) })
  gw = g
  const device = await TestDevice.connectTls(g.port('deviceTls'), g.ca)
  devices.push(device)
  await device.handshake({ uuid: UUID, username: TEST_USER, password: TEST_PASSWORD, ports: [16992, 16993], fqdn: 'amt-1.example.test' })
  return { g, base: `http://${g.bound.api ?? ''}`, device }
}

async function getJson(url: string, headers: Record<string, string> = {}, method: 'GET' | 'DELETE' | 'PUT' = 'GET', body?: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await request(url, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await res.body.text()
  let parsed: unknown = null
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = null
  }
  return { status: res.statusCode, body: parsed, text }
}

describe('admin API', () => {
  it('lists a device with what the vendor lists, by UUID and by hostname', async () => {
    const { base } = await withDevice()
    const list = await getJson(`${base}/api/v1/devices`)
    expect(list.status).toBe(200)
    expect(list.body).toMatchObject({ count: 1, devices: [{ uuid: UUID, hostname: 'amt-1.example.test', forwardedPorts: [16992, 16993], openChannels: 0, triggerReason: 4, transport: 'tls' }] })
    const one = (list.body as { devices: Record<string, unknown>[] }).devices[0] ?? {}
    for (const field of ['remoteAddress', 'connectedSince', 'lastSeen', 'bytesFromDevice', 'bytesToDevice']) expect(one).toHaveProperty(field)
    expect((await getJson(`${base}/api/v1/devices/AMT-1.example.test`)).body).toMatchObject({ uuid: UUID })
    expect((await getJson(`${base}/api/v1/devices/${UUID.toUpperCase()}`)).status).toBe(200)
    expect((await getJson(`${base}/api/v1/devices/nobody`)).status).toBe(404)
    expect((await getJson(`${base}/api/v1/nothing`)).status).toBe(404)
  })

  it('disconnects a device on DELETE with DISCONNECT(BY_APPLICATION)', async () => {
    const { g, base, device } = await withDevice()
    const res = await getJson(`${base}/api/v1/devices/${UUID}`, {}, 'DELETE')
    expect(res).toMatchObject({ status: 200, body: { disconnected: UUID } })
    expect(await device.next(M.DISCONNECT, 5000, true)).toEqual({ type: M.DISCONNECT, reasonCode: ApfDisconnectReason.BY_APPLICATION })
    await eventually(() => g.gateway.presence.size === 0)
    expect(g.logs.find((l) => l.event === 'device-disconnected')).toMatchObject({ expected: true, reason: 'admin' })
  })

  it('serves counters as JSON and as Prometheus text', async () => {
    const { base } = await withDevice()
    const stats = await getJson(`${base}/api/v1/stats`)
    expect(stats.body).toMatchObject({ devicesOnline: 1, devicesConnected: 1, apfAuthFailures: 0, blockedTcp: 0, blockedUdp: 0, connectionErrors: 0, generalErrors: 0 })
    const metrics = await getJson(`${base}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.text).toMatch(/^ciralab_devices_online 1$/m)
    expect(metrics.text).toMatch(/^ciralab_devices_connected_total 1$/m)
    expect(metrics.text).toMatch(/^ciralab_gateway_process_resident_memory_bytes \d+/m)
  })

  it('requires the bearer token when one is set, except for /health', async () => {
    const { base } = await withDevice({ 'api-token': 's3cret' })
    expect((await getJson(`${base}/health`)).status).toBe(200)
    expect((await getJson(`${base}/api/v1/devices`)).status).toBe(401)
    expect((await getJson(`${base}/metrics`, { authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await getJson(`${base}/api/v1/devices`, { authorization: 'Bearer s3cret' })).status).toBe(200)
  })

  it('changes the log level at run time', async () => {
    const { g, base } = await withDevice()
    expect((await getJson(`${base}/api/v1/log-level`, {}, 'PUT', JSON.stringify({ level: 'warn' }))).status).toBe(200)
    expect(g.gateway.logger.level).toBe('warn')
    expect((await getJson(`${base}/api/v1/log-level`, {}, 'PUT', JSON.stringify({ level: 'chatty' }))).status).toBe(400)
    expect((await getJson(`${base}/api/v1/log-level`)).body).toEqual({ level: 'warn' })
  })

  it('streams connected, auth-failed and disconnected events (SSE)', async () => {
    const { g, base } = await withDevice()
    const res = await request(`${base}/api/v1/events`)
    expect(res.headers['content-type']).toMatch(/text\/event-stream/)
    let text = ''
    res.body.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    cleanups.push(() => res.body.destroy())
    await eventually(() => text.includes('retry:'), 5000, 'stream start')
    const second = await TestDevice.connectTls(g.port('deviceTls'), g.ca)
    devices.push(second)
    await expect(second.handshake({ uuid: '11111111-2222-3333-4444-555555555555', username: TEST_USER, password: 'bad' })).rejects.toThrow()
    const third = await TestDevice.connectTls(g.port('deviceTls'), g.ca)
    devices.push(third)
    await third.handshake({ uuid: '11111111-2222-3333-4444-555555555555', username: TEST_USER, password: TEST_PASSWORD })
    third.destroy()
    await eventually(() => text.includes('event: disconnected'), 5000, 'disconnected event')
    expect(text).toContain('event: auth-failed')
    expect(text).toContain('event: connected')
    const connected = text.split('\n\n').find((block) => block.startsWith('event: connected')) ?? ''
    expect(JSON.parse(connected.split('data: ')[1] ?? '{}')).toMatchObject({ type: 'connected', uuid: '11111111-2222-3333-4444-555555555555' })
  })

  it('posts connect and disconnect events to webhooks, retrying a failing one a bounded number of times', async () => {
    const received: { url: string; body: unknown }[] = []
    let failing = 0
    const hook = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        if (req.url === '/fail') {
          failing++
          res.writeHead(500).end()
          return
        }
        received.push({ url: req.url ?? '', body: JSON.parse(body) })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r))
    cleanups.push(() => hook.close())
    const port = (hook.address() as AddressInfo).port
    const { g, device } = await withDevice({}, { api: { webhooks: [`http://127.0.0.1:${port}/ok`, `http://127.0.0.1:${port}/fail`], webhookRetries: 2 } })
    device.destroy()
    await eventually(() => received.length === 2 && g.gateway.stats.webhooksFailed === 2, 10_000, 'webhook deliveries')
    expect(received.map((r) => (r.body as { type: string }).type)).toEqual(['connected', 'disconnected'])
    expect(failing).toBe(6)
  })
})

describe('ciralab devices', () => {
  it('prints the devices of several gateways as a table, and names one it cannot reach', async () => {
    const { base } = await withDevice()
    let out = ''
    let err = ''
    const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) })
    const status = await runDevicesCli({ argv: ['--api', `${base},http://127.0.0.1:1`], env: {}, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) })
    expect(status).toBe(1)
    expect(out.split('\n')[0]).toMatch(/^SystemName\s+UUID\s+Gateway\s+ConnectedSince$/)
    expect(out).toContain(`amt-1.example.test  ${UUID}  ${base.slice('http://'.length)}`)
    expect(out).toContain('1 device\n')
    expect(err).toContain('http://127.0.0.1:1')
    let json = ''
    expect(await runDevicesCli({ argv: ['--api', base, '--json'], env: {}, stdout: sink((s) => (json += s)), stderr: sink(() => undefined) })).toBe(0)
    expect(JSON.parse(json)).toMatchObject({ devices: [{ systemName: 'amt-1.example.test', uuid: UUID }] })
  })
})
