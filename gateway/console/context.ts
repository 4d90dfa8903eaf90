/**
 * Options of both console listeners, resolved once at creation: defaults applied, the address
 * map keyed by canonical IP text, credentials turned into a constant-time check, then frozen
 * and passed down (never a global).
 */

import type { Server } from 'node:net'
import type { Logger } from 'pino'
import { CiralabError, ErrorCode } from '../../protocol/errors.js'
import { canonicalIpAddress } from '../../protocol/socks5/index.js'
import { createCredentialCheck, type CredentialCheck } from './credentials.js'
import type { DeviceDirectory } from './directory.js'
import type { ConsoleEvent } from './events.js'

/** A console-facing listener. The caller does `server.listen({ host, port, backlog })`. */
export interface ConsoleListener {
  readonly server: Server
  /**
   * Stop accepting, let open console connections finish for up to `drainMs`, then destroy
   * what is left. Resolves once every console socket is closed.
   */
  close(drainMs: number): Promise<void>
  /** Console sockets open now (relaying, idle keep-alive or mid-handshake). */
  readonly activeConnections: number
}

export interface ConsoleProxyOptions {
  readonly directory: DeviceDirectory
  /** AllowCONNECT: device ports consoles may reach (MPS default 16992-16995). */
  readonly allowedPorts: ReadonlySet<number>
  readonly logger: Logger
  readonly onEvent?: (event: ConsoleEvent) => void
  /** Basic proxy authentication (HTTP) / RFC 1929 (SOCKS5); null or absent: none. */
  readonly auth?: { readonly username: string; readonly password: string } | null
  /** How long a device may take to confirm a channel. Default 10 s. */
  readonly openTimeoutMs?: number
  /** IP literal (any text form) to device name: SOCKS5 ATYP 1/4 and HTTP IP hosts. */
  readonly addressMap?: ReadonlyMap<string, string>
  /** SOCKS5 greeting-to-request, HTTP request headers: the slow-client limit. Default 10 s. */
  readonly handshakeTimeoutMs?: number
  /** HTTP: whole request (headers and body) from the console. Default 300 s (Node's). */
  readonly requestTimeoutMs?: number
  /** HTTP: request and response header bytes. Default 16 KiB. */
  readonly maxHeaderBytes?: number
  /** Console sockets at once; more are refused by the kernel accept path. Default 10 000. */
  readonly maxConnections?: number
}

export interface ConsoleContext {
  readonly directory: DeviceDirectory
  readonly allowedPorts: ReadonlySet<number>
  readonly logger: Logger
  readonly emit: (event: ConsoleEvent) => void
  readonly checkCredentials: CredentialCheck | null
  readonly openTimeoutMs: number
  readonly addressMap: ReadonlyMap<string, string>
  readonly handshakeTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly maxHeaderBytes: number
  readonly maxConnections: number
}

export const CONSOLE_DEFAULTS = Object.freeze({
  openTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  maxHeaderBytes: 16 * 1024,
  maxConnections: 10_000,
})

export function resolveConsoleContext(options: ConsoleProxyOptions): ConsoleContext {
  const problems: string[] = []
  const positive = (name: keyof typeof CONSOLE_DEFAULTS): number => {
    const value = options[name] ?? CONSOLE_DEFAULTS[name]
    if (!Number.isInteger(value) || value <= 0) problems.push(`${name} must be a positive integer, got ${value}`)
    return value
  }
  const resolved = {
    openTimeoutMs: positive('openTimeoutMs'),
    handshakeTimeoutMs: positive('handshakeTimeoutMs'),
    requestTimeoutMs: positive('requestTimeoutMs'),
    maxHeaderBytes: positive('maxHeaderBytes'),
    maxConnections: positive('maxConnections'),
  }
  for (const port of options.allowedPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`allowed port ${port} is not in 1..65535`)
  }
  const addressMap = new Map<string, string>()
  for (const [address, name] of options.addressMap ?? []) {
    const key = canonicalIpAddress(address)
    if (key === null) problems.push(`address map key ${JSON.stringify(address)} is not an IPv4 or IPv6 literal`)
    else addressMap.set(key, name)
  }
  if (problems.length > 0) throw new CiralabError(ErrorCode.CFG_ERR_INVALID, `console proxy options: ${problems.join('; ')}`)
  const onEvent = options.onEvent
  return Object.freeze({
    ...resolved,
    directory: options.directory,
    allowedPorts: new Set(options.allowedPorts),
    logger: options.logger,
    emit: onEvent === undefined ? () => undefined : onEvent,
    checkCredentials: options.auth ? createCredentialCheck(options.auth) : null,
    addressMap,
  })
}
