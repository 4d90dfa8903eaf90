/**
 * A minimal CIRA gateway for testing the simulator, built only from protocol/apf (never from
 * gateway/): it accepts the device handshake with configurable quirks (USERAUTH_FAILURE in its
 * 14- and 15-byte forms, REQUEST_FAILURE for chosen ports, REQUEST_SUCCESS without a port, a
 * PROTOCOLVERSION echo as Console sends, KEEPALIVE_OPTIONS in the MPS or the Console style),
 * records a transcript, and opens channels to devices that tests read and write as streams.
 */

import { EventEmitter } from 'node:events'
import net from 'node:net'
import tls from 'node:tls'
import {
  ApfStreamDecoder,
  ChannelType,
  encodeApfMessage,
  encodeChannelDataHeader,
  MessageType as M,
  RESERVED_ALL_ONES,
  type ApfMessage,
} from '../../protocol/apf/index.js'
import { ApfDisconnectReason } from '../../protocol/errors.js'
import { DeviceChannel, type ChannelWire } from '../device/channel.js'

export interface MiniGatewayOptions {
  /** Certificate and key (PEM) for TLS; plain APF when absent. */
  readonly tls?: { readonly certificatePem: string; readonly privateKeyPem: string }
  readonly username?: string
  readonly password?: string
  /** Size of the USERAUTH_FAILURE we send: 15 (MPS) or 14 (Console/GoAPF). */
  readonly userauthFailureBytes?: 14 | 15
  /** Close the socket after a USERAUTH_FAILURE (Console, MeshCentral) instead of staying open (MPS). */
  readonly closeOnAuthFailure?: boolean
  /** Answer tcpip-forward for these ports with REQUEST_FAILURE. */
  readonly refusePorts?: readonly number[]
  /** Send REQUEST_SUCCESS as the 1-byte form (no port). */
  readonly portlessRequestSuccess?: boolean
  /** Echo PROTOCOLVERSION as Console/GoAPF do. */
  readonly echoProtocolVersion?: boolean
  /** KEEPALIVE_OPTIONS_REQUEST: after the 5900 forward (MPS, 30/0) or the 4th request (Console, 30/90). */
  readonly keepaliveOptions?: { readonly style: 'mps' | 'console'; readonly intervalSeconds: number; readonly timeoutSeconds: number } | null
  readonly answerKeepalives?: boolean
  /** Keep every message and every received byte per session (off for load tests). */
  readonly transcript?: boolean
  /** Window we offer in CHANNEL_OPEN (MPS: 81920 by default; 32768 before). */
  readonly channelWindow?: number
}

export interface TranscriptEntry {
  readonly dir: 'in' | 'out'
  readonly message: ApfMessage
}

export interface MiniGatewayCounters {
  connections: number
  authenticated: number
  authFailures: number
  protocolErrors: number
  keepalives: number
  channelWindowViolations: number
}

type Settle = { resolve: (channel: DeviceChannel) => void; reject: (error: Error) => void; port: number; window: number }

export class MiniSession extends EventEmitter<{ message: [ApfMessage]; close: [] }> implements ChannelWire {
  readonly socket: net.Socket
  uuid: string | null = null
  triggerReason: number | null = null
  username: string | null = null
  readonly forwardedPorts: number[] = []
  forwardRequests = 0
  keepaliveOptionsReply: { intervalSeconds: number; timeoutSeconds: number } | null = null
  readonly transcript: TranscriptEntry[] = []
  readonly received: Buffer[] = []
  closed = false
  private readonly gateway: MiniGateway
  private readonly decoder = new ApfStreamDecoder()
  private readonly channels = new Map<number, DeviceChannel>()
  private readonly opening = new Map<number, Settle>()
  private nextChannelId = 4
  private nextOriginatorPort = 1024

