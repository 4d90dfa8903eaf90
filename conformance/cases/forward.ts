/**
 * apf/forward, apf/udp, apf/direct: what a device may ask the gateway for (apf.md §1.3 GLOBAL_REQUEST,
 * CHANNEL_OPEN, §2.1 step 6, §3.2): port forwards accepted and refused, their cancellation,
 * and traffic the device originates (udp-send-to, direct-tcpip), allowed and blocked.
 */

import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { createServer, type Server, type Socket } from 'node:net'
import { MessageType as M } from '../../protocol/apf/index.js'
import { cancelTcpipForward, handshake, REPLY_TIMEOUT_MS, replyText, tcpipForward } from '../probe/firmware.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { info, notApplicable, pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import { openProbe, uuidFor } from './support.js'

async function readyProbe(ctx: CaseContext, ports: readonly number[] = [16992]): Promise<ProbeDevice> {
  const probe = await openProbe(ctx, 'device')
  await handshake(probe, uuidFor(ctx), ctx.target.credentials, ports)
  return probe
}

async function replyTo(probe: ProbeDevice, ms = 2000): Promise<string> {
  const r = await probe.next(ms)
  return r === null ? probe.describeSilence(ms) : `${replyText(r.message)} (${r.bytes.toString('hex')})`
}

/** A UDP socket and a TCP listener on 127.0.0.1 that record what reaches them. */
interface Sink {
  readonly port: number
  readonly datagrams: Buffer[]
  readonly connections: Socket[]
  close(): Promise<void>
}

/**
 * Bind the sink; with `port` 0 a free UDP port is picked and TCP must get the same number,
 * which a loaded machine may have just handed to an outgoing connection: try a few.
 */
async function openSink(ctx: CaseContext, port = 0): Promise<Sink> {
  for (let attempt = 1; ; attempt++) {
    try {
      const sink = await bindSink(port)
      ctx.defer(() => sink.close())
      return sink
    } catch (error) {
      if (port !== 0 || attempt >= 5 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
}

async function bindSink(port: number): Promise<Sink> {
  const udp: UdpSocket = createSocket('udp4')
  const datagrams: Buffer[] = []
  const connections: Socket[] = []
  udp.on('message', (m) => {
    if (datagrams.length < 100) datagrams.push(m)
  })
  await new Promise<void>((resolveBind, rejectBind) => {
    udp.once('error', rejectBind)
    udp.bind(port, '127.0.0.1', () => resolveBind())
  })
  const bound = udp.address().port
  const tcp: Server = createServer((s) => {
    connections.push(s)
    s.on('error', () => undefined)
  })
  const closeUdp = () => new Promise<void>((r) => udp.close(() => r()))
  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      tcp.once('error', rejectListen)
      tcp.listen(bound, '127.0.0.1', () => resolveListen())
    })
  } catch (error) {
    await closeUdp()
    throw error
  }
  return {
    port: bound,
    datagrams,
    connections,
    close: async () => {
      for (const s of connections) s.destroy()
      await closeUdp()
      await new Promise<void>((r) => tcp.close(() => r()))
    },
  }
}

function udpSendTo(port: number, data: Buffer, wantReply: boolean) {
  return {
    type: M.GLOBAL_REQUEST,
    wantReply,
    request: { kind: 'udp-send-to' as const, address: '127.0.0.1', port, originatorAddress: '127.0.0.1', originatorPort: 623, data },
  }
}

function directOpen(senderChannel: number, port: number) {
  return {
    type: M.CHANNEL_OPEN,
    channelType: 'direct-tcpip',
    senderChannel,
    initialWindowSize: 4096,
    reserved: 0xffffffff,
    connectedAddress: '127.0.0.1',
    connectedPort: port,
    originatorAddress: '127.0.0.1',
    originatorPort: 50000,
  }
}

