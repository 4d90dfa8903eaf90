import { once } from 'node:events'
import { createHash } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { describeIderImage, IderClient } from '../../consoles/ider-client.js'
import { KvmClient } from '../../consoles/kvm-client.js'
import { openRedirectionSession } from '../../consoles/redirection-session.js'
import { SolClient } from '../../consoles/sol-client.js'
import { WsmanClient } from '../../consoles/wsman-client.js'
import { createFleet } from '../index.js'
import { MiniGateway, type MiniSession } from '../test-support/mini-gateway.js'
import { TS_WORKER } from '../test-support/ts-worker.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS } from './device-config.js'
import { ProcessFleet } from './process-fleet.js'
import { parseProfile } from './profile.js'

const closers: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const image = Buffer.alloc(96 * 2048)
for (let i = 0; i < 96; i++) createHash('sha256').update(`w${i}`).digest().copy(image, i * 2048)

const ECHO = { port: 16993, module: pathToFileURL(fileURLToPath(new URL('../test-support/echo-service.ts', import.meta.url))).href, exportName: 'serveEcho' }

// Worker fleets serve what an in-process fleet serves: WS-MAN on 16992 and redirection on 16994
// with the profile's service options, plus services named by module; their counters come back
// to the parent over IPC, at once with refresh().
describe('services in worker processes', () => {
  it('answers WS-MAN, streams SOL, boots IDE-R, times KVM out, serves a module, and sums the counters back', async () => {
    const gateway = new MiniGateway({ transcript: false })
    const endpoint = await gateway.listen()
    closers.push(() => gateway.close())
    const fleet = new ProcessFleet({
      profile: parseProfile({
        identity: { consent: { none: 1 }, modes: { ACM: 1 }, power: { on: 1 } },
        services: { solMode: 'stream', solStreamBytesPerSecond: 20_000, kvmIdleTimeoutSeconds: 0.3, iderExpectedImage: await describeIderImage(image) },
      }),
      run: { seed: 'ws', gateways: { primary: endpoint, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: { mode: 'plain' },
      devices: 2,
      workers: 1,
      rampPerSecond: 0,
      serviceModules: [ECHO],
      ...TS_WORKER,
    })
    closers.push(() => fleet.stop())
    await fleet.start()
    await gateway.waitFor(() => gateway.readySessions(7).length === 2)
    const session = gateway.readySessions(7)[0] as MiniSession
    const login = { user: DEFAULT_AMT_ACCOUNT.user, password: DEFAULT_AMT_ACCOUNT.password, deadlineMs: 20_000 }

    const wsman = new WsmanClient({ transport: { kind: 'stream', connect: () => session.openChannel(16992), host: 'dev:16992' }, username: login.user, password: login.password, style: 'mps' })
    closers.push(() => wsman.close())
    expect((await wsman.get('AMT_GeneralSettings')).status).toBe(200)

    const sol = await SolClient.start(await openRedirectionSession(await session.openChannel(16994), { kind: 'sol', ...login }), { verifyStream: true })
    await gateway.waitFor(() => sol.streamStats.records >= 100)
    expect(sol.streamStats).toMatchObject({ sequenceErrors: 0, checksumErrors: 0, formatErrors: 0 })
    await sol.end()

    const ider = await IderClient.start(await openRedirectionSession(await session.openChannel(16994), { kind: 'ider', ...login }), { image })
    await gateway.waitFor(() => ider.stats.bytesServed === image.length)

    const kvmChannel = await session.openChannel(16994)
    const kvm = await KvmClient.start(await openRedirectionSession(kvmChannel, { kind: 'kvm', ...login }))
    const idleClose = once(kvmChannel, 'end')
    kvmChannel.resume()
    await idleClose // the 0.3 s idle timeout from the profile ended the session
    kvm.close()

    // APF has no half-close (EOF is CHANNEL_CLOSE), so read the echo before closing.
    const echo = await session.openChannel(ECHO.port)
    const echoed = once(echo, 'data')
    echo.write(Buffer.from('through a module'))
    expect(String(((await echoed) as [Buffer])[0])).toBe('through a module')
    echo.end()

    let now = await fleet.refresh()
    for (let i = 0; i < 50 && now.services.iderImagesVerified === 0; i++) now = await new Promise((r) => setTimeout(r, 100)).then(() => fleet.refresh())
    expect(now.services).toMatchObject({ wsmanRequests: 2, wsmanAuthFailures: 0, redirectionSessions: 3, iderImagesVerified: 1, iderIntegrityFailures: 0, iderBytesRead: image.length })
    expect(now.services.solBytesToConsole).toBeGreaterThanOrEqual(sol.streamStats.bytes)
    await ider.end()
    const final = await fleet.stop()
    expect(final.services).toMatchObject({ wsmanRequests: 2, iderImagesVerified: 1, redirectionSessions: 3 })
    expect(final.channelsOpened).toBe(6)
  }, 30_000)

  it('refuses a service table for workers and a module that has no such export', async () => {
    const run = { gateway: { host: '127.0.0.1', port: 9 }, transport: { mode: 'plain' as const }, devices: 1 }
    expect(() => createFleet({ ...run, workers: 1, services: new Map() })).toThrow(expect.objectContaining({ code: 'SIM_ERR_WORKER' }))
    expect(() => createFleet({ ...run, workers: 0, serviceModules: [ECHO] })).toThrow(expect.objectContaining({ code: 'SIM_ERR_WORKER' }))
    const fleet = new ProcessFleet({
      profile: parseProfile({}),
      run: { seed: 'ws', gateways: { primary: run.gateway, alternative: null }, credentials: DEFAULT_GATEWAY_CREDENTIALS, account: DEFAULT_AMT_ACCOUNT, sourceIps: [] },
      transport: run.transport,
      devices: 1,
      workers: 1,
      rampPerSecond: 0,
      serviceModules: [{ ...ECHO, exportName: 'nothing' }],
      ...TS_WORKER,
    })
    await expect(fleet.start()).rejects.toMatchObject({ code: 'SIM_ERR_WORKER', message: expect.stringMatching(/no function export nothing/) })
    await fleet.stop()
  }, 30_000)
})
