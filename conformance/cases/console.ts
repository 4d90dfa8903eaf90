/**
 * console/*: what the gateway's console listeners allow and refuse, seen from a console, with a
 * probe device behind (apf.md §2.2; redirection-wsman.md §1). SOCKS5 per RFC 1928/1929; the
 * HTTP proxy per CONNECT semantics. Refusals must never reach the device.
 */

import { connectViaHttpProxy, ProxyConnectError } from '../../consoles/connect-tunnel.js'
import { MessageType as M } from '../../protocol/apf/index.js'
import { Command, ReplyCode } from '../../protocol/socks5/index.js'
import { cancelTcpipForward, handshake, REPLY_TIMEOUT_MS, replyText, tcpipForward } from '../probe/firmware.js'
import { patternBytes, pumpChannel, sha256 } from '../probe/channel.js'
import { describeSocksOutcome, trySocks, type SocksOutcome } from '../probe/socks-raw.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import type { HostPort } from '../target.js'
import { consoleTunnel, openChannelFromConsole, readFromConsole, writeToConsole, type Via } from './console-support.js'
import { openProbe, uuidFor } from './support.js'

const SOURCE_SOCKS = 'RFC 1928 §4-6, RFC 1929; apf.md §2.2 (consoles reach device ports through the gateway)'
const SOURCE_HTTP = 'HTTP CONNECT (RFC 9110 §9.3.6); apf.md §2.2; redirection-wsman.md §1'

async function readyDevice(ctx: CaseContext, ports: readonly number[] = [16992, 16994]): Promise<{ probe: ProbeDevice; uuid: string }> {
  const uuid = uuidFor(ctx)
  const probe = await openProbe(ctx, 'device', { channels: 'queue' })
  await handshake(probe, uuid, ctx.target.credentials, ports)
  return { probe, uuid }
}

/** A device that also asked to forward port 22 (whatever the gateway answered). */
async function deviceAlsoForwarding22(ctx: CaseContext): Promise<{ probe: ProbeDevice; uuid: string }> {
  const device = await readyDevice(ctx, [16992])
  await device.probe.send(tcpipForward(22))
  const r = await device.probe.next(REPLY_TIMEOUT_MS)
  ctx.evidence.note(`tcpip-forward 22: ${r === null ? 'no reply' : replyText(r.message)}`)
  return device
}

function socksProxy(ctx: CaseContext): HostPort {
  const s = ctx.target.console.socks5
  if (s === null) throw new Error('no SOCKS5 listener')
  return s
}

/** No CHANNEL_OPEN may reach the device for a refused console request. */
async function noChannelOpen(probe: ProbeDevice, ms: number): Promise<string | null> {
  const got = await probe.collect(ms)
  const open = got.find((r) => r.message.type === M.CHANNEL_OPEN)
  return open === undefined ? null : replyText(open.message)
}

function socksRefused(o: SocksOutcome, what: string, preferred: number): Outcome {
  if (o.stage === 'reply' && o.reply === ReplyCode.SUCCEEDED) return violation(`${what} refused`, 'reply 0 (succeeded)')
  const text = describeSocksOutcome(o)
  return pass(o.stage === 'reply' && o.reply !== preferred ? `${text} (RFC 1928 names ${preferred} for this)` : text)
}

async function socksCommandRefused(ctx: CaseContext, command: Command, name: string): Promise<Outcome> {
  const { uuid } = await readyDevice(ctx)
  const o = await trySocks({ proxy: socksProxy(ctx), command, host: uuid, port: 16992, credentials: ctx.target.console.auth, timeoutMs: REPLY_TIMEOUT_MS })
  return socksRefused(o, name, ReplyCode.COMMAND_NOT_SUPPORTED)
}

async function httpStatus(ctx: CaseContext, host: string, port: number, auth: 'target' | 'none' | 'wrong'): Promise<number | string> {
  const proxy = ctx.target.console.httpProxy
  if (proxy === null) throw new Error('no HTTP proxy')
  const creds = ctx.target.console.auth
  const proxyAuth = auth === 'target' && creds !== null ? creds : auth === 'wrong' && creds !== null ? { username: creds.username, password: `${creds.password}-wrong` } : undefined
  try {
    const s = await connectViaHttpProxy({ proxyHost: proxy.host, proxyPort: proxy.port, host, port, ...(proxyAuth === undefined ? {} : { proxyAuth }), timeoutMs: REPLY_TIMEOUT_MS })
    s.destroy()
    return 200
  } catch (error) {
    if (error instanceof ProxyConnectError && error.statusCode !== null) return error.statusCode
    return error instanceof Error ? error.message : String(error)
  }
}

