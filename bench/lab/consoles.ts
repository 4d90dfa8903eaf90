/**
 * The console side of a scenario, through the target's proxies only: SOL and IDE-R sessions
 * over SOCKS5 (as consoles reach port 16994 through MPS), WS-MAN through the HTTP proxy in
 * absolute form, and CONNECT tunnels. The clients are the ones in consoles/.
 */

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import { connectViaHttpProxy } from '../../consoles/connect-tunnel.js'
import { IderClient, type IderImageSource } from '../../consoles/ider-client.js'
import { openRedirectionSession, type RedirectionKind, type RedirectionSession } from '../../consoles/redirection-session.js'
import { connectViaSocks } from '../../consoles/socks5-client.js'
import { SolClient } from '../../consoles/sol-client.js'
import { WsmanClient } from '../../consoles/wsman-client.js'
import type { HostPort, ResolvedTarget } from '../../conformance/target.js'
import { REDIRECTION_PORT, WSMAN_PORT } from '../../simulator/device/services.js'
import { TargetUnsuitableError } from './wait.js'

export function socksOf(target: ResolvedTarget): HostPort {
  if (target.console.socks5 === null) throw new TargetUnsuitableError(`target ${target.name} has no SOCKS5 console listener (console.socks5), which this scenario needs`)
  return target.console.socks5
}

export function httpProxyOf(target: ResolvedTarget): HostPort {
  if (target.console.httpProxy === null) throw new TargetUnsuitableError(`target ${target.name} has no HTTP console proxy (console.httpProxy), which this scenario needs`)
  return target.console.httpProxy
}

/** The target's HTTP proxy as a URL, with its proxy credentials (Basic) when it has them. */
export function httpProxyUrl(target: ResolvedTarget): string {
  const http = httpProxyOf(target)
  const auth = target.console.auth
  const userinfo = auth === null ? '' : `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`
  return `http://${userinfo}${http.host}:${http.port}`
}

/** The Proxy-Authorization header for the target's proxy credentials, if any. */
export function proxyAuthorizationHeader(target: ResolvedTarget): Record<string, string> {
  const auth = target.console.auth
  return auth === null ? {} : { 'proxy-authorization': `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
}

/**
 * The tunnel clients hand their socket back paused, so no early byte is lost; the console
 * clients only attach listeners, so it flows again once they have (after this tick).
 */
function flowing(socket: Socket): Duplex {
  setImmediate(() => socket.resume())
  return socket
}

/** A socket to `hostname:port` through the target's SOCKS5 listener. */
export async function socksTunnel(target: ResolvedTarget, hostname: string, port: number, timeoutMs = 15_000): Promise<Duplex> {
  const socks = socksOf(target)
  const auth = target.console.auth
  return flowing(await connectViaSocks({ proxyHost: socks.host, proxyPort: socks.port, host: hostname, port, timeoutMs, ...(auth === null ? {} : { username: auth.username, password: auth.password }) }))
}

/** A socket to `hostname:port` through the target's HTTP proxy (CONNECT). */
export async function connectTunnel(target: ResolvedTarget, hostname: string, port: number, timeoutMs = 15_000): Promise<Duplex> {
  const http = httpProxyOf(target)
  const auth = target.console.auth
  return flowing(await connectViaHttpProxy({ proxyHost: http.host, proxyPort: http.port, host: hostname, port, timeoutMs, ...(auth === null ? {} : { proxyAuth: auth }) }))
}

/** A logged-in redirection session of `kind` to the device, through SOCKS5. */
export async function openRedirection(target: ResolvedTarget, hostname: string, kind: RedirectionKind, deadlineMs: number): Promise<RedirectionSession> {
  const stream = await socksTunnel(target, hostname, REDIRECTION_PORT)
  return openRedirectionSession(stream, { kind, user: target.amt.username, password: target.amt.password, deadlineMs })
}

export interface OpenedSol {
  readonly client: SolClient
  /** From the SOCKS5 connect to the device's SOL start reply, ms. */
  readonly openMs: number
}

/** SOL to the device through SOCKS5; host output checked as the SOL stream format. */
export async function openSol(target: ResolvedTarget, hostname: string, deadlineMs: number): Promise<OpenedSol> {
  const started = performance.now()
  const session = await openRedirection(target, hostname, 'sol', deadlineMs)
  const client = await SolClient.start(session, { verifyStream: true })
  return { client, openMs: performance.now() - started }
}

/** IDE-R to the device through SOCKS5, serving `image` as its CD. */
export async function openIder(target: ResolvedTarget, hostname: string, image: IderImageSource, deadlineMs: number): Promise<IderClient> {
  const session = await openRedirection(target, hostname, 'ider', deadlineMs)
  return IderClient.start(session, { image })
}

/** WS-MAN to the device through the HTTP proxy, absolute form (`POST http://host:16992/wsman`). */
export function wsmanViaProxy(target: ResolvedTarget, hostname: string, timeoutMs = 30_000): WsmanClient {
  return new WsmanClient({
    transport: { kind: 'proxy', proxyUrl: httpProxyUrl(target), target: `http://${hostname}:${WSMAN_PORT}/wsman` },
    username: target.amt.username,
    password: target.amt.password,
    timeoutMs,
  })
}

/** Short text for an error in a failure tally: its code when it has one. */
export function errorKey(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code
  return error instanceof Error ? error.name : 'error'
}

/** Adds one to `tally[key]`. */
export function bump(tally: Record<string, number>, key: string): void {
  tally[key] = (tally[key] ?? 0) + 1
}