  constructor(gateway: MiniGateway, socket: net.Socket) {
    super()
    this.gateway = gateway
    this.socket = socket
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => undefined)
    socket.on('drain', () => {
      for (const channel of this.channels.values()) channel.resumeTransport()
    })
    socket.on('close', () => this.onClose())
  }

  /** Open a forwarded-tcpip channel to a device port, MPS style (ids from 4, originator 1.2.3.4). */
  openChannel(port: number, window = this.gateway.channelWindow): Promise<DeviceChannel> {
    const id = this.nextChannelId++
    return new Promise((resolve, reject) => {
      this.opening.set(id, { resolve, reject, port, window })
      this.send({
        type: M.CHANNEL_OPEN,
        channelType: ChannelType.FORWARDED_TCPIP,
        senderChannel: id,
        initialWindowSize: window,
        reserved: RESERVED_ALL_ONES,
        connectedAddress: '',
        connectedPort: port,
        originatorAddress: '1.2.3.4',
        originatorPort: this.nextOriginatorPort++,
      })
    })
  }

  send(message: ApfMessage): void {
    if (this.gateway.keepTranscript) this.transcript.push({ dir: 'out', message })
    if (!this.socket.destroyed) this.socket.write(encodeApfMessage(message, { twoByteTrailer: this.gateway.userauthFailureBytes === 15 }))
  }

  disconnect(reasonCode: number = ApfDisconnectReason.BY_APPLICATION): void {
    this.send({ type: M.DISCONNECT, reasonCode })
    this.socket.end()
  }

  sendData(remoteId: number, data: Buffer): boolean {
    if (this.gateway.keepTranscript) this.transcript.push({ dir: 'out', message: { type: M.CHANNEL_DATA, recipientChannel: remoteId, data } })
    this.socket.write(encodeChannelDataHeader(remoteId, data.length))
    return this.socket.write(data)
  }

  sendWindowAdjust(remoteId: number, bytesToAdd: number): void {
    this.send({ type: M.CHANNEL_WINDOW_ADJUST, recipientChannel: remoteId, bytesToAdd })
  }

  sendClose(remoteId: number): void {
    this.send({ type: M.CHANNEL_CLOSE, recipientChannel: remoteId })
  }

  release(localId: number): void {
    this.channels.delete(localId)
  }

  /** Messages received, in order. */
  get messagesIn(): ApfMessage[] {
    return this.transcript.filter((e) => e.dir === 'in').map((e) => e.message)
  }

  private onData(chunk: Buffer): void {
    if (this.gateway.keepTranscript) this.received.push(chunk)
    const { messages, error } = this.decoder.push(chunk)
    for (const message of messages) this.onMessage(message)
    if (error !== null) {
      this.gateway.counters.protocolErrors++
      this.disconnect(error.disconnectReason)
      this.socket.destroy()
    }
  }

  private onMessage(m: ApfMessage): void {
    if (this.gateway.keepTranscript) this.transcript.push({ dir: 'in', message: m })
    this.emit('message', m)
    const handler = this.gateway.handlers[m.type]
    if (handler !== undefined) handler(this, m as never)
  }

  onForward(port: number): void {
    this.forwardRequests++
    const g = this.gateway
    if (g.refusePorts.has(port)) this.send({ type: M.REQUEST_FAILURE })
    else {
      this.forwardedPorts.push(port)
      this.send({ type: M.REQUEST_SUCCESS, portBound: g.portless ? null : port })
    }
    const ko = g.keepaliveOptions
    if (ko !== null && ((ko.style === 'mps' && port === 5900) || (ko.style === 'console' && this.forwardRequests === 4))) {
      this.send({ type: M.KEEPALIVE_OPTIONS_REQUEST, intervalSeconds: ko.intervalSeconds, timeoutSeconds: ko.timeoutSeconds })
    }
  }

  onChannelReply(m: ApfMessage): void {
    if (m.type === M.CHANNEL_OPEN_CONFIRMATION) {
      const settle = this.opening.get(m.recipientChannel)
      if (settle === undefined) return
      this.opening.delete(m.recipientChannel)
      const channel = new DeviceChannel(this, {
        localId: m.recipientChannel,
        remoteId: m.senderChannel,
        port: settle.port,
        remoteWindow: m.initialWindowSize,
        receiveWindow: settle.window,
      })
      channel.on('error', () => undefined) // aborted when the device goes; tests watch 'close'
      this.channels.set(m.recipientChannel, channel)
      settle.resolve(channel)
    } else if (m.type === M.CHANNEL_OPEN_FAILURE) {
      const settle = this.opening.get(m.recipientChannel)
      this.opening.delete(m.recipientChannel)
      settle?.reject(Object.assign(new Error(`CHANNEL_OPEN_FAILURE reason ${m.reasonCode}`), { reasonCode: m.reasonCode }))
    } else if (m.type === M.CHANNEL_DATA) {
      const channel = this.channels.get(m.recipientChannel)
      if (channel !== undefined && !channel.receiveData(m.data)) this.gateway.counters.channelWindowViolations++
    } else if (m.type === M.CHANNEL_WINDOW_ADJUST) {
      this.channels.get(m.recipientChannel)?.addSendCredit(m.bytesToAdd)
    } else if (m.type === M.CHANNEL_CLOSE) {
      this.channels.get(m.recipientChannel)?.receiveClose()
    }
  }

  private onClose(): void {
    this.closed = true
    const error = new Error('device connection closed')
    for (const channel of this.channels.values()) channel.abort(error)
    this.channels.clear()
    for (const settle of this.opening.values()) settle.reject(error)
    this.opening.clear()
    this.gateway.sessions.delete(this)
    this.emit('close')
  }
}

type Handler = (session: MiniSession, message: never) => void