export const forwardCases: readonly ConformanceCase[] = [
  {
    id: 'apf/forward/1',
    title: 'tcpip-forward with a host name is accepted',
    requirement: 'Firmware may put its host name in the forward\'s address (LME traces show the OS host name); the reply is REQUEST_SUCCESS with the same port.',
    source: 'apf.md §1.3 GLOBAL_REQUEST tcpip-forward, §5.2 (MeshCentral#2498), §5.3',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send(tcpipForward(16993, 'amt-probe.ciralab.test'))
      const r = await probe.expect(M.REQUEST_SUCCESS, REPLY_TIMEOUT_MS, 'to tcpip-forward amt-probe.ciralab.test:16993')
      return r.portBound === 16993 ? pass(r.wire.toString('hex')) : violation('REQUEST_SUCCESS 16993', `REQUEST_SUCCESS ${r.portBound ?? '(no port)'}`)
    },
  },
  {
    id: 'apf/forward/2',
    title: 'tcpip-forward without want-reply gets no reply',
    requirement: 'With want-reply clear the gateway must not answer the request (SSH semantics); the next reply the device sees is the one to its next request.',
    source: 'apf.md §1.3 GLOBAL_REQUEST (want-reply), §5.1 (GoAPF vector with want-reply 0)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send(tcpipForward(16992, '', false))
      await probe.send({ type: M.KEEPALIVE_REQUEST, cookie: 0xf0f0 })
      const first = await probe.next(REPLY_TIMEOUT_MS)
      if (first?.message.type === M.KEEPALIVE_REPLY) return pass('first reply was the KEEPALIVE_REPLY')
      return violation('no reply to the forward; KEEPALIVE_REPLY first', first === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(first.message))
    },
  },
  {
    id: 'apf/forward/3',
    title: 'a forward outside the AMT ports gets an answer',
    requirement: 'tcpip-forward for port 22 (no AMT service) with want-reply set must get REQUEST_SUCCESS or REQUEST_FAILURE, never silence, and the session goes on.',
    source: 'apf.md §1.3 REQUEST_SUCCESS / REQUEST_FAILURE, §2.1 step 6',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send(tcpipForward(22))
      const r = await probe.next(REPLY_TIMEOUT_MS)
      if (r === null || (r.message.type !== M.REQUEST_SUCCESS && r.message.type !== M.REQUEST_FAILURE)) {
        return violation('REQUEST_SUCCESS or REQUEST_FAILURE', r === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(r.message))
      }
      if (!(await probe.isResponsive(0x22, REPLY_TIMEOUT_MS))) return violation('the session to go on', probe.describeSilence(REPLY_TIMEOUT_MS))
      return pass(`${replyText(r.message)} (${r.bytes.toString('hex')})`)
    },
  },
  {
    id: 'apf/forward/4',
    title: 'a forward outside the AMT ports is refused',
    requirement: 'A gateway should refuse (REQUEST_FAILURE) a forward for a port no AMT service uses (22), so consoles cannot be routed to arbitrary device ports (MPS and MeshCentral accept every port).',
    source: 'apf.md §2.1 step 6 (port set), §1.3 REQUEST_FAILURE',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send(tcpipForward(22))
      const r = await probe.next(REPLY_TIMEOUT_MS)
      if (r?.message.type === M.REQUEST_FAILURE) return pass('REQUEST_FAILURE')
      return violation('REQUEST_FAILURE', r === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(r.message))
    },
  },
  {
    id: 'apf/forward/5',
    title: 'cancel-tcpip-forward of a forwarded port succeeds',
    requirement: 'cancel-tcpip-forward for a port the device forwarded gets REQUEST_SUCCESS.',
    source: 'apf.md §1.3 GLOBAL_REQUEST cancel-tcpip-forward, REQUEST_SUCCESS',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [16992])
      await probe.send(cancelTcpipForward(16992))
      const r = await probe.expect(M.REQUEST_SUCCESS, REPLY_TIMEOUT_MS, 'to cancel-tcpip-forward 16992')
      return pass(`REQUEST_SUCCESS, ${r.wire.length} byte(s): ${r.wire.toString('hex')}`)
    },
  },
  {
    id: 'apf/forward/6',
    title: 'the cancel reply is the 1-byte form',
    requirement: 'The reply to cancel-tcpip-forward should be the bare 1-byte REQUEST_SUCCESS (MPS, LMS, GoAPF); the 5-byte form with a port belongs to tcpip-forward.',
    source: 'apf.md §1.3 REQUEST_SUCCESS, §5.1 (MPS test: cancel reply = 51)',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [16992])
      await probe.send(cancelTcpipForward(16992))
      const r = await probe.expect(M.REQUEST_SUCCESS, REPLY_TIMEOUT_MS, 'to cancel-tcpip-forward 16992')
      return r.wire.length === 1 ? pass('51') : violation('51 (1 byte)', r.wire.toString('hex'))
    },
  },
  {
    id: 'apf/forward/7',
    title: 'cancel of a port never forwarded',
    requirement: 'What the gateway answers to cancel-tcpip-forward for a port the device never forwarded (MPS: REQUEST_SUCCESS regardless). Recorded.',
    source: 'apf.md §1.3, §3.2',
    level: 'INFO',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send(cancelTcpipForward(16995))
      return info(await replyTo(probe))
    },
  },
  {
    id: 'apf/udp/1',
    title: 'udp-send-to a destination not authorised is dropped',
    requirement: 'A udp-send-to for a destination the gateway does not authorise must not send the datagram, and the session goes on.',
    source: 'apf.md §1.2 (udp-send-to@amt.intel.com), §1.3 GLOBAL_REQUEST udp-send-to, §3.2',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const sink = await openSink(ctx)
      const probe = await readyProbe(ctx, [])
      await probe.send(udpSendTo(sink.port, Buffer.from('ciralab-udp-blocked'), false))
      await probe.collect(500)
      if (sink.datagrams.length > 0) return violation(`no datagram at 127.0.0.1:${sink.port} within 500 ms`, `${sink.datagrams.length} datagram(s) arrived`)
      if (!(await probe.isResponsive(0x0d0d, REPLY_TIMEOUT_MS))) return violation('the session to go on', probe.describeSilence(REPLY_TIMEOUT_MS))
      return pass('no datagram; session answered a keepalive')
    },
  },
  {
    id: 'apf/udp/2',
    title: 'a refused udp-send-to with want-reply gets REQUEST_FAILURE',
    requirement: 'With want-reply set, a udp-send-to the gateway will not carry should be answered REQUEST_FAILURE (MPS parses and drops it silently).',
    source: 'apf.md §1.3, §3.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const sink = await openSink(ctx)
      const probe = await readyProbe(ctx, [])
      await probe.send(udpSendTo(sink.port, Buffer.from('ciralab-udp-blocked'), true))
      const r = await probe.next(2000)
      if (r?.message.type === M.REQUEST_FAILURE) return pass('REQUEST_FAILURE')
      return violation('REQUEST_FAILURE', r === null ? probe.describeSilence(2000) : replyText(r.message))
    },
  },
  {
    id: 'apf/udp/3',
    title: 'udp-send-to an authorised destination is delivered',
    requirement: 'A udp-send-to for a destination the target authorises (target file deviceOriginated.allowed) should arrive there with its exact payload.',
    source: 'apf.md §1.3 GLOBAL_REQUEST udp-send-to (LMS LMEConnection.cpp)',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const allowed = ctx.target.deviceOriginatedAllowed[0]
      if (allowed === undefined) return notApplicable('the target authorises no destination for devices (deviceOriginated.allowed)')
      const sink = await openSink(ctx, allowed.port)
      const probe = await readyProbe(ctx, [])
      const payload = Buffer.from(`ciralab-udp-${ctx.options.seed}`)
      await probe.send(udpSendTo(sink.port, payload, false))
      const deadline = performance.now() + 1000
      while (sink.datagrams.length === 0 && performance.now() < deadline) await probe.collect(20)
      const got = sink.datagrams[0]
      if (got === undefined) return violation(`a datagram at 127.0.0.1:${sink.port}`, 'none within 1 s')
      return got.equals(payload) ? pass(`datagram of ${got.length} bytes delivered`) : violation(payload.toString('hex'), got.toString('hex'))
    },
  },
  {
    id: 'apf/direct/1',
    title: 'direct-tcpip to a destination not authorised is refused',
    requirement: 'A device CHANNEL_OPEN direct-tcpip to a destination the gateway does not authorise must get CHANNEL_OPEN_FAILURE addressed to the device\'s channel, and no connection may reach the destination.',
    source: 'apf.md §1.3 CHANNEL_OPEN / CHANNEL_OPEN_FAILURE, §3.2 (MPS: failure 3)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const sink = await openSink(ctx)
      const probe = await readyProbe(ctx, [])
      await probe.send(directOpen(7, sink.port))
      const r = await probe.next(REPLY_TIMEOUT_MS)
      await probe.collect(300)
      if (sink.connections.length > 0) return violation('no connection to 127.0.0.1:' + sink.port, `${sink.connections.length} connection(s) arrived`)
      if (r === null || r.message.type !== M.CHANNEL_OPEN_FAILURE) return violation('CHANNEL_OPEN_FAILURE to channel 7', r === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(r.message))
      if (r.message.recipientChannel !== 7) return violation('recipient channel 7', `recipient channel ${r.message.recipientChannel}`)
      return pass(`CHANNEL_OPEN_FAILURE reason ${r.message.reasonCode}`)
    },
  },
  {
    id: 'apf/direct/2',
    title: 'direct-tcpip to an authorised destination carries data',
    requirement: 'A device CHANNEL_OPEN direct-tcpip to a destination the target authorises should be confirmed, and bytes should reach the destination and come back intact.',
    source: 'apf.md §1.3 CHANNEL_OPEN direct-tcpip, §7 (LMS accepts direct-tcpip)',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    run: (ctx) => directAllowed(ctx),
  },
  {
    id: 'apf/direct/3',
    title: 'forwarded-tcpip opened by the device is refused',
    requirement: 'forwarded-tcpip channels are opened by the gateway, never the device: a device CHANNEL_OPEN forwarded-tcpip must get CHANNEL_OPEN_FAILURE (MPS and MeshCentral: reason 3).',
    source: 'apf.md §1.3 CHANNEL_OPEN, §3.2, §7',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx, [])
      await probe.send({ ...directOpen(9, 16992), channelType: 'forwarded-tcpip' })
      const r = await probe.next(REPLY_TIMEOUT_MS)
      if (r?.message.type === M.CHANNEL_OPEN_FAILURE && r.message.recipientChannel === 9) return pass(`CHANNEL_OPEN_FAILURE reason ${r.message.reasonCode}`)
      return violation('CHANNEL_OPEN_FAILURE to channel 9', r === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(r.message))
    },
  },
]

