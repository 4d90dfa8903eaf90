/**
 * console/scale: many consoles on many devices at once (issue 5: 100 consoles on 100 devices).
 * Raw tunnels to probe devices (bytes both ways, checked by hash), and WS-MAN consoles on
 * simulated devices.
 */

import { handshake, REPLY_TIMEOUT_MS } from '../probe/firmware.js'
import { patternBytes, pumpChannel, sha256 } from '../probe/channel.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase } from '../model.js'
import { WsmanClient } from '../../consoles/wsman-client.js'
import { startSimulatedDevices } from '../sim/devices.js'
import { anyConsole, openChannelFromConsole, readFromConsole, writeToConsole } from './console-support.js'
import { openProbe, uuidFor } from './support.js'

const DEVICES = 100
const BYTES_EACH_WAY = 16 * 1024
const CONNECT_BATCH = 20

async function connectDevices(ctx: CaseContext): Promise<ProbeDevice[]> {
  const probes: ProbeDevice[] = []
  for (let first = 0; first < DEVICES; first += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, DEVICES - first) }, async (_, k) => {
      const i = first + k
      const probe = await openProbe(ctx, `device ${i}`, { channels: 'queue' })
      await handshake(probe, uuidFor(ctx, i), ctx.target.credentials)
      return probe
    })
    probes.push(...(await Promise.all(batch)))
  }
  return probes
}

/** One console on device `i`: open, both directions, compare; null when all went well. */
async function oneConsole(ctx: CaseContext, probe: ProbeDevice, i: number): Promise<string | null> {
  const channel = await openChannelFromConsole(ctx, probe, anyConsole(ctx), uuidFor(ctx, i), 16992, 32768)
  const up = patternBytes(BYTES_EACH_WAY, ctx.options.seed * 1000 + i)
  const down = patternBytes(BYTES_EACH_WAY, ctx.options.seed * 1000 + i + 500)
  const reading = readFromConsole(channel.console, BYTES_EACH_WAY, 60_000)
  const writing = writeToConsole(channel.console, up)
  const r = await pumpChannel(probe, channel.ids, { send: down, sendWindow: channel.open.initialWindowSize, receiveWindow: 32768, expectBytes: BYTES_EACH_WAY, maxChunk: 4096, adjust: 'half-window', stallMs: 3 * REPLY_TIMEOUT_MS, closeWhenDone: false })
  await writing
  const got = await reading
  if (r.stalled !== null) return `device ${i}: ${r.stalled}`
  if (r.receivedSha256 !== sha256(up)) return `device ${i}: console → device hash differs (${r.received} bytes)`
  if (got.sha256 !== sha256(down)) return `device ${i}: device → console hash differs (${got.received} bytes)`
  return null
}

/** WS-MAN Get on every simulated device at once through the HTTP proxy (absolute-form). */
async function wsmanOnAll(ctx: CaseContext): Promise<string[]> {
  const { devices } = await startSimulatedDevices(ctx, DEVICES)
  const p = ctx.target.console.httpProxy
  if (p === null) throw new Error('no HTTP proxy')
  const auth = ctx.target.console.auth
  const proxyUrl = `http://${auth === null ? '' : `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}@`}${p.host}:${p.port}`
  const results = await Promise.all(
    devices.map(async (d, i) => {
      const client = new WsmanClient({ transport: { kind: 'proxy', proxyUrl, target: `http://${d.identity.uuid}:16992/wsman` }, username: ctx.target.amt.username, password: ctx.target.amt.password, timeoutMs: 30_000 })
      try {
        const x = await client.get('AMT_GeneralSettings')
        return x.status === 200 && x.body.toString('utf8').includes(d.identity.digestRealm) ? null : `device ${i}: status ${x.status}`
      } catch (error) {
        return `device ${i}: ${error instanceof Error ? error.message : String(error)}`
      } finally {
        await client.close()
      }
    }),
  )
  return results.filter((r): r is string => r !== null)
}

export const scaleCases: readonly ConformanceCase[] = [
  {
    id: 'console/scale/1',
    title: '100 consoles on 100 devices at once',
    requirement: 'With 100 devices logged in, 100 consoles open one tunnel each at the same time and each carries 16 KiB both ways intact.',
    source: 'issue 5 (console side); apf.md §2.2-2.3',
    level: 'MUST',
    needs: ['device', 'console'],
    fast: false,
    timeoutMs: 180_000,
    async run(ctx) {
      const t0 = performance.now()
      const probes = await connectDevices(ctx)
      ctx.evidence.timing('devicesLoggedInMs', performance.now() - t0)
      const t1 = performance.now()
      const results = await Promise.all(probes.map((p, i) => oneConsole(ctx, p, i).catch((e: unknown) => `device ${i}: ${e instanceof Error ? e.message : String(e)}`)))
      ctx.evidence.timing('consolesMs', performance.now() - t1)
      const problems = results.filter((r): r is string => r !== null)
      if (problems.length > 0) return violation(`${DEVICES} intact tunnels`, `${problems.length} failed: ${problems.slice(0, 3).join('; ')}`)
      return pass(`${DEVICES} tunnels, ${BYTES_EACH_WAY} bytes each way, in ${Math.round(performance.now() - t1)} ms`)
    },
  },
  {
    id: 'console/scale/2',
    title: '100 WS-MAN consoles on 100 simulated devices at once',
    requirement: 'With 100 simulated AMT devices logged in, 100 WS-MAN consoles each do a Digest-authenticated Get through the HTTP proxy at the same time, and each gets its own device\'s answer.',
    source: 'issue 5 (console side); redirection-wsman.md §4.1-4.2',
    level: 'MUST',
    needs: ['device', 'http-proxy', 'simulator'],
    fast: false,
    timeoutMs: 180_000,
    async run(ctx) {
      const t0 = performance.now()
      const problems = await wsmanOnAll(ctx)
      if (problems.length > 0) return violation(`${DEVICES} Digest-authenticated Gets answered by their own device`, `${problems.length} failed: ${problems.slice(0, 3).join('; ')}`)
      return pass(`${DEVICES} devices connected and answered in ${Math.round(performance.now() - t0)} ms`)
    },
  },
]