export class MiniGateway extends EventEmitter<{ session: [MiniSession] }> {
  readonly counters: MiniGatewayCounters = {
    connections: 0,
    authenticated: 0,
    authFailures: 0,
    protocolErrors: 0,
    keepalives: 0,
    channelWindowViolations: 0,
  }
  readonly sessions = new Set<MiniSession>()
  readonly keepTranscript: boolean
  readonly userauthFailureBytes: 14 | 15
  readonly refusePorts: ReadonlySet<number>
  readonly portless: boolean
  readonly keepaliveOptions: MiniGatewayOptions['keepaliveOptions'] & object | null
  readonly channelWindow: number
  readonly handlers: Partial<Record<number, Handler>>
  private readonly server: net.Server
  private readonly options: MiniGatewayOptions

  constructor(options: MiniGatewayOptions = {}) {
    super()
    this.options = options
    this.keepTranscript = options.transcript ?? true
    this.userauthFailureBytes = options.userauthFailureBytes ?? 15
    this.refusePorts = new Set(options.refusePorts ?? [])
    this.portless = options.portlessRequestSuccess === true
    this.keepaliveOptions = options.keepaliveOptions ?? null
    this.channelWindow = options.channelWindow ?? 32768
    this.handlers = this.makeHandlers()
    const onSocket = (socket: net.Socket) => this.accept(socket)
    this.server =
      options.tls === undefined
        ? net.createServer(onSocket)
        : tls.createServer({ cert: options.tls.certificatePem, key: options.tls.privateKeyPem }, onSocket)
    this.server.on('tlsClientError', () => undefined)
  }

  listen(port = 0, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen({ port, host, backlog: 4096 }, () => {
        const address = this.server.address() as net.AddressInfo
        resolve({ host, port: address.port })
      })
    })
  }

  /** Sessions that have authenticated and asked for at least `ports` forwards. */
  readySessions(ports: number): MiniSession[] {
    return [...this.sessions].filter((s) => s.forwardRequests >= ports)
  }

  /** Resolve when `predicate` holds, checking after every message (rejects after `timeoutMs`). */
  waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return
        clearInterval(poll)
        clearTimeout(deadline)
        resolve()
      }
      const poll = setInterval(check, 5)
      const deadline = setTimeout(() => {
        clearInterval(poll)
        reject(new Error('mini gateway: condition not met in time'))
      }, timeoutMs)
    })
  }

  close(): Promise<void> {
    for (const session of this.sessions) session.socket.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }

  private accept(socket: net.Socket): void {
    this.counters.connections++
    socket.setNoDelay(true)
    const session = new MiniSession(this, socket)
    this.sessions.add(session)
    this.emit('session', session)
  }

  private makeHandlers(): Partial<Record<number, Handler>> {
    const o = this.options
    const h: Partial<Record<number, (s: MiniSession, m: ApfMessage) => void>> = {}
    h[M.PROTOCOLVERSION] = (s, m) => {
      if (m.type !== M.PROTOCOLVERSION) return
      s.uuid = m.uuid
      s.triggerReason = m.triggerReason
      if (o.echoProtocolVersion === true) s.send(m)
    }
    h[M.SERVICE_REQUEST] = (s, m) => {
      if (m.type === M.SERVICE_REQUEST) s.send({ type: M.SERVICE_ACCEPT, serviceName: m.serviceName })
    }
    h[M.USERAUTH_REQUEST] = (s, m) => {
      if (m.type !== M.USERAUTH_REQUEST) return
      s.username = m.username
      if (m.username === (o.username ?? 'admin') && m.password === (o.password ?? 'P@ssw0rd')) {
        this.counters.authenticated++
        s.send({ type: M.USERAUTH_SUCCESS })
        return
      }
      this.counters.authFailures++
      s.send({ type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false })
      if (o.closeOnAuthFailure === true) s.socket.end()
    }
    h[M.GLOBAL_REQUEST] = (s, m) => {
      if (m.type === M.GLOBAL_REQUEST && m.request.kind === 'tcpip-forward') s.onForward(m.request.port)
    }
    h[M.KEEPALIVE_REQUEST] = (s, m) => {
      if (m.type !== M.KEEPALIVE_REQUEST) return
      this.counters.keepalives++
      if (o.answerKeepalives !== false) s.send({ type: M.KEEPALIVE_REPLY, cookie: m.cookie })
    }
    h[M.KEEPALIVE_OPTIONS_REPLY] = (s, m) => {
      if (m.type === M.KEEPALIVE_OPTIONS_REPLY) s.keepaliveOptionsReply = { intervalSeconds: m.intervalSeconds, timeoutSeconds: m.timeoutSeconds }
    }
    h[M.DISCONNECT] = (s) => s.socket.end()
    for (const type of [M.CHANNEL_OPEN_CONFIRMATION, M.CHANNEL_OPEN_FAILURE, M.CHANNEL_DATA, M.CHANNEL_WINDOW_ADJUST, M.CHANNEL_CLOSE]) {
      h[type] = (s, m) => s.onChannelReply(m)
    }
    return h as Partial<Record<number, Handler>>
  }
}
