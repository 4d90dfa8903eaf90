import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../protocol/errors.js'
import { RedirectionSessionError } from '../../../protocol/redirection/index.js'
import { RedirectionConnection } from '../../../consoles/redirection-session.js'

// The console-side pump (consoles/redirection-session.ts) against a peer that does not read.
let server: net.Server | null = null
const peers = new Set<net.Socket>()
afterEach(async () => {
  for (const s of peers) s.destroy()
  peers.clear()
  if (server !== null) {
    server.close()
    await once(server, 'close')
  }
  server = null
})

async function stalledPeer(): Promise<{ client: net.Socket; peer: Promise<net.Socket> }> {
  let accept: (socket: net.Socket) => void = () => undefined
  const peer = new Promise<net.Socket>((resolve) => (accept = resolve))
  const listening = net.createServer((socket) => {
    peers.add(socket)
    socket.pause()
    accept(socket)
  })
  server = listening
  listening.listen(0, '127.0.0.1')
  await once(listening, 'listening')
  const client = net.connect((listening.address() as net.AddressInfo).port, '127.0.0.1')
  peers.add(client)
  await once(client, 'connect')
  return { client, peer }
}

describe('RedirectionConnection backpressure and deadline', () => {
  it('waits for drain while a read is pending, resumes when the peer reads, and times out at the deadline', async () => {
    const { client, peer } = await stalledPeer()
    // The deadline must outlast pushing 12 MB once the peer reads, on a busy machine too.
    const connection = new RedirectionConnection(client, { deadlineMs: 6000 })
    const pendingRead = connection.next().catch((e: unknown) => e)
    const payload = Buffer.alloc(60_000, 0x41)
    const sends: Promise<void>[] = []
    for (let i = 0; i < 200; i++) sends.push(connection.send({ type: 'SOL_DATA_TO_HOST', seq: i, data: payload }))
    // 12 MB cannot fit in the socket buffers of a peer that does not read: some sends are waiting.
    expect(client.writableNeedDrain).toBe(true)
    const stalled = await Promise.race([Promise.all(sends).then(() => 'done'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))])
    expect(stalled).toBe('waiting')
    ;(await peer).resume()
    await Promise.all(sends)
    const read = await pendingRead
    expect((read as RedirectionSessionError).code).toBe(ErrorCode.REDIR_ERR_TIMEOUT)
    expect(connection.bytesOut).toBe(200 * (10 + 60_000))
    client.destroy()
  })
})
