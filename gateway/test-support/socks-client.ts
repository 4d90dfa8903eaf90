/** A SOCKS5 client for tests (RFC 1928 CONNECT, optional RFC 1929), on protocol/socks5. */

import { connect, isIP, type Socket } from 'node:net'
import { decodeMethodSelection, decodeReply, decodeUserPassResponse, encodeGreeting, encodeRequest, encodeUserPassRequest } from '../../protocol/socks5/index.js'

export class SocksReplyError extends Error {
  readonly reply: number
  constructor(reply: number) {
    super(`SOCKS5 reply ${reply}`)
    this.reply = reply
  }
}

function readUntil<T>(socket: Socket, decode: (buf: Buffer) => { kind: string; message?: T; length?: number }): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const r = decode(buf)
      if (r.kind === 'need-more') return
      socket.off('data', onData)
      socket.off('close', onClose)
      if (r.kind === 'error') return reject(new Error('bad SOCKS5 answer'))
      const rest = buf.subarray(r.length ?? 0)
      if (rest.length > 0) socket.unshift(rest)
      resolve(r.message as T)
    }
    const onClose = () => reject(new Error('SOCKS5 server closed the connection'))
    socket.on('data', onData)
    socket.once('close', onClose)
  })
}

/** Connect through the SOCKS5 server at `proxyPort` to `host:port`; resolves with the tunnel. */
export async function socksConnect(proxyPort: number, host: string, port: number, auth?: { username: string; password: string }): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: proxyPort })
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(encodeGreeting({ type: 'greeting', methods: auth === undefined ? [0] : [2] }))
  const selection = await readUntil(socket, (b) => decodeMethodSelection(b))
  if (selection.method === 2 && auth !== undefined) {
    socket.write(encodeUserPassRequest({ type: 'userpass-request', username: Buffer.from(auth.username), password: Buffer.from(auth.password) }))
    const status = await readUntil(socket, (b) => decodeUserPassResponse(b))
    if (status.status !== 0) throw new SocksReplyError(-1)
  } else if (selection.method !== 0) {
    throw new SocksReplyError(-2)
  }
  const kind = isIP(host) === 4 ? 'ipv4' : isIP(host) === 6 ? 'ipv6' : 'domain'
  socket.write(encodeRequest({ type: 'request', command: 1, address: { type: kind, host }, port }))
  const reply = await readUntil(socket, (b) => decodeReply(b))
  if (reply.reply !== 0) {
    socket.destroy()
    throw new SocksReplyError(reply.reply)
  }
  return socket
}
