/**
 * Webhooks: each device connect/disconnect event is POSTed as JSON to every configured URL.
 * Deliveries wait in one bounded queue (the oldest is dropped, and counted, when it is full) and
 * go out one at a time, each retried with backoff a bounded number of times.
 */

import type { Logger } from 'pino'
import { request } from 'undici'
import type { GatewayEvent } from '../events.js'
import type { GatewayStats } from '../stats.js'

export interface WebhookOptions {
  readonly urls: readonly string[]
  readonly retries: number
  readonly queueSize: number
  readonly timeoutMs?: number
  readonly backoffMs?: number
}

interface Delivery {
  readonly url: string
  readonly body: string
  attempts: number
}

export class WebhookSender {
  private readonly options: WebhookOptions
  private readonly stats: GatewayStats
  private readonly logger: Logger
  private readonly queue: Delivery[] = []
  private running = false
  private closed = false
  private backoffTimer: NodeJS.Timeout | null = null
  private wake: (() => void) | null = null
  private idle: Promise<void> = Promise.resolve()

  constructor(options: WebhookOptions, stats: GatewayStats, logger: Logger) {
    this.options = options
    this.stats = stats
    this.logger = logger
  }

  get pending(): number {
    return this.queue.length
  }

  enqueue(event: GatewayEvent): void {
    if (this.closed || this.options.urls.length === 0) return
    const body = JSON.stringify(event)
    for (const url of this.options.urls) {
      if (this.queue.length >= this.options.queueSize) {
        this.queue.shift()
        this.stats.webhooksDropped++
      }
      this.queue.push({ url, body, attempts: 0 })
    }
    if (!this.running) this.idle = this.run()
  }

  /** Stop: deliveries still waiting are dropped (and counted). */
  async close(): Promise<void> {
    this.closed = true
    this.stats.webhooksDropped += this.queue.length
    this.queue.length = 0
    if (this.backoffTimer !== null) clearTimeout(this.backoffTimer)
    this.backoffTimer = null
    this.wake?.()
    await this.idle
  }

  private async run(): Promise<void> {
    this.running = true
    try {
      while (!this.closed && this.queue.length > 0) {
        const delivery = this.queue[0] as Delivery
        const ok = await this.post(delivery)
        if (this.closed) break
        if (ok) {
          this.queue.shift()
          this.stats.webhooksDelivered++
        } else if (++delivery.attempts > this.options.retries) {
          this.queue.shift()
          this.stats.webhooksFailed++
          this.logger.warn({ event: 'webhook-failed', url: delivery.url, attempts: delivery.attempts }, 'webhook delivery given up')
        } else {
          await this.sleep((this.options.backoffMs ?? 250) * 2 ** (delivery.attempts - 1))
        }
      }
    } finally {
      this.running = false
    }
  }

  private async post(delivery: Delivery): Promise<boolean> {
    const timeout = this.options.timeoutMs ?? 5000
    try {
      const res = await request(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: delivery.body,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      })
      await res.body.dump()
      return res.statusCode >= 200 && res.statusCode < 300
    } catch (error) {
      this.logger.debug({ event: 'webhook-error', url: delivery.url, err: error instanceof Error ? error.message : String(error) }, 'webhook attempt failed')
      return false
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
      this.backoffTimer = setTimeout(() => {
        this.backoffTimer = null
        this.wake = null
        resolve()
      }, ms)
    })
  }
}