/** Both directions through one tunnel, intact: console → device and device → console. */
async function bothWays(ctx: CaseContext, via: Via, size: number): Promise<Outcome> {
  const { probe, uuid } = await readyDevice(ctx)
  const channel = await openChannelFromConsole(ctx, probe, via, uuid, 16992, 32768)
  const up = patternBytes(size, ctx.options.seed + 10)
  const down = patternBytes(size, ctx.options.seed + 20)
  const reading = readFromConsole(channel.console, size, 30_000)
  const writing = writeToConsole(channel.console, up)
  const r = await pumpChannel(probe, channel.ids, { send: down, sendWindow: channel.open.initialWindowSize, receiveWindow: 32768, expectBytes: size, maxChunk: 8192, adjust: 'half-window', stallMs: REPLY_TIMEOUT_MS, closeWhenDone: false })
  await writing
  const got = await reading
  if (r.stalled !== null) return violation(`${size} bytes each way`, r.stalled)
  if (r.windowViolation !== null) return violation('the device window respected', r.windowViolation)
  if (r.receivedSha256 !== sha256(up)) return violation(`console → device SHA-256 ${sha256(up)}`, `${r.received} bytes, SHA-256 ${r.receivedSha256}`)
  if (got.sha256 !== sha256(down)) return violation(`device → console SHA-256 ${sha256(down)}`, `${got.received} bytes, SHA-256 ${got.sha256}`)
  return pass(`${size} bytes each way through ${via}, intact`)
}

