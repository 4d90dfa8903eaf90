/**
 * What happened on the gateway, for the admin API's event stream, webhooks and tests. Logs and
 * counters are fed separately (stats.ts); this is the typed feed for listeners outside.
 */

export type GatewayEvent =
  | {
      readonly type: 'connected'
      readonly time: string
      readonly uuid: string
      readonly hostname: string | null
      readonly remote: string
      readonly connId: number
      readonly triggerReason: number
    }
  | {
      readonly type: 'disconnected'
      readonly time: string
      readonly uuid: string
      readonly hostname: string | null
      readonly remote: string
      readonly connId: number
      readonly expected: boolean
      readonly reason: string
    }
  | {
      readonly type: 'auth-failed'
      readonly time: string
      readonly side: 'apf' | 'socks' | 'http-proxy'
      readonly uuid: string | null
      readonly username: string
      readonly remote: string
      readonly reason: string
    }
  | {
      readonly type: 'blocked'
      readonly time: string
      readonly protocol: 'tcp' | 'udp' | 'console-port' | 'unknown-device'
      readonly uuid: string | null
      readonly host: string
      readonly port: number
    }

export type GatewayEventListener = (event: GatewayEvent) => void

export class GatewayEvents {
  private readonly listeners = new Set<GatewayEventListener>()

  get listenerCount(): number {
    return this.listeners.size
  }

  subscribe(listener: GatewayEventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: GatewayEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}
