/**
 * The PROXY protocol header a TLS terminator sends first on the plain device listener
 * (`devices.proxyProtocol`): read it off the fresh socket before APF starts, so logs, the admin
 * API and the per-address auth-failure limit see the device's own address, not stunnel's.
 *
 * Bounded: the header is at most 107 bytes (v1) or 16 + 2048 (v2), and must arrive within the
 * authentication deadline. Whatever followed it in the same read is put back on the socket.
 */

import type { Socket } from 'node:net'
import { decodeProxyHeader, type ProxyHeader } from '../../protocol/proxy-protocol/index.js'

export interface ProxiedPeer {
  readonly address: string
  readonly port: number
}

export type ProxyHeaderOutcome =
  | { readonly kind: 'peer'; readonly header: ProxyHeader; readonly peer: ProxiedPeer | null }
  | { readonly kind: 'failed'; readonly reason: string }

/**
 * Resolves once the header is in or the read failed. After a header the socket is paused with
 * the bytes that followed it unshifted: the caller attaches its listeners, then resumes.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeaderOutcome> {
  return new Promise((resolve) => {
    let buffered: Buffer = Buffer.alloc(0)
    const finish = (outcome: ProxyHeaderOutcome) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      socket.off('error', onError)
      resolve(outcome)
    }
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      const decoded = decodeProxyHeader(buffered)
      if (decoded.kind === 'need-more') return
      if (decoded.kind === 'error') return finish({ kind: 'failed', reason: `${decoded.error.code}: ${decoded.error.message}` })
      socket.pause()
      const rest = buffered.subarray(decoded.length)
      if (rest.length > 0) socket.unshift(rest)
      const a = decoded.header.addresses
      finish({ kind: 'peer', header: decoded.header, peer: a === null ? null : { address: a.sourceAddress, port: a.sourcePort } })
    }
    const onClose = () => finish({ kind: 'failed', reason: 'closed before the PROXY header arrived' })
    const onError = (error: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: `${error.code ?? error.message} before the PROXY header arrived` })
    const timer = setTimeout(() => finish({ kind: 'failed', reason: `no PROXY header within ${timeoutMs} ms` }), timeoutMs)
    socket.on('data', onData)
    socket.on('close', onClose)
    socket.on('error', onError)
  })
}
