/**
 * Prometheus metrics over the gateway's own counters, on a Registry per gateway (never the
 * global one, so two gateways in one process, as in tests, do not collide). Values are read at
 * scrape time from GatewayStats; nothing is counted twice.
 */

import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { GatewayStats } from '../stats.js'

export interface MetricsSources {
  readonly stats: GatewayStats
  devicesOnline(): number
  deviceConnections(): number
  openChannels(): number
  consoleConnections(): number
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

export function createMetricsRegistry(sources: MetricsSources): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'ciralab_gateway_' })
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read())
      },
    })
  gauge('ciralab_devices_online', 'devices authenticated and connected now', () => sources.devicesOnline())
  gauge('ciralab_device_connections', 'device sockets open now (any session phase)', () => sources.deviceConnections())
  gauge('ciralab_open_channels', 'APF channels open now, all devices', () => sources.openChannels())
  gauge('ciralab_console_connections', 'console sockets open now (HTTP proxy and SOCKS5)', () => sources.consoleConnections())
  const stats = sources.stats
  for (const [key, value] of Object.entries(stats)) {
    if (typeof value !== 'number') continue
    new Counter({
      name: `ciralab_${snake(key)}_total`,
      help: `gateway counter ${key}`,
      registers: [registry],
      collect() {
        this.reset()
        this.inc((stats as unknown as Record<string, number>)[key] ?? 0)
      },
    })
  }
  new Counter({
    name: 'ciralab_sessions_ended_total',
    help: 'device sessions ended, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [reason, count] of stats.sessionsEnded) this.inc({ reason }, count)
    },
  })
  return registry
}
