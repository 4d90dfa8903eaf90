/**
 * A SOCKS5 exchange step by step with the one SOCKS5 codec, for the cases that need what the
 * console client never sends (BIND, UDP ASSOCIATE, no or wrong credentials) and need to see
 * exactly where the proxy said no.
 */

import { connect, type Socket } from 'node:net'
import { AuthMethod, decodeSocks5Message, encodeSocks5Message, UserPassStatus, type Command, type Socks5ServerMessage } from '../../protocol/socks5/index.js'
import type { Credentials, HostPort } from '../target.js'

export type SocksOutcome =
  | { readonly stage: 'method'; readonly method: number }
  | { readonly stage: 'auth'; readonly status: number }
  | { readonly stage: 'reply'; readonly reply: number }
  | { readonly stage: 'closed'; readonly after: string }

export interface SocksAttempt {
  readonly proxy: HostPort
  readonly command: Command
  readonly host: string
  readonly port: number
  /** Credentials to offer; null offers only "no authentication". */
  readonly credentials: Credentials | null
  readonly timeoutMs: number
}

/** Greeting, optional RFC 1929 login, request; stops at the first refusal. The socket is closed on return. */
export async function trySocks(attempt: SocksAttempt): Promise<SocksOutcome> {
  const socket = connect({ host: attempt.proxy.host, port: attempt.proxy.port })
  socket.on('error', () => undefined)
  const reader = new Reader(socket, attempt.timeoutMs)
  try {
    await new Promise<void>((resolveConnect, rejectConnect) => {
      socket.once('connect', () => resolveConnect())
      socket.once('error', rejectConnect)
    })
    const methods = attempt.credentials === null ? [AuthMethod.NO_AUTHENTICATION] : [AuthMethod.NO_AUTHENTICATION, AuthMethod.USERNAME_PASSWORD]
    socket.write(encodeSocks5Message({ type: 'greeting', methods }))
    const selection = await reader.next('method-selection')
    if (selection === null) return { stage: 'closed', after: 'greeting' }
    if (selection.method === AuthMethod.USERNAME_PASSWORD && attempt.credentials !== null) {
      socket.write(encodeSocks5Message({ type: 'userpass-request', username: Buffer.from(attempt.credentials.username), password: Buffer.from(attempt.credentials.password) }))
      const status = await reader.next('userpass-response')
      if (status === null) return { stage: 'closed', after: 'credentials' }
      if (status.status !== UserPassStatus.SUCCESS) return { stage: 'auth', status: status.status }
    } else if (selection.method !== AuthMethod.NO_AUTHENTICATION) {
      return { stage: 'method', method: selection.method }
    }
    socket.write(encodeSocks5Message({ type: 'request', command: attempt.command, address: { type: 'domain', host: attempt.host }, port: attempt.port }))
    const reply = await reader.next('reply')
    return reply === null ? { stage: 'closed', after: 'request' } : { stage: 'reply', reply: reply.reply }
  } catch {
    return { stage: 'closed', after: 'connect' }
  } finally {
    reader.stop()
    socket.destroy()
  }
}

export function describeSocksOutcome(o: SocksOutcome): string {
  switch (o.stage) {
    case 'method':
      return `method selection 0x${o.method.toString(16)}`
    case 'auth':
      return `username/password status ${o.status}`
    case 'reply':
      return `reply ${o.reply}`
    case 'closed':
      return `connection closed after the ${o.after}`
  }
}

class Reader {
  private held: Buffer = Buffer.alloc(0)
  private wake: (() => void) | null = null
  private ended = false
  private readonly deadline: number

  constructor(private readonly socket: Socket, timeoutMs: number) {
    this.deadline = performance.now() + timeoutMs
    socket.on('data', this.onData)
    socket.on('close', this.onEnd)
  }

  private readonly onData = (d: Buffer): void => {
    this.held = this.held.length === 0 ? d : Buffer.concat([this.held, d])
    this.wake?.()
  }

  private readonly onEnd = (): void => {
    this.ended = true
    this.wake?.()
  }

  /** The next server message of `type`, or null when the proxy closed or went quiet. */
  async next<T extends Socks5ServerMessage['type']>(type: T): Promise<Extract<Socks5ServerMessage, { type: T }> | null> {
    for (;;) {
      const r = decodeSocks5Message(type, this.held)
      if (r.kind === 'message') {
        this.held = this.held.subarray(r.length)
        return r.message as Extract<Socks5ServerMessage, { type: T }>
      }
      if (r.kind === 'error' || this.ended) return null
      const left = this.deadline - performance.now()
      if (left <= 0) return null
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => resolveWait(), left)
        this.wake = () => {
          clearTimeout(timer)
          resolveWait()
        }
      })
      this.wake = null
    }
  }

  stop(): void {
    this.socket.removeListener('data', this.onData)
    this.socket.removeListener('close', this.onEnd)
  }
}
