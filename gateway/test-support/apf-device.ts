/**
 * A scripted device for gateway tests, speaking APF with the one codec (protocol/apf), over
 * real TLS or plain TCP on loopback. Not the simulator: every byte is under the test's control.
 */

import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { ApfStreamDecoder, encodeApfMessage, MessageType as M, RESERVED_ALL_ONES, ServiceName, type ApfMessage } from '../../protocol/apf/index.js'

export interface HandshakeOptions {
  readonly uuid: string
  readonly username: string
  readonly password: string
  readonly ports?: readonly number[]
  readonly fqdn?: string
  readonly triggerReason?: number
}

export function handshakeMessages(o: HandshakeOptions): ApfMessage[] {
  const out: ApfMessage[] = [
    { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: o.triggerReason ?? 4, uuid: o.uuid },
    { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH },
    { type: M.USERAUTH_REQUEST, username: o.username, serviceName: ServiceName.PFWD, methodName: 'password', password: o.password },
    { type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD },
  ]
  for (const port of o.ports ?? []) {
    out.push({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: o.fqdn ?? '', port } })
  }
  return out
}

export class TestDevice {
  readonly socket: Socket
  private readonly decoder = new ApfStreamDecoder()
  private readonly inbox: ApfMessage[] = []
  private waiters: (() => void)[] = []
  readonly closed: Promise<void>
  /** Set once the gateway's bytes stopped being APF (should never happen). */
  decodeError: Error | null = null
  private handler: ((message: ApfMessage) => void) | null = null

  private constructor(socket: Socket) {
    this.socket = socket
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = this.decoder.push(chunk)
      if (error !== null) this.decodeError = error
      if (this.handler !== null) for (const m of messages) this.handler(m)
      else this.inbox.push(...messages)
      this.wake()
    })
    socket.on('error', () => undefined)
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake()
      resolve()
    }))
  }

  static connectTls(port: number, ca: string, host = '127.0.0.1', servername = 'gateway.ciralab.test'): Promise<TestDevice> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ host, port, ca, servername }, () => resolve(new TestDevice(socket)))
      socket.once('error', reject)
    })
  }

  static connectPlain(port: number, host = '127.0.0.1'): Promise<TestDevice> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host, port }, () => resolve(new TestDevice(socket)))
      socket.once('error', reject)
    })
  }

  /** From now on every message goes to `handler` (held ones first) instead of `next()`. */
  handle(handler: (message: ApfMessage) => void): void {
    this.handler = handler
    for (const m of this.inbox.splice(0)) handler(m)
  }

  get isClosed(): boolean {
    return this.socket.destroyed
  }

  send(...messages: ApfMessage[]): void {
    this.socket.write(Buffer.concat(messages.map((m) => encodeApfMessage(m))))
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Messages received and not yet taken. */
  get pending(): readonly ApfMessage[] {
    return this.inbox
  }

  /** The next message (of `type`, skipping others when `skip`), or throw after `timeoutMs`. */
  async next(type?: number, timeoutMs = 5000, skip = false): Promise<ApfMessage> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.inbox.length > 0) {
        const m = this.inbox.shift() as ApfMessage
        if (type === undefined || m.type === type) return m
        if (!skip) throw new Error(`expected message type ${type}, got ${JSON.stringify(m)}`)
      }
      if (this.socket.destroyed && this.inbox.length === 0) throw new Error(`connection closed while waiting for message type ${type ?? 'any'}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no message of type ${type ?? 'any'} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Full handshake; returns once every forward was answered. */
  async handshake(o: HandshakeOptions): Promise<void> {
    const [version, authService, userauth, pfwd, ...forwards] = handshakeMessages(o)
    this.send(version as ApfMessage, authService as ApfMessage)
    await this.next(M.SERVICE_ACCEPT)
    this.send(userauth as ApfMessage)
    const answer = await this.next()
    if (answer.type !== M.USERAUTH_SUCCESS) throw new Error(`authentication refused: ${JSON.stringify(answer)}`)
    this.send(pfwd as ApfMessage)
    await this.next(M.SERVICE_ACCEPT)
    for (const forward of forwards) {
      this.send(forward)
      await this.next(M.REQUEST_SUCCESS, 5000, true)
    }
  }

  /** Wait for the gateway's CHANNEL_OPEN and confirm it with our id and window. */
  async acceptChannel(deviceChannelId: number, window: number): Promise<{ gatewayChannel: number; gatewayWindow: number; port: number }> {
    const open = await this.next(M.CHANNEL_OPEN, 5000, true)
    if (open.type !== M.CHANNEL_OPEN) throw new Error('unreachable')
    this.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: open.senderChannel, senderChannel: deviceChannelId, initialWindowSize: window, reserved: RESERVED_ALL_ONES })
    return { gatewayChannel: open.senderChannel, gatewayWindow: open.initialWindowSize, port: open.connectedPort }
  }

  /** Wait until the socket closed; true when it did within `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs)
    })
    const result = await Promise.race([this.closed.then(() => true), timeout])
    clearTimeout(timer)
    return result
  }

  destroy(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
