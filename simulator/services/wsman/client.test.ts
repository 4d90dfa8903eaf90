import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WsmanClient } from '../../../consoles/wsman-client.js'
import { parseDigestAuthorization, type DigestClientStyle } from '../../../protocol/digest/index.js'
import { WsmanError } from '../../../protocol/wsman/index.js'
import { ACCOUNT, startDevice, type TestDevice } from './test-support/harness.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function listen(onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return (server.address() as net.AddressInfo).port
}

/** A device behind a tap that records every Authorization header on the wire. */
async function tappedDevice(): Promise<{ device: TestDevice; port: number; authorizations: string[] }> {
  const device = await startDevice()
  cleanups.push(() => device.close())
  const authorizations: string[] = []
  const port = await listen((socket) => {
    const upstream = net.connect(device.port, '127.0.0.1')
    upstream.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(/\r\nAuthorization: ([^\r]*)\r\n/g)) authorizations.push(m[1] ?? '')
    })
    socket.pipe(upstream).pipe(socket)
  })
  return { device, port, authorizations }
}

function client(port: number, style: DigestClientStyle, timeoutMs = 10_000): WsmanClient {
  const c = new WsmanClient({ transport: { kind: 'stream', connect: () => net.connect(port, '127.0.0.1'), host: 'device:16992' }, username: ACCOUNT.user, password: ACCOUNT.password, style, timeoutMs })
  cleanups.push(() => c.close())
  return c
}

describe('WS-MAN client Digest variants on the wire', () => {
  const shapes: Record<DigestClientStyle, RegExp> = {
    meshcommander: /^Digest username="admin",realm="[^"]+",nonce="[^"]+",uri="\/wsman",qop=auth,response="[0-9a-f]{32}",nc=0000000[12],cnonce="[0-9a-z]{6}"$/,
    mps: /^Digest username="admin",realm="[^"]+",nonce="[^"]+",uri="\/wsman",qop="auth",response="[0-9a-f]{32}",nc="0000000[12]",cnonce="[0-9a-z]{6}"$/,
    go: /^Digest username="admin",realm="[^"]+",nonce="[^"]+",uri="\/wsman",response="[0-9a-f]{32}",qop="auth",nc="0000000[12]",cnonce="[0-9a-f]{6}"$/,
    rfc2617: /^Digest username="admin", realm="[^"]+", nonce="[^"]+", uri="\/wsman", qop=auth, nc=0000000[12], cnonce="[0-9a-f]{16}", response="[0-9a-f]{32}"$/,
  }
  for (const [style, shape] of Object.entries(shapes) as [DigestClientStyle, RegExp][]) {
    it(`${style}: layout, one nonce reused with nc counting up`, async () => {
      const { port, authorizations } = await tappedDevice()
      const c = client(port, style)
      expect((await c.get('AMT_GeneralSettings')).status).toBe(200)
      expect((await c.get('AMT_GeneralSettings')).status).toBe(200)
      expect(authorizations).toHaveLength(2)
      for (const a of authorizations) expect(a).toMatch(shape)
      const [first, second] = authorizations.map((a) => parseDigestAuthorization(a))
      expect([first?.nc, second?.nc]).toEqual(['00000001', '00000002'])
      expect(first?.nonce).toBe(second?.nonce)
      // MeshCommander keeps its cnonce; the others make a new one per request.
      if (style === 'meshcommander') expect(first?.cnonce).toBe(second?.cnonce)
      expect(c.stats).toEqual({ exchanges: 3, unauthorized: 1, connections: 2 })
    })
  }
})

describe('WS-MAN client failures', () => {
  function codeOf(error: unknown): string {
    return error instanceof WsmanError ? error.code : String(error)
  }

  it('times out on a device that never answers', async () => {
    const port = await listen(() => undefined)
    const error = await client(port, 'mps', 200).get('AMT_GeneralSettings').catch((e: unknown) => e)
    expect(codeOf(error)).toBe('WSMAN_ERR_CLIENT_TIMEOUT')
  })

  it('reports a device that closes without answering', async () => {
    const port = await listen((socket) => socket.once('data', () => socket.end()))
    const error = await client(port, 'mps').get('AMT_GeneralSettings').catch((e: unknown) => e)
    expect(codeOf(error)).toBe('WSMAN_ERR_CLIENT_CLOSED')
  })

  it('keeps going after a failed call (the queue is not poisoned)', async () => {
    let calls = 0
    const device = await startDevice()
    cleanups.push(() => device.close())
    const port = await listen((socket) => {
      calls += 1
      if (calls === 1) return void socket.destroy()
      const upstream = net.connect(device.port, '127.0.0.1')
      upstream.on('error', () => socket.destroy())
      socket.pipe(upstream).pipe(socket)
    })
    const c = client(port, 'meshcommander')
    const [failed, ok] = await Promise.allSettled([c.get('AMT_GeneralSettings'), c.get('AMT_GeneralSettings')])
    expect(failed.status).toBe('rejected')
    expect(ok.status === 'fulfilled' && ok.value.status).toBe(200)
  })
})
