/**
 * console/wsman, console/sol, console/ider, console/kvm: real AMT traffic through the gateway,
 * from the console clients (consoles/) to simulated devices (simulator/, in this process):
 * WS-MAN with HTTP Digest through the HTTP proxy (absolute-form and CONNECT) and SOCKS5, and
 * the redirection protocol on 16994 through SOCKS5 (redirection-wsman.md §1, §2, §4).
 */

import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { connectViaHttpProxy } from '../../consoles/connect-tunnel.js'
import { describeIderImage, IderClient } from '../../consoles/ider-client.js'
import { KvmClient } from '../../consoles/kvm-client.js'
import { openRedirectionSession, type RedirectionKind, type RedirectionSession } from '../../consoles/redirection-session.js'
import { connectViaSocks } from '../../consoles/socks5-client.js'
import { SolClient } from '../../consoles/sol-client.js'
import { WsmanClient, type WsmanTransport } from '../../consoles/wsman-client.js'
import type { SimulatedDevice } from '../../simulator/device/device.js'
import { patternBytes } from '../probe/channel.js'
import { sleep } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import { startSimulatedDevices } from '../sim/devices.js'

const SOURCE_WSMAN = 'redirection-wsman.md §4.1-4.2 (HTTP Digest on 16992), §1 (transport over CIRA); apf.md §2.5'
const SOURCE_REDIR = 'redirection-wsman.md §1, §2.1-2.3 (16994 session and digest login)'

function proxyUrl(ctx: CaseContext): string {
  const p = ctx.target.console.httpProxy
  if (p === null) throw new Error('no HTTP proxy')
  const auth = ctx.target.console.auth
  const userinfo = auth === null ? '' : `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`
  return `http://${userinfo}${p.host}:${p.port}`
}

/**
 * A tunnel for a console client. The tunnel helpers hand the socket back paused (so no early
 * byte is lost); the WS-MAN and redirection clients only attach listeners, so resume it once
 * they have.
 */
async function tunnelTo(ctx: CaseContext, via: 'socks5' | 'http', host: string, port: number): Promise<Duplex> {
  const c = ctx.target.console
  const auth = c.auth
  let socket: Socket
  if (via === 'socks5') {
    if (c.socks5 === null) throw new Error('no SOCKS5 listener')
    socket = await connectViaSocks({ proxyHost: c.socks5.host, proxyPort: c.socks5.port, host, port, ...(auth === null ? {} : { username: auth.username, password: auth.password }) })
  } else {
    if (c.httpProxy === null) throw new Error('no HTTP proxy')
    socket = await connectViaHttpProxy({ proxyHost: c.httpProxy.host, proxyPort: c.httpProxy.port, host, port, ...(auth === null ? {} : { proxyAuth: auth }) })
  }
  ctx.defer(() => {
    socket.destroy()
  })
  return socket
}

/** Get AMT_GeneralSettings with Digest: a 401 challenge first, then 200 with the device's realm. */
async function wsmanGet(ctx: CaseContext, transport: (device: SimulatedDevice) => WsmanTransport): Promise<Outcome> {
  const { devices } = await startSimulatedDevices(ctx, 1)
  const device = devices[0] as SimulatedDevice
  const client = new WsmanClient({ transport: transport(device), username: ctx.target.amt.username, password: ctx.target.amt.password, timeoutMs: 10_000 })
  ctx.defer(() => client.close())
  const x = await client.get('AMT_GeneralSettings')
  const facts = `status ${x.status} after ${x.attempts} attempt(s), ${client.stats.unauthorized} answered 401, ${x.latencyMs.toFixed(1)} ms`
  ctx.evidence.note(`response: ${x.body.toString('utf8', 0, 600)}`)
  if (x.status !== 200) return violation('200 with the AMT_GeneralSettings instance', facts)
  if (client.stats.unauthorized < 1) return violation('a Digest challenge (401) before the 200', facts)
  if (!x.body.toString('utf8').includes(device.identity.digestRealm)) return violation(`DigestRealm ${device.identity.digestRealm} in the body`, facts)
  return pass(facts)
}

async function redirection(ctx: CaseContext, kind: RedirectionKind, services: Record<string, unknown> = {}): Promise<{ session: RedirectionSession; device: SimulatedDevice }> {
  const { devices } = await startSimulatedDevices(ctx, 1, services)
  const device = devices[0] as SimulatedDevice
  const stream = await tunnelTo(ctx, 'socks5', device.identity.uuid, 16994)
  const session = await openRedirectionSession(stream, { kind, user: ctx.target.amt.username, password: ctx.target.amt.password, deadlineMs: 60_000 })
  ctx.evidence.note(`redirection ${kind}: auth type ${session.authType}, device offers ${session.authTypes?.join(',') ?? '?'}`)
  return { session, device }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms
  while (!check()) {
    if (performance.now() > deadline) return false
    await sleep(20)
  }
  return true
}

