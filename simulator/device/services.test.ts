import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { describeIderImage, IderClient } from '../../consoles/ider-client.js'
import { KvmClient } from '../../consoles/kvm-client.js'
import { openRedirectionSession } from '../../consoles/redirection-session.js'
import { SolClient } from '../../consoles/sol-client.js'
import { WsmanClient } from '../../consoles/wsman-client.js'
import { textOf } from '../../protocol/wsman/index.js'
import { Harness, untilState } from '../test-support/harness.js'
import type { MiniSession } from '../test-support/mini-gateway.js'
import { defaultServices, REDIRECTION_PORT, WSMAN_PORT } from './services.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A device with the default port table (no injected services), over TLS, consent not required. */
async function tunnel(services: Record<string, unknown> = {}) {
  const h = await new Harness({ profile: { identity: { modes: { ACM: 1 }, consent: { none: 1 }, power: { on: 1 } }, services } }).start()
  cleanups.push(() => h.close())
  const device = h.device(0)
  device.start()
  await untilState(device, 'connected')
  return { h, device, session: [...h.gateway.sessions][0] as MiniSession }
}

describe('the services behind the forwarded ports', () => {
  it('maps 16992 to WS-MAN and 16994 to redirection; other forwarded ports fail as closed ports do', async () => {
    expect([...defaultServices().keys()]).toEqual([WSMAN_PORT, REDIRECTION_PORT])
    const { device, session } = await tunnel()
    await expect(session.openChannel(16993)).rejects.toMatchObject({ reasonCode: 2 })
    await expect(session.openChannel(5900)).rejects.toMatchObject({ reasonCode: 2 })
    expect(device.counters.channelRefusals).toEqual({ 'connect-failed': 2 })
  })

  it('answers WS-MAN with a Digest round trip through the TLS tunnel', async () => {
    const { device, session } = await tunnel()
    const client = new WsmanClient({
      transport: { kind: 'stream', connect: () => session.openChannel(16992), host: `${device.identity.uuid}:16992` },
      username: 'admin',
      password: 'P@ssw0rd',
      style: 'mps',
    })
    cleanups.push(() => client.close())
    const settings = await client.get('AMT_GeneralSettings')
    expect(settings.status).toBe(200)
    expect(settings.response?.kind === 'get' && textOf(settings.response.instance.properties, 'DigestRealm')).toBe(device.identity.digestRealm)
    expect(device.serviceCounters.wsmanAuthFailures).toBe(0)
    expect(device.serviceCounters.wsmanRequests).toBeGreaterThanOrEqual(2) // the 401, then the answer
  })

  it('runs SOL, IDE-R and KVM sessions through the tunnel', async () => {
    const image = Buffer.alloc(32 * 2048)
    for (let i = 0; i < 32; i++) createHash('sha256').update(String(i)).digest().copy(image, i * 2048)
    const { device, session } = await tunnel({ iderExpectedImage: await describeIderImage(image) })
    const open = async (kind: 'sol' | 'ider' | 'kvm') =>
      openRedirectionSession(await session.openChannel(16994), { kind, user: 'admin', password: 'P@ssw0rd', deadlineMs: 20_000 })
    const sol = await SolClient.start(await open('sol'))
    await sol.readUntil(/login: $/)
    await sol.end()
    const kvm = await KvmClient.start(await open('kvm'))
    expect((await kvm.requestFrame(false)).tileSizesOk).toBe(true)
    kvm.close()
    const ider = await IderClient.start(await open('ider'), { image })
    const deadline = Date.now() + 15_000
    while (device.serviceCounters.iderImagesVerified === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await ider.end()
    expect(device.serviceCounters).toMatchObject({ redirectionSessions: 3, kvmFrames: 1, iderImagesVerified: 1, iderIntegrityFailures: 0 })
  })
})
