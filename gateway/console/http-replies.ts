/**
 * The proxy's own answers: one line of text saying what is wrong, e.g.
 * `502 device 4c4c4544…: not connected`, the same on the request path (ServerResponse) and on
 * CONNECT (a raw socket, where the answer is written by hand and the socket then closed).
 */

import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { endAndLinger } from './connections.js'

export const PROXY_AUTHENTICATE = ['Proxy-Authenticate', 'Basic realm="ciralab", charset="UTF-8"'] as const

function bodyOf(status: number, line: string): string {
  // One line, no control characters: `line` may quote console input.
  return `${status} ${line.replace(/[\u0000-\u001f\u007f]/g, '?')}\n`
}

/**
 * Answer on the request path. `close` ends the console connection after the answer (needed
 * when the request body was not read, so the next request cannot be found in the stream).
 */
export function replyWithError(res: ServerResponse, status: number, line: string, options: { close: boolean; extra?: readonly string[] }): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = bodyOf(status, line)
  const headers = [...(options.extra ?? []), 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body))]
  if (options.close) headers.push('Connection', 'close')
  res.writeHead(status, headers)
  res.end(body)
}

/** Answer a CONNECT (or a request the parser refused) on the raw socket, then close it. */
export function replyOnSocket(socket: Duplex, status: number, line: string, extra: readonly string[] = []): void {
  const body = bodyOf(status, line)
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`]
  for (let i = 0; i + 1 < extra.length; i += 2) lines.push(`${extra[i]}: ${extra[i + 1]}`)
  lines.push('Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body)
  endAndLinger(socket, lines.join('\r\n'))
}