export const amtServiceCases: readonly ConformanceCase[] = [
  {
    id: 'console/wsman/1',
    title: 'WS-MAN with Digest through the HTTP proxy (absolute-form)',
    requirement: 'POST http://<uuid>:16992/wsman through the HTTP proxy reaches the device: the AMT Digest challenge comes back, and the authenticated Get returns the instance.',
    source: SOURCE_WSMAN,
    level: 'MUST',
    needs: ['device', 'http-proxy', 'simulator'],
    fast: true,
    timeoutMs: 40_000,
    run: (ctx) => wsmanGet(ctx, (d) => ({ kind: 'proxy', proxyUrl: proxyUrl(ctx), target: `http://${d.identity.uuid}:16992/wsman` })),
  },
  {
    id: 'console/wsman/2',
    title: 'WS-MAN with Digest through HTTP CONNECT',
    requirement: 'A CONNECT tunnel to <uuid>:16992 carries the WS-MAN Digest exchange end to end.',
    source: SOURCE_WSMAN,
    level: 'MUST',
    needs: ['device', 'http-proxy', 'simulator'],
    fast: true,
    timeoutMs: 40_000,
    run: (ctx) => wsmanGet(ctx, (d) => ({ kind: 'stream', host: `${d.identity.uuid}:16992`, connect: () => tunnelTo(ctx, 'http', d.identity.uuid, 16992) })),
  },
  {
    id: 'console/wsman/3',
    title: 'WS-MAN with Digest through SOCKS5, by FQDN',
    requirement: 'A SOCKS5 CONNECT to <fqdn>:16992 (the name the device gave in its forwards) carries the WS-MAN Digest exchange end to end.',
    source: `${SOURCE_WSMAN}; apf.md §5.2 (forward address = host name)`,
    level: 'MUST',
    needs: ['device', 'socks5', 'simulator'],
    fast: true,
    timeoutMs: 40_000,
    run: (ctx) => wsmanGet(ctx, (d) => ({ kind: 'stream', host: `${d.identity.fqdn}:16992`, connect: () => tunnelTo(ctx, 'socks5', d.identity.fqdn, 16992) })),
  },
  {
    id: 'console/sol/1',
    title: 'Serial-over-LAN through SOCKS5',
    requirement: 'A SOL session to <uuid>:16994 through SOCKS5 logs in with Digest, starts SOL and shows the host\'s console (BIOS screen then a login prompt); keystrokes reach the host.',
    source: `${SOURCE_REDIR}, §2.4`,
    level: 'MUST',
    needs: ['device', 'socks5', 'simulator'],
    fast: true,
    timeoutMs: 40_000,
    async run(ctx) {
      const { session, device } = await redirection(ctx, 'sol')
      const sol = await SolClient.start(session, { heartbeatIntervalMs: 500 })
      await sol.readUntil(`${device.identity.fqdn.split('.')[0] ?? ''} login: `, 15_000)
      await sol.sendKeys('ciralab\r')
      await sol.readUntil('Password: ', 10_000)
      const bytes = sol.bytesReceived
      await sol.end()
      return pass(`login prompt seen, keystrokes echoed; ${bytes} bytes of host output`)
    },
  },
  {
    id: 'console/ider/1',
    title: 'IDE-R boot through SOCKS5, image checked by hash',
    requirement: 'An IDE-R session through SOCKS5 serves a 1 MiB CD image; the simulated host reads all of it and its SHA-256 matches what the console published.',
    source: `${SOURCE_REDIR}, §2.5`,
    level: 'MUST',
    needs: ['device', 'socks5', 'simulator'],
    fast: true,
    timeoutMs: 60_000,
    async run(ctx) {
      const image = patternBytes(1024 * 1024, ctx.options.seed + 77)
      const info = await describeIderImage(image)
      const { session, device } = await redirection(ctx, 'ider', { iderExpectedImage: info })
      const ider = await IderClient.start(session, { image, heartbeatMs: 1000 })
      const stats = await ider.waitForBytesServed(image.length, 40_000)
      const verified = await waitFor(() => device.serviceCounters.iderImagesVerified === 1 || device.serviceCounters.iderIntegrityFailures > 0, 10_000)
      const c = device.serviceCounters
      await ider.end()
      const facts = `${c.iderBytesRead} bytes read by the host, ${stats.commands} commands, ${Math.round(stats.bytesPerSecond / 1024)} KiB/s`
      if (!verified || c.iderIntegrityFailures > 0) return violation(`the host to read ${image.length} bytes with SHA-256 ${info.sha256}`, `${facts}; verified ${c.iderImagesVerified}, integrity failures ${c.iderIntegrityFailures}`)
      return pass(facts)
    },
  },
  {
    id: 'console/kvm/1',
    title: 'KVM through SOCKS5: RFB handshake and one frame',
    requirement: 'A KVM session through SOCKS5 completes the 0x40/0x41 step and the RFB handshake, and a full FramebufferUpdate arrives in valid RAW tiles (1..64 × 1..64 inside the screen).',
    source: `${SOURCE_REDIR}, §2.6`,
    level: 'MUST',
    needs: ['device', 'socks5', 'simulator'],
    fast: true,
    timeoutMs: 40_000,
    async run(ctx) {
      const { session } = await redirection(ctx, 'kvm')
      const kvm = await KvmClient.start(session)
      const update = await kvm.requestFrame(false, 20_000)
      kvm.close()
      const facts = `RFB ${kvm.serverVersion.major}.${kvm.serverVersion.minor}, ${kvm.width}x${kvm.height} "${kvm.name}", ${update.rectangles} rectangles, ${update.bytes} bytes, largest tile ${update.largestTile.width}x${update.largestTile.height}`
      if (update.rectangles === 0 || !update.tileSizesOk) return violation('a full frame in valid RAW tiles', facts)
      return pass(facts)
    },
  },
]
