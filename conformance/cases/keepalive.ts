/**
 * apf/keepalive, apf/idle, apf/disconnect: keeping a session alive, ending a silent one, and
 * ending on the device's DISCONNECT (apf.md §2.1 steps 7-8, §3.2, §6).
 */

import { MessageType as M } from '../../protocol/apf/index.js'
import { handshake, REPLY_TIMEOUT_MS, replyText } from '../probe/firmware.js'
import { sleep, type ProbeDevice } from '../probe/probe-device.js'
import { info, pass, violation, type CaseContext, type ConformanceCase } from '../model.js'
import { describeEnd, endDeadlineMs, openProbe, uuidFor } from './support.js'

/** MPS and MeshCentral close a silent session after 90 s; used when the target does not say. */
const DEFAULT_IDLE_SECONDS = 90

function idleSeconds(ctx: CaseContext): number {
  return ctx.target.idleTimeoutSeconds ?? DEFAULT_IDLE_SECONDS
}

/** The deadline a silent session must be gone by: idle + half of it + 2 s of scheduling slack. */
function idleDeadlineMs(ctx: CaseContext): number {
  return Math.round(idleSeconds(ctx) * 1500 + 2000)
}

async function readyProbe(ctx: CaseContext, n = 0): Promise<ProbeDevice> {
  const probe = await openProbe(ctx, n === 0 ? 'device' : `device-${n}`)
  await handshake(probe, uuidFor(ctx, n), ctx.target.credentials)
  return probe
}

async function echoes(probe: ProbeDevice, cookies: readonly number[]): Promise<string | null> {
  for (const cookie of cookies) {
    await probe.send({ type: M.KEEPALIVE_REQUEST, cookie })
    const r = await probe.next(REPLY_TIMEOUT_MS)
    if (r === null) return `${probe.describeSilence(REPLY_TIMEOUT_MS)} after KEEPALIVE_REQUEST 0x${cookie.toString(16)}`
    if (r.message.type !== M.KEEPALIVE_REPLY || r.message.cookie !== cookie) return replyText(r.message) + (r.message.type === M.KEEPALIVE_REPLY ? ` cookie 0x${r.message.cookie.toString(16)}` : '')
  }
  return null
}

const LONG_IDLE_CASE_MS = 2 * 3600 * 1000

