/**
 * A tiny APF server for the framework's own tests, made from protocol/apf: it logs devices in,
 * grants forwards and echoes keepalives, with switches that break one behaviour at a time so
 * the tests can check verdicts and evidence. It is not a target and never appears in a report.
 */

import { createServer, type Server, type TLSSocket } from 'node:tls'
import { ApfStreamDecoder, encodeApfMessage, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { loopbackPki } from '../../pki/fixtures.js'
import { parseTarget, type ResolvedTarget } from '../target.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface FakeBehaviour {
  /** Answer KEEPALIVE_REQUEST (default true). */
  readonly echoKeepalive?: boolean
  /** USERAUTH_FAILURE trailer bytes: 1 (SSH form, default) or 2 (MPS form). */
  readonly failureTrailer?: 1 | 2
}

export interface FakeGateway {
  readonly target: ResolvedTarget
  close(): Promise<void>
}

const CREDENTIALS = { username: 'fakedevice', password: 'fake-pass' }

export async function startFakeGateway(behaviour: FakeBehaviour = {}): Promise<FakeGateway> {
  const pki = loopbackPki()
  const sockets = new Set<TLSSocket>()
  const server: Server = createServer({ cert: pki.server.certificatePem, key: pki.server.privateKeyPem }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    serve(socket, behaviour)
  })
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-fake-'))
  writeFileSync(join(dir, 'ca.crt'), pki.ca.certificatePem)
  const target = parseTarget(
    { name: 'fake', device: { host: '127.0.0.1', port, tls: true, ca: 'ca.crt', serverName: pki.serverName }, credentials: CREDENTIALS, timing: { idleTimeoutSeconds: 1 } },
    'fake (test support)',
    dir,
  )
  return {
    target,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function serve(socket: TLSSocket, behaviour: FakeBehaviour): void {
  const decoder = new ApfStreamDecoder()
  const send = (m: ApfMessage) => socket.write(encodeApfMessage(m, { twoByteTrailer: behaviour.failureTrailer === 2 }))
  socket.on('error', () => undefined)
  socket.on('data', (chunk: Buffer) => {
    const { messages, error } = decoder.push(chunk)
    for (const m of messages) answer(m, send, behaviour)
    if (error !== null) {
      send({ type: M.DISCONNECT, reasonCode: error.disconnectReason })
      socket.end()
    }
  })
}

function answer(m: ApfMessage, send: (m: ApfMessage) => void, behaviour: FakeBehaviour): void {
  switch (m.type) {
    case M.SERVICE_REQUEST:
      send({ type: M.SERVICE_ACCEPT, serviceName: m.serviceName })
      return
    case M.USERAUTH_REQUEST:
      if (m.username === CREDENTIALS.username && m.password === CREDENTIALS.password) send({ type: M.USERAUTH_SUCCESS })
      else send({ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false })
      return
    case M.GLOBAL_REQUEST:
      if (m.wantReply && m.request.kind === 'tcpip-forward') send({ type: M.REQUEST_SUCCESS, portBound: m.request.port })
      return
    case M.KEEPALIVE_REQUEST:
      if (behaviour.echoKeepalive !== false) send({ type: M.KEEPALIVE_REPLY, cookie: m.cookie })
      return
    default:
      return
  }
}
