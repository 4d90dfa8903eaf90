import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { describeIderImage, IderClient } from '../../../consoles/ider-client.js'
import { KvmClient } from '../../../consoles/kvm-client.js'
import { openRedirectionSession } from '../../../consoles/redirection-session.js'
import { SolClient } from '../../../consoles/sol-client.js'
import { DEFAULT_AMT_ACCOUNT } from '../../fleet/device-config.js'
import { Harness, untilState } from '../../test-support/harness.js'
import type { MiniSession } from '../../test-support/mini-gateway.js'
import { waitUntil } from './test-support/harness.js'
import { serveRedirection } from './index.js'

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

const image = Buffer.alloc(128 * 2048)
for (let i = 0; i < 128; i++) createHash('sha256').update(String(i)).digest().copy(image, i * 2048)

async function deviceBehindApf(window: number, services: Record<string, unknown> = {}) {
  const h = await new Harness({ plain: true, services: new Map([[16994, serveRedirection]]), profile: { firmware: { initialWindow: window }, services }, gateway: { channelWindow: window } }).start()
  harness = h
  const device = h.device(0)
  device.start()
  await untilState(device, 'connected')
  const session = [...h.gateway.sessions][0] as MiniSession
  const open = async (kind: 'sol' | 'ider' | 'kvm') =>
    openRedirectionSession(await session.openChannel(16994), { kind, user: DEFAULT_AMT_ACCOUNT.user, password: DEFAULT_AMT_ACCOUNT.password, deadlineMs: 20_000 })
  return { h, device, open }
}

// The service behind a real APF channel of a simulated device, through the mini gateway:
// windows of 499 bytes (firmware under load) and 32768 (the usual) both ways.
describe('redirection through an APF channel', () => {
  for (const window of [499, 32768]) {
    it(`boots IDE-R from a 256 KiB image and runs a SOL login with ${window}-byte windows`, async () => {
      const { h, device, open } = await deviceBehindApf(window, { iderExpectedImage: await describeIderImage(image) })
      const ider = await IderClient.start(await open('ider'), { image })
      await waitUntil(() => device.serviceCounters.iderImagesVerified === 1, 15_000, 'image verified')
      const sol = await SolClient.start(await open('sol'))
      await sol.readUntil(/login: $/)
      await sol.sendKeys('admin\r')
      await sol.readUntil('Password: ')
      await sol.end()
      await ider.end()
      expect(device.serviceCounters).toMatchObject({ redirectionSessions: 2, iderBytesRead: image.length, iderIntegrityFailures: 0 })
      expect(h.gateway.counters.channelWindowViolations).toBe(0)
    })
  }

  it('sends a KVM frame through a 32768-byte window', async () => {
    const { h, device, open } = await deviceBehindApf(32768)
    const kvm = await KvmClient.start(await open('kvm'))
    const update = await kvm.requestFrame(false)
    expect(update.tileSizesOk).toBe(true)
    expect(update.bytes).toBe(640 * 480 * 2)
    kvm.close()
    expect(device.serviceCounters.kvmFrames).toBe(1)
    expect(h.gateway.counters.channelWindowViolations).toBe(0)
  })
})