export const keepaliveCases: readonly ConformanceCase[] = [
  {
    id: 'apf/keepalive/1',
    title: 'KEEPALIVE_REQUEST is echoed with its cookie',
    requirement: 'Every KEEPALIVE_REQUEST gets a KEEPALIVE_REPLY carrying the same cookie (0, 0x42 and 0xffffffff tried).',
    source: 'apf.md §1.3 KEEPALIVE, §2.1 step 8, §5.1 (GoAPF vector D0 00000042)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const wrong = await echoes(probe, [0, 0x42, 0xffffffff])
      return wrong === null ? pass('three cookies echoed') : violation('KEEPALIVE_REPLY with the same cookie', wrong)
    },
  },
  {
    id: 'apf/keepalive/2',
    title: 'KEEPALIVE_OPTIONS_REPLY is accepted',
    requirement: 'Firmware answers KEEPALIVE_OPTIONS_REQUEST with KEEPALIVE_OPTIONS_REPLY(interval, timeout); the gateway must take it (MPS only logs it) and the session must go on.',
    source: 'apf.md §1.3 KEEPALIVE_OPTIONS_REPLY, §2.1 step 7',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      await probe.send({ type: M.KEEPALIVE_OPTIONS_REPLY, intervalSeconds: 30, timeoutSeconds: 10 })
      const wrong = await echoes(probe, [0x0b0e0003])
      return wrong === null ? pass('session answered a keepalive after the options reply') : violation('KEEPALIVE_REPLY after KEEPALIVE_OPTIONS_REPLY', wrong)
    },
  },
  {
    id: 'apf/keepalive/3',
    title: 'keepalives split and coalesced are all echoed',
    requirement: 'A KEEPALIVE_REQUEST split into five one-byte writes, then two coalesced in one write, get three KEEPALIVE_REPLYs in order.',
    source: 'apf.md §1.1, §3.1',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      await probe.sendSplit({ type: M.KEEPALIVE_REQUEST, cookie: 0x11111111 }, 1, 2)
      await probe.sendCoalesced([
        { type: M.KEEPALIVE_REQUEST, cookie: 0x22222222 },
        { type: M.KEEPALIVE_REQUEST, cookie: 0x33333333 },
      ])
      const got: string[] = []
      for (const cookie of [0x11111111, 0x22222222, 0x33333333]) {
        const r = await probe.next(REPLY_TIMEOUT_MS)
        if (r === null) return violation('three KEEPALIVE_REPLYs 0x11111111, 0x22222222, 0x33333333', `${got.join(', ')} then ${probe.describeSilence(REPLY_TIMEOUT_MS)}`)
        got.push(r.message.type === M.KEEPALIVE_REPLY ? `0x${r.message.cookie.toString(16)}` : replyText(r.message))
        if (r.message.type !== M.KEEPALIVE_REPLY || r.message.cookie !== cookie) return violation('KEEPALIVE_REPLYs 0x11111111, 0x22222222, 0x33333333', got.join(', '))
      }
      return pass(`replies ${got.join(', ')}`)
    },
  },
  {
    id: 'apf/keepalive/4',
    title: 'keepalives hold a session past the idle deadline',
    requirement: 'A session that sends KEEPALIVE_REQUEST every third of the idle deadline must stay open for one and a half deadlines (the mps#441 disconnect loop).',
    source: 'apf.md §2.1 step 8, §6.2 (mps#441, MeshCentral#3412)',
    level: 'MUST',
    needs: ['device'],
    fast: false,
    timeoutMs: LONG_IDLE_CASE_MS,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const idleMs = idleSeconds(ctx) * 1000
      const until = performance.now() + idleMs * 1.5
      let cookie = 0x4b000000
      while (performance.now() < until) {
        await sleep(idleMs / 3)
        const wrong = await echoes(probe, [++cookie])
        if (wrong !== null) return violation(`the session alive for ${(idleMs * 1.5) / 1000} s with keepalives`, wrong)
      }
      return pass(`alive after ${(idleMs * 1.5) / 1000} s`)
    },
  },
  {
    id: 'apf/idle/1',
    title: 'a silent session is closed after the idle deadline',
    requirement: 'A logged-in device that sends nothing should be disconnected once the idle deadline passes (MPS and MeshCentral: 90 s), so dead devices do not stay "connected".',
    source: 'apf.md §2.1 step 8, §3.4, §6.1',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: LONG_IDLE_CASE_MS,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const since = performance.now()
      await probe.waitClosed(idleDeadlineMs(ctx))
      const end = describeEnd(probe.closed, since)
      if (probe.closed === null) return violation(`a close within ${idleDeadlineMs(ctx)} ms (idle deadline ${idleSeconds(ctx)} s)`, end)
      const early = probe.closed.at - since < idleSeconds(ctx) * 1000 * 0.5
      return early ? violation(`no close before half the idle deadline (${idleSeconds(ctx)} s)`, end) : pass(end)
    },
  },
  {
    id: 'apf/idle/2',
    title: 'a connection that never speaks is closed',
    requirement: 'A TLS connection that never sends PROTOCOLVERSION should be closed within the idle deadline, so idle sockets cannot pile up.',
    source: 'apf.md §2.1 step 8, §6.1',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: LONG_IDLE_CASE_MS,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.waitClosed(idleDeadlineMs(ctx))
      const end = describeEnd(probe.closed, since)
      return probe.closed === null ? violation(`a close within ${idleDeadlineMs(ctx)} ms`, end) : pass(end)
    },
  },
  {
    id: 'apf/disconnect/1',
    title: 'the device\'s DISCONNECT ends the session',
    requirement: 'After the device sends DISCONNECT (11 BY_APPLICATION) the gateway should close the connection within 5 s (MPS drops the device but leaves the socket open).',
    source: 'apf.md §1.3 DISCONNECT, §3.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const since = performance.now()
      await probe.send({ type: M.DISCONNECT, reasonCode: 11 })
      const deadline = endDeadlineMs(ctx)
      await probe.waitClosed(deadline)
      const end = describeEnd(probe.closed, since)
      return probe.closed === null ? violation(`a close within ${deadline} ms`, end) : pass(end)
    },
  },
  {
    id: 'apf/disconnect/2',
    title: 'DISCONNECT reasons the gateway sends',
    requirement: 'Which DISCONNECT reason (if any) the gateway sends before closing on bad credentials three times, on a DISCONNECT from the device and on a silent session. Recorded.',
    source: 'apf.md §1.3 DISCONNECT reasons, §7',
    level: 'INFO',
    needs: ['device'],
    fast: false,
    timeoutMs: LONG_IDLE_CASE_MS,
    async run(ctx) {
      const observed: string[] = []
      const bad = await openProbe(ctx, 'bad-credentials')
      await bad.send({ type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: uuidFor(ctx, 1) })
      await bad.send({ type: M.SERVICE_REQUEST, serviceName: 'auth@amt.intel.com' })
      const since = performance.now()
      for (let i = 0; i < 3 && bad.closed === null; i++) {
        await bad.send({ type: M.USERAUTH_REQUEST, username: ctx.target.credentials.username, serviceName: 'pfwd@amt.intel.com', methodName: 'password', password: `wrong-${i}` })
        await bad.collect(500)
      }
      await bad.waitClosed(2000)
      observed.push(`bad credentials: ${describeEnd(bad.closed, since)}`)
      const silent = await readyProbe(ctx, 2)
      const idleSince = performance.now()
      await silent.waitClosed(idleDeadlineMs(ctx))
      observed.push(`silent session: ${describeEnd(silent.closed, idleSince)}`)
      return info(observed.join('; '))
    },
  },
]
