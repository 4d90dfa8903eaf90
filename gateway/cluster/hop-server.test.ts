import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeHopReply, encodeHopRequest, HOP_NONCE_BYTES, type HopReply, type HopRequest } from './hop-frame.js'
import { HopGuard } from './hop-guard.js'
import { HopServer } from './hop-server.js'
import { captureLogger, type LogLine } from '../test-support/gateway.js'

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef')
const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'

const servers: HopServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)))
})

/** A hop server holding no devices: a request that passes the guard is answered `disconnected`. */
async function start(secret: Buffer | null): Promise<{ port: number; server: HopServer; logs: LogLine[] }> {
  const logs: LogLine[] = []
  const logger = captureLogger(logs, 'warn')
  const guard = new HopGuard({ requireSeal: secret !== null, windowMs: 30_000, maxNonces: 1000 })
  const server = new HopServer({ lookup: () => undefined, openTimeoutMs: 1000, logger, key: secret ?? Buffer.alloc(0), guard })
  servers.push(server)
  const bound = await server.listen({ host: '127.0.0.1', port: 0 }, 16)
  return { port: bound.port, server, logs }
}

function sealed(overrides: Partial<HopRequest> = {}): HopRequest {
  return { uuid: UUID, port: 16992, originAddress: '127.0.0.1', originPort: 40000, sentAtMs: Date.now(), nonce: randomBytes(HOP_NONCE_BYTES).toString('hex'), ...overrides }
}

/** Sends the bytes over a real connection and reads the one reply frame. */
function exchange(port: number, bytes: Buffer): Promise<HopReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const decoded = decodeHopReply(buffered)
      if (decoded.kind === 'frame') {
        socket.destroy()
        resolve(decoded.frame)
      } else if (decoded.kind === 'error') reject(decoded.error)
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error('closed without a reply')))
    socket.write(bytes)
  })
}

describe('hop server (internal listener) authentication', () => {
  it('serves a request sealed with the cluster secret, and refuses the same frame replayed', async () => {
    const { port, server, logs } = await start(SECRET)
    const frame = encodeHopRequest(sealed(), SECRET)
    expect(await exchange(port, frame)).toMatchObject({ status: 'disconnected', message: `device ${UUID} is not connected to this instance` })
    const replay = await exchange(port, frame)
    expect(replay).toMatchObject({ status: 'refused', reasonCode: null })
    expect(replay.message).toMatch(/nonce was seen before/)
    expect(server.hopsUnauthenticated).toBe(1)
    expect(logs).toMatchObject([{ event: 'cluster-hop-unauthenticated', verdict: 'replayed' }])
  })

  it('refuses a request sealed with another secret, with none, or sent outside the clock window', async () => {
    const { port, server } = await start(SECRET)
    const other = await exchange(port, encodeHopRequest(sealed(), Buffer.from('another secret of at least 32 characters')))
    expect(other).toMatchObject({ status: 'refused' })
    expect(other.message).toMatch(/does not match this instance's cluster secret/)
    expect(await exchange(port, encodeHopRequest(sealed(), Buffer.alloc(0)))).toMatchObject({ status: 'refused' })
    const old = await exchange(port, encodeHopRequest(sealed({ sentAtMs: Date.now() - 60_000 }), SECRET))
    expect(old.message).toMatch(/sent too long ago/)
    expect(server.hopsUnauthenticated).toBe(3)
    expect(server.hopsRefused).toBe(0)
  })

  it('without a cluster secret serves any well-formed request (loopback clusters only)', async () => {
    const { port, server } = await start(null)
    expect(await exchange(port, encodeHopRequest(sealed(), Buffer.from('whatever')))).toMatchObject({ status: 'disconnected' })
    expect(server.hopsRefused).toBe(1)
  })
})