export const consoleCases: readonly ConformanceCase[] = [
  {
    id: 'console/socks5/1',
    title: 'SOCKS5 CONNECT tunnel carries bytes both ways',
    requirement: 'A SOCKS5 CONNECT to a connected device\'s port opens a channel; 256 KiB each way arrive intact.',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['device', 'socks5'],
    fast: true,
    timeoutMs: 60_000,
    run: (ctx) => bothWays(ctx, 'socks5', 256 * 1024),
  },
  {
    id: 'console/socks5/2',
    title: 'SOCKS5 BIND is refused',
    requirement: 'The gateway offers only CONNECT: a BIND request must get a failure reply (RFC 1928: 07 command not supported), never success.',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['device', 'socks5'],
    fast: true,
    timeoutMs: 20_000,
    run: (ctx) => socksCommandRefused(ctx, Command.BIND, 'BIND'),
  },
  {
    id: 'console/socks5/3',
    title: 'SOCKS5 UDP ASSOCIATE is refused',
    requirement: 'A UDP ASSOCIATE request must get a failure reply (RFC 1928: 07), never success.',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['device', 'socks5'],
    fast: true,
    timeoutMs: 20_000,
    run: (ctx) => socksCommandRefused(ctx, Command.UDP_ASSOCIATE, 'UDP ASSOCIATE'),
  },
  {
    id: 'console/socks5/4',
    title: 'SOCKS5 CONNECT to an unknown device is refused',
    requirement: 'CONNECT to a name no connected device has must get a failure reply (04 host unreachable fits) within 5 s.',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['socks5'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const o = await trySocks({ proxy: socksProxy(ctx), command: Command.CONNECT, host: uuidFor(ctx, 99), port: 16992, credentials: ctx.target.console.auth, timeoutMs: REPLY_TIMEOUT_MS })
      return socksRefused(o, 'CONNECT to an unknown device', ReplyCode.HOST_UNREACHABLE)
    },
  },
  {
    id: 'console/socks5/5',
    title: 'SOCKS5 CONNECT to a port consoles may not reach is refused',
    requirement: 'CONNECT to a connected device on port 22 (no AMT service; the device asked to forward it too) must be refused (02 not allowed by ruleset fits), and no CHANNEL_OPEN may reach the device.',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['device', 'socks5'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { probe, uuid } = await deviceAlsoForwarding22(ctx)
      const o = await trySocks({ proxy: socksProxy(ctx), command: Command.CONNECT, host: uuid, port: 22, credentials: ctx.target.console.auth, timeoutMs: REPLY_TIMEOUT_MS })
      const leaked = await noChannelOpen(probe, 300)
      if (leaked !== null) return violation('no CHANNEL_OPEN at the device', leaked)
      return socksRefused(o, 'CONNECT to port 22', ReplyCode.NOT_ALLOWED_BY_RULESET)
    },
  },
  {
    id: 'console/socks5/6',
    title: 'SOCKS5 requires the proxy credentials',
    requirement: 'A target that requires proxy authentication must refuse a console that offers none (method 0xFF) and one with a wrong password (RFC 1929 failure status).',
    source: SOURCE_SOCKS,
    level: 'MUST',
    needs: ['device', 'socks5', 'proxy-auth'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { uuid } = await readyDevice(ctx)
      const creds = ctx.target.console.auth
      if (creds === null) throw new Error('no proxy credentials')
      const base = { proxy: socksProxy(ctx), command: Command.CONNECT, host: uuid, port: 16992, timeoutMs: REPLY_TIMEOUT_MS }
      const none = await trySocks({ ...base, credentials: null })
      const wrong = await trySocks({ ...base, credentials: { username: creds.username, password: `${creds.password}-wrong` } })
      const text = `no credentials: ${describeSocksOutcome(none)}; wrong password: ${describeSocksOutcome(wrong)}`
      if (none.stage === 'reply' || wrong.stage === 'reply') return violation('refusal before the request', text)
      return pass(text)
    },
  },
  {
    id: 'console/http/1',
    title: 'HTTP CONNECT tunnel carries bytes both ways',
    requirement: 'CONNECT uuid:16992 through the HTTP proxy opens a channel; 256 KiB each way arrive intact.',
    source: SOURCE_HTTP,
    level: 'MUST',
    needs: ['device', 'http-proxy'],
    fast: true,
    timeoutMs: 60_000,
    run: (ctx) => bothWays(ctx, 'http', 256 * 1024),
  },
  {
    id: 'console/http/2',
    title: 'HTTP CONNECT to an unknown device is refused',
    requirement: 'CONNECT to a name no connected device has must get a 4xx or 5xx status, never 2xx.',
    source: SOURCE_HTTP,
    level: 'MUST',
    needs: ['http-proxy'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const status = await httpStatus(ctx, uuidFor(ctx, 99), 16992, 'target')
      return typeof status === 'number' && status >= 400 ? pass(`status ${status}`) : violation('a 4xx or 5xx status', String(status))
    },
  },
  {
    id: 'console/http/3',
    title: 'HTTP CONNECT to a port consoles may not reach is refused',
    requirement: 'CONNECT to a connected device on port 22 must get a 4xx or 5xx status (403 fits) and no CHANNEL_OPEN may reach the device.',
    source: SOURCE_HTTP,
    level: 'MUST',
    needs: ['device', 'http-proxy'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { probe, uuid } = await deviceAlsoForwarding22(ctx)
      const status = await httpStatus(ctx, uuid, 22, 'target')
      const leaked = await noChannelOpen(probe, 300)
      if (leaked !== null) return violation('no CHANNEL_OPEN at the device', leaked)
      return typeof status === 'number' && status >= 400 ? pass(`status ${status}`) : violation('a 4xx or 5xx status', String(status))
    },
  },
  {
    id: 'console/http/4',
    title: 'HTTP proxy requires the proxy credentials',
    requirement: 'A target that requires proxy authentication must answer 407 to a CONNECT without Proxy-Authorization and to one with a wrong password.',
    source: `${SOURCE_HTTP}; RFC 9110 §15.5.8`,
    level: 'MUST',
    needs: ['device', 'http-proxy', 'proxy-auth'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { uuid } = await readyDevice(ctx)
      const none = await httpStatus(ctx, uuid, 16992, 'none')
      const wrong = await httpStatus(ctx, uuid, 16992, 'wrong')
      const text = `no credentials: ${none}; wrong password: ${wrong}`
      return none === 407 && wrong === 407 ? pass(text) : violation('407 and 407', text)
    },
  },
  {
    id: 'console/port/1',
    title: 'after cancel-tcpip-forward the port is not reachable',
    requirement: 'Once the device cancelled the forward of 16993, a console CONNECT to it must be refused and no CHANNEL_OPEN may reach the device (MeshCentral checks bound ports; MPS does not).',
    source: 'apf.md §1.3 cancel-tcpip-forward, §2.2 (MPS does not check boundPorts, MeshCentral does)',
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { probe, uuid } = await readyDevice(ctx, [16992, 16993])
      await probe.send(cancelTcpipForward(16993))
      await probe.expect(M.REQUEST_SUCCESS, REPLY_TIMEOUT_MS, 'to cancel-tcpip-forward 16993')
      const via: Via = ctx.target.console.socks5 !== null ? 'socks5' : 'http'
      let outcome = 'refused'
      try {
        const tunnel = consoleTunnel(ctx, via, uuid, 16993)
        tunnel.catch(() => undefined)
        const leaked = await noChannelOpen(probe, 500)
        if (leaked !== null) return violation('no CHANNEL_OPEN at the device', leaked)
        await tunnel
        outcome = 'the tunnel opened'
      } catch (error) {
        outcome = `refused: ${error instanceof Error ? error.message : String(error)}`
      }
      return outcome.startsWith('refused') ? pass(outcome) : violation('the console refused', outcome)
    },
  },
]