async function directAllowed(ctx: CaseContext): Promise<Outcome> {
  const allowed = ctx.target.deviceOriginatedAllowed[0]
  if (allowed === undefined) return notApplicable('the target authorises no destination for devices (deviceOriginated.allowed)')
  const sink = await openSink(ctx, allowed.port)
  const probe = await readyProbe(ctx, [])
  await probe.send(directOpen(11, sink.port))
  const r = await probe.next(REPLY_TIMEOUT_MS)
  if (r === null || r.message.type !== M.CHANNEL_OPEN_CONFIRMATION) {
    return violation('CHANNEL_OPEN_CONFIRMATION', r === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(r.message))
  }
  const remote = r.message.senderChannel
  const payload = Buffer.from(`ciralab-direct-${ctx.options.seed}`)
  await probe.send({ type: M.CHANNEL_DATA, recipientChannel: remote, data: payload })
  const deadline = performance.now() + REPLY_TIMEOUT_MS
  while (sink.connections.length === 0 && performance.now() < deadline) await probe.collect(50)
  const conn = sink.connections[0]
  if (conn === undefined) return violation(`a connection at 127.0.0.1:${sink.port}`, 'none')
  const echoed = await new Promise<Buffer>((resolveRead) => {
    const parts: Buffer[] = []
    const timer = setTimeout(() => resolveRead(Buffer.concat(parts)), 2000)
    conn.on('data', (d: Buffer) => {
      parts.push(d)
      if (Buffer.concat(parts).length >= payload.length) {
        clearTimeout(timer)
        resolveRead(Buffer.concat(parts))
      }
    })
  })
  if (!echoed.equals(payload)) return violation(`${payload.length} bytes at the destination`, `${echoed.length} bytes (${echoed.toString('hex').slice(0, 64)})`)
  conn.write(Buffer.from('pong'))
  const back = await probe.next(REPLY_TIMEOUT_MS)
  if (back?.message.type !== M.CHANNEL_DATA || !back.message.data.equals(Buffer.from('pong'))) {
    return violation('CHANNEL_DATA "pong" back to the device', back === null ? probe.describeSilence(REPLY_TIMEOUT_MS) : replyText(back.message))
  }
  return pass('confirmed; bytes arrived at the destination and the reply came back')
}
