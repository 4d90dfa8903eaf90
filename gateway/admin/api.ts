/**
 * The admin API on node:http (no framework): presence, statistics, metrics, events, log level.
 *
 *   GET    /health                  liveness (never needs the token)
 *   GET    /metrics                 Prometheus text
 *   GET    /api/v1/devices          connected devices
 *   GET    /api/v1/devices/:id      one device, by UUID or hostname
 *   DELETE /api/v1/devices/:id      disconnect it (APF DISCONNECT BY_APPLICATION)
 *   GET    /api/v1/stats            every counter
 *   GET    /api/v1/events           Server-Sent Events (connected, disconnected, auth-failed, blocked)
 *   GET    /api/v1/log-level        current level;  PUT {"level": "debug"} changes it
 */

import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Registry } from 'prom-client'
import type { LogLevel } from '../config.js'
import { LOG_LEVELS } from '../config-schema.js'
import type { DeviceSnapshot } from '../device/connection.js'
import type { RemoteDeviceSnapshot } from '../cluster/gateway-cluster.js'
import type { GatewayEvents } from '../events.js'
import { EventStreamHub } from './sse.js'

export interface AdminApiDeps {
  readonly token: string | null
  readonly events: GatewayEvents
  readonly metrics: Registry
  /** `fleet`: with a cluster, every instance's devices (`?scope=local`: this instance's only). */
  listDevices(scope: DeviceScope): (DeviceSnapshot | RemoteDeviceSnapshot)[]
  findDevice(id: string): { snapshot(): DeviceSnapshot | RemoteDeviceSnapshot; disconnect(label: 'admin'): void } | undefined
  stats(): Record<string, unknown>
  getLogLevel(): string
  setLogLevel(level: LogLevel): void
}

export type DeviceScope = 'local' | 'fleet'

const MAX_BODY = 4096

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

export class AdminApi {
  readonly server: Server
  private readonly deps: AdminApiDeps
  private readonly hub: EventStreamHub
  private readonly tokenDigest: Buffer | null

  constructor(deps: AdminApiDeps) {
    this.deps = deps
    this.hub = new EventStreamHub(deps.events)
    this.tokenDigest = deps.token === null ? null : digest(`Bearer ${deps.token}`)
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) })
        else res.destroy()
      })
    })
    this.server.keepAliveTimeout = 5000
  }

  get eventClients(): number {
    return this.hub.size
  }

  /** Ends event streams; the caller closes the listener. */
  closeStreams(): void {
    this.hub.close()
    this.server.closeIdleConnections()
  }

  private authorised(req: IncomingMessage): boolean {
    if (this.tokenDigest === null) return true
    return timingSafeEqual(digest(req.headers.authorization ?? ''), this.tokenDigest)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api.invalid')
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const method = req.method ?? 'GET'
    if (path === '/health') return this.only(method, ['GET', 'HEAD'], res, () => sendJson(res, 200, { status: 'ok', devices: this.deps.listDevices('local').length }))
    if (!this.authorised(req)) {
      res.setHeader('www-authenticate', 'Bearer realm="ciralab"')
      return sendJson(res, 401, { error: 'a valid bearer token is required' })
    }
    if (path === '/metrics') {
      return this.only(method, ['GET'], res, async () => {
        const text = await this.deps.metrics.metrics()
        res.writeHead(200, { 'content-type': this.deps.metrics.contentType })
        res.end(text)
      })
    }
    if (path === '/api/v1/devices') return this.only(method, ['GET'], res, () => this.devicesBody(url.searchParams.get('scope'), res))
    if (path.startsWith('/api/v1/devices/')) return this.device(method, decodeURIComponent(path.slice('/api/v1/devices/'.length)), res)
    if (path === '/api/v1/stats') return this.only(method, ['GET'], res, () => sendJson(res, 200, this.deps.stats()))
    if (path === '/api/v1/events') return this.only(method, ['GET'], res, () => this.hub.attach(res))
    if (path === '/api/v1/log-level') return this.logLevel(method, req, res)
    sendJson(res, 404, { error: `no route ${path}` })
  }

  private devicesBody(scope: string | null, res: ServerResponse): void {
    if (scope !== null && scope !== 'local' && scope !== 'fleet') return sendJson(res, 400, { error: `scope must be local or fleet, got '${scope}'` })
    const devices = this.deps.listDevices(scope ?? 'fleet')
    sendJson(res, 200, { count: devices.length, devices })
  }

  private async only(method: string, allowed: readonly string[], res: ServerResponse, run: () => void | Promise<void>): Promise<void> {
    if (!allowed.includes(method)) {
      res.setHeader('allow', allowed.join(', '))
      return sendJson(res, 405, { error: `method ${method} not allowed` })
    }
    await run()
  }

  private device(method: string, id: string, res: ServerResponse): void {
    const found = this.deps.findDevice(id)
    if (method !== 'GET' && method !== 'DELETE') {
      res.setHeader('allow', 'GET, DELETE')
      return sendJson(res, 405, { error: `method ${method} not allowed` })
    }
    if (found === undefined) return sendJson(res, 404, { error: `device ${id} is not connected here` })
    const snapshot = found.snapshot()
    if (method === 'GET') return sendJson(res, 200, snapshot)
    found.disconnect('admin')
    sendJson(res, 200, { disconnected: snapshot.uuid })
  }

  private async logLevel(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (method === 'GET') return sendJson(res, 200, { level: this.deps.getLogLevel() })
    if (method !== 'PUT' && method !== 'POST') {
      res.setHeader('allow', 'GET, PUT')
      return sendJson(res, 405, { error: `method ${method} not allowed` })
    }
    const body = await readBody(req)
    let level: unknown
    try {
      level = (JSON.parse(body) as { level?: unknown }).level
    } catch {
      return sendJson(res, 400, { error: 'body must be JSON {"level": "..."}' })
    }
    if (typeof level !== 'string' || !(LOG_LEVELS as readonly string[]).includes(level)) {
      return sendJson(res, 400, { error: `level must be one of ${LOG_LEVELS.join(', ')}` })
    }
    this.deps.setLogLevel(level as LogLevel)
    sendJson(res, 200, { level })
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        req.destroy()
        reject(new Error(`request body over ${MAX_BODY} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
