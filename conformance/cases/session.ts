/**
 * apf/duplicate and apf/presence: one device, one session; and the presence a console or API
 * sees matches the sessions (apf.md §3.4, §4.3).
 */

import { MessageType as M } from '../../protocol/apf/index.js'
import { handshake, REPLY_TIMEOUT_MS } from '../probe/firmware.js'
import { sleep } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase } from '../model.js'
import { describeEnd, endDeadlineMs, openProbe, uuidFor } from './support.js'

/** GET a presence API path; status and parsed JSON (null when not JSON). */
export async function presenceGet(ctx: CaseContext, path: string): Promise<{ status: number; body: unknown }> {
  const presence = ctx.target.presence
  if (presence === null) throw new Error('no presence API')
  const headers: Record<string, string> = presence.token === null ? {} : { authorization: `Bearer ${presence.token}` }
  const res = await fetch(`${presence.url}${path}`, { headers, signal: AbortSignal.timeout(5000) })
  const text = await res.text()
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {
    body = text.slice(0, 200)
  }
  ctx.evidence.note(`GET ${path} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
  return { status: res.status, body }
}

/** Whether the presence API shows `uuid` as connected (200 and not marked disconnected). */
export async function isPresent(ctx: CaseContext, uuid: string): Promise<boolean> {
  const { status, body } = await presenceGet(ctx, `/api/v1/devices/${uuid}`)
  if (status !== 200) return false
  const b = body as { connected?: unknown; status?: unknown; connectionStatus?: unknown } | null
  if (b !== null && typeof b === 'object') {
    if (b.connected === false || b.connectionStatus === false || b.status === 'disconnected') return false
  }
  return true
}

async function waitPresence(ctx: CaseContext, uuid: string, want: boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms
  for (;;) {
    if ((await isPresent(ctx, uuid)) === want) return true
    if (performance.now() > deadline) return false
    await sleep(100)
  }
}

export const sessionCases: readonly ConformanceCase[] = [
  {
    id: 'apf/duplicate/1',
    title: 'a second session with the same UUID is accepted',
    requirement: 'Firmware reconnecting after a network drop may find its old session still open on the gateway; the new session with the same UUID must be accepted (MPS ends the old one).',
    source: 'apf.md §3.4 (mps#441, PR #560)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const uuid = uuidFor(ctx)
      const first = await openProbe(ctx, 'first')
      await handshake(first, uuid, ctx.target.credentials)
      const second = await openProbe(ctx, 'second')
      await handshake(second, uuid, ctx.target.credentials)
      return pass(`second session logged in; first session: ${describeEnd(first.closed, performance.now())}`)
    },
  },
  {
    id: 'apf/duplicate/2',
    title: 'the older session of a duplicate UUID is closed',
    requirement: 'Once a new session for the same UUID is logged in, the gateway should close the old one within 5 s, so consoles reach the live one.',
    source: 'apf.md §3.4',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const uuid = uuidFor(ctx)
      const first = await openProbe(ctx, 'first')
      await handshake(first, uuid, ctx.target.credentials)
      const second = await openProbe(ctx, 'second')
      await handshake(second, uuid, ctx.target.credentials)
      const since = performance.now()
      const deadline = endDeadlineMs(ctx)
      await first.waitClosed(deadline)
      return first.closed === null ? violation(`the first session closed within ${deadline} ms`, describeEnd(null, since)) : pass(`first session: ${describeEnd(first.closed, since)}`)
    },
  },
  {
    id: 'apf/duplicate/3',
    title: 'the old session ending does not end the new one',
    requirement: 'When the old session of a duplicate UUID ends, the new session must stay logged in and answering (the late close of the old socket must not disconnect the new one, mps#441).',
    source: 'apf.md §3.4',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const uuid = uuidFor(ctx)
      const first = await openProbe(ctx, 'first')
      await handshake(first, uuid, ctx.target.credentials)
      const second = await openProbe(ctx, 'second')
      await handshake(second, uuid, ctx.target.credentials)
      await first.close()
      await sleep(500)
      if (!(await second.isResponsive(0xd0b1e, REPLY_TIMEOUT_MS))) return violation('the new session still answering', second.describeSilence(REPLY_TIMEOUT_MS))
      if (ctx.target.presence !== null && !(await isPresent(ctx, uuid))) return violation('the device still listed as connected', 'the presence API says it is gone')
      return pass('new session answered a keepalive after the old one closed')
    },
  },
  {
    id: 'apf/presence/1',
    title: 'presence follows the session',
    requirement: 'After login the device is listed as connected by the presence API; after its DISCONNECT and close it is gone within 5 s.',
    source: 'apf.md §4.2-4.3 (MPS /devices, connectionStatus)',
    level: 'MUST',
    needs: ['device', 'presence'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const uuid = uuidFor(ctx)
      const probe = await openProbe(ctx, 'device')
      await handshake(probe, uuid, ctx.target.credentials)
      if (!(await waitPresence(ctx, uuid, true, 2000))) return violation(`${uuid} listed within 2 s of login`, 'not listed')
      await probe.send({ type: M.DISCONNECT, reasonCode: 11 })
      await probe.close()
      if (!(await waitPresence(ctx, uuid, false, 5000))) return violation(`${uuid} gone within 5 s of the disconnect`, 'still listed')
      return pass('listed after login, gone after the disconnect')
    },
  },
]
