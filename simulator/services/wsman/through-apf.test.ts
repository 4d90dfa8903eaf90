import { afterEach, describe, expect, it } from 'vitest'
import { WsmanClient } from '../../../consoles/wsman-client.js'
import { textOf } from '../../../protocol/wsman/index.js'
import { Harness, untilState } from '../../test-support/harness.js'
import type { MiniSession } from '../../test-support/mini-gateway.js'
import { serveWsman } from './index.js'

let harness: Harness | null = null
let client: WsmanClient | null = null
afterEach(async () => {
  await client?.close()
  await harness?.close()
  client = null
  harness = null
})

// The service behind a real APF channel of a simulated device, reached through the mini
// gateway: tiny windows both ways (499, as firmware under load shows) must still carry
// multi-chunk replies, and a 401's Connection: close must end the APF channel.
describe('WS-MAN through an APF channel', () => {
  for (const window of [499, 32768]) {
    it(`serves Digest-authenticated requests with ${window}-byte windows`, async () => {
      const h = await new Harness({ plain: true, services: new Map([[16992, serveWsman]]), profile: { firmware: { initialWindow: window } }, gateway: { channelWindow: window } }).start()
      harness = h
      const device = h.device(0)
      device.start()
      await untilState(device, 'connected')
      const session = [...h.gateway.sessions][0] as MiniSession
      let channels = 0
      client = new WsmanClient({
        transport: {
          kind: 'stream',
          connect: () => {
            channels += 1
            return session.openChannel(16992)
          },
          host: `${device.identity.uuid}:16992`,
        },
        username: 'admin',
        password: 'P@ssw0rd',
        style: 'mps',
      })
      const settings = await client.get('AMT_GeneralSettings')
      expect(settings.status).toBe(200)
      expect(settings.response?.kind === 'get' && textOf(settings.response.instance.properties, 'DigestRealm')).toBe(device.identity.digestRealm)
      const { items } = await client.enumerateAll('CIM_SoftwareIdentity')
      expect(items).toHaveLength(11)
      expect(channels).toBe(2) // the 401 closed the first channel; the rest share the second
      expect(device.serviceCounters).toMatchObject({ wsmanRequests: 4, wsmanAuthFailures: 0, wsmanFaults: 0 })
      expect(h.gateway.counters.channelWindowViolations).toBe(0)
    })
  }
})
