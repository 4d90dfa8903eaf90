import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { GatewayStats } from '../stats.js'
import { WebhookSender } from './webhooks.js'

describe('webhooks', () => {
  it('keeps a bounded queue: the oldest deliveries are dropped and counted', async () => {
    const stats = new GatewayStats()
    // Port 1 refuses at once; long backoff keeps the first delivery in flight.
    const sender = new WebhookSender({ urls: ['http://127.0.0.1:1/hook'], retries: 5, queueSize: 2, backoffMs: 60_000 }, stats, pino({ level: 'silent' }))
    for (let i = 0; i < 5; i++) sender.enqueue({ type: 'auth-failed', time: '', side: 'apf', uuid: null, username: `${i}`, remote: '', reason: '' })
    expect(sender.pending).toBe(2)
    expect(stats.webhooksDropped).toBe(3)
    await sender.close()
    expect(stats.webhooksDropped).toBe(5)
    expect(stats.webhooksDelivered).toBe(0)
  })
})
