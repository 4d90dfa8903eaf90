/**
 * How much memory the gateway needs per idle APF-over-TLS device, and how much CPU a connect
 * costs. Starts `ciralab gateway` as a child on free loopback ports, connects N devices (a
 * minimal APF client on protocol/apf: PROTOCOLVERSION, auth, pfwd and the seven firmware
 * forwards, pipelined), leaves them idle, and reads the child's VmRSS and CPU ticks from /proc.
 *
 *   npm run build && node dist/bench/gateway-idle-rss.js [--devices 1000] [--settle-seconds 5] [--plain | --tls12]
 *
 * Not part of `npm test`. Progress on stderr; a table on stdout; JSON under reports/out/.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as connectPlain, type Socket } from 'node:net'
import { connect } from 'node:tls'
import { parseArgs } from 'node:util'
import { ApfStreamDecoder, encodeApfMessage, FIRMWARE_FORWARD_ORDER, MessageType as M, ServiceName, type ApfMessage } from '../protocol/apf/index.js'
import { ChildProgram, ciralabCommand } from './child-process.js'
import { readClockTicks, readProcSnapshot } from './proc-sampler.js'

const USER = 'admin'
const PASSWORD = 'P@ssw0rd'

function uuidFor(i: number): string {
  const hex = i.toString(16).padStart(12, '0')
  return `c1a1ab00-0000-4000-8000-${hex}`
}

function handshakeBytes(uuid: string): Buffer {
  const messages: ApfMessage[] = [
    { type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid },
    { type: M.SERVICE_REQUEST, serviceName: ServiceName.AUTH },
    { type: M.USERAUTH_REQUEST, username: USER, serviceName: ServiceName.PFWD, methodName: 'password', password: PASSWORD },
    { type: M.SERVICE_REQUEST, serviceName: ServiceName.PFWD },
    ...FIRMWARE_FORWARD_ORDER.map((port): ApfMessage => ({ type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'tcpip-forward', address: `dev-${uuid.slice(-6)}.bench.test`, port } })),
  ]
  return Buffer.concat(messages.map((m) => encodeApfMessage(m)))
}

/** Connect one device; resolves once every forward is answered. The socket stays open. */
function connectDevice(port: number, ca: string | null, uuid: string, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const decoder = new ApfStreamDecoder()
    let forwards = 0
    const start = () => socket.write(handshakeBytes(uuid))
    const socket = ca === null ? connectPlain({ host: '127.0.0.1', port }, start) : connect({ host: '127.0.0.1', port, ca, servername: 'localhost', maxVersion }, start)
    const timer = setTimeout(() => reject(new Error(`device ${uuid}: handshake not done in 30 s`)), 30_000)
    socket.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk).messages) {
        if (m.type === M.REQUEST_SUCCESS && ++forwards === FIRMWARE_FORWARD_ORDER.length) {
          clearTimeout(timer)
          resolve(socket)
        }
        if (m.type === M.KEEPALIVE_REQUEST) socket.write(encodeApfMessage({ type: M.KEEPALIVE_REPLY, cookie: m.cookie }))
        if (m.type === M.DISCONNECT || m.type === M.USERAUTH_FAILURE) reject(new Error(`device ${uuid}: ${JSON.stringify(m)}`))
      }
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** JS heap in use and external (Buffers, native) memory, from the gateway's own /metrics. */
async function heapBytes(api: string): Promise<{ heapUsed: number; external: number }> {
  const res = await fetch(`http://${api}/metrics`)
  const text = await res.text()
  const value = (name: string) => Number(new RegExp(`^ciralab_gateway_${name} (\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { heapUsed: value('nodejs_heap_size_used_bytes'), external: value('nodejs_external_memory_bytes') }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { plain: { type: 'boolean', default: false }, tls12: { type: 'boolean', default: false }, devices: { type: 'string', default: '1000' }, 'settle-seconds': { type: 'string', default: '5' }, out: { type: 'string', default: 'reports/out' } } })
  const count = Number(values.devices)
  const settleMs = Number(values['settle-seconds']) * 1000
  if (!Number.isInteger(count) || count < 1 || count > 20_000) throw new Error('--devices must be 1..20000')
  const dataDir = mkdtempSync(join(tmpdir(), 'ciralab-rss-'))
  const cmd = ciralabCommand([
    'gateway', '--device-tls-listen', '127.0.0.1:0', '--device-plain-listen', '127.0.0.1:0', '--http-listen', 'off', '--socks-listen', 'off',
    '--api-listen', '127.0.0.1:0', '--user', USER, '--password', PASSWORD, '--data-dir', dataDir, '--fqdn', 'localhost', '--log-level', 'warn',
  ])
  const child = ChildProgram.start({ ...cmd, label: 'ciralab gateway' })
  const sockets: Socket[] = []
  try {
    const ready = await child.waitForJson((m) => m['event'] === 'ready', 30_000)
    const listeners = ready['listeners'] as Record<string, string>
    const port = Number((listeners[values.plain ? 'devicePlain' : 'deviceTls'] ?? '').split(':').pop())
    const ca = values.plain ? null : readFileSync(join(dataDir, 'TrustedRootCertificate.pem'), 'utf8')
    await sleep(1000)
    const api = listeners['api'] ?? ''
    const before = await readProcSnapshot(child.pid)
    const heapBefore = await heapBytes(api)
    const started = Date.now()
    const batch = 50
    for (let i = 0; i < count; i += batch) {
      const n = Math.min(batch, count - i)
      sockets.push(...(await Promise.all(Array.from({ length: n }, (_, k) => connectDevice(port, ca, uuidFor(i + k), values.tls12 ? 'TLSv1.2' : 'TLSv1.3')))))
      process.stderr.write(`\rconnected ${sockets.length}/${count}`)
    }
    const connectMs = Date.now() - started
    const afterConnect = await readProcSnapshot(child.pid)
    process.stderr.write(`\nidle for ${settleMs / 1000} s\n`)
    await sleep(settleMs)
    const after = await readProcSnapshot(child.pid)
    const heapAfter = await heapBytes(api)
    const ticks = readClockTicks()
    const result = {
      scenario: 'gateway-idle-rss',
      date: new Date().toISOString(),
      devices: count,
      transport: values.plain ? 'plain' : values.tls12 ? 'tls1.2' : 'tls1.3',
      rssBeforeBytes: before.rssBytes,
      rssAfterBytes: after.rssBytes,
      rssPerDeviceBytes: Math.round((after.rssBytes - before.rssBytes) / count),
      connectWallMs: connectMs,
      connectCpuMsPerDevice: Number((((afterConnect.cpuTicks - before.cpuTicks) / ticks) * 1000 / count).toFixed(3)),
      heapUsedPerDeviceBytes: Math.round((heapAfter.heapUsed - heapBefore.heapUsed) / count),
      externalPerDeviceBytes: Math.round((heapAfter.external - heapBefore.external) / count),
      fdsAfter: after.fds,
    }
    const mib = (b: number) => (b / 1048576).toFixed(1)
    process.stdout.write(
      [
        `devices                 ${count} (APF over ${values.plain ? 'plain TCP' : values.tls12 ? 'TLS 1.2' : 'TLS 1.3'}, idle)`,
        `gateway RSS before      ${mib(result.rssBeforeBytes)} MiB`,
        `gateway RSS after       ${mib(result.rssAfterBytes)} MiB`,
        `RSS per device          ${(result.rssPerDeviceBytes / 1024).toFixed(1)} KiB (JS heap ${(result.heapUsedPerDeviceBytes / 1024).toFixed(1)} KiB, external ${(result.externalPerDeviceBytes / 1024).toFixed(1)} KiB)`,
        `connect CPU per device  ${result.connectCpuMsPerDevice} ms (gateway process, ${connectMs} ms wall for all)`,
        '',
      ].join('\n'),
    )
    mkdirSync(values.out, { recursive: true })
    const file = join(values.out, `gateway-idle-rss-${result.date.replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    process.stdout.write(`report: ${file}\n`)
  } finally {
    for (const s of sockets) s.destroy()
    await child.stop(10_000)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway-idle-rss: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
