/**
 * apf/unknown, apf/global, apf/limits: bytes a gateway must survive (apf.md §3.2). A session
 * that sent something that is not APF must end (DISCONNECT or close) within the deadline;
 * the gateway must never wait for gigabytes a length field promised.
 */

import { MessageType as M } from '../../protocol/apf/index.js'
import { handshake, REPLY_TIMEOUT_MS, replyText } from '../probe/firmware.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { info, pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import { describeEnd, endDeadlineMs, openProbe, uuidFor } from './support.js'

async function readyProbe(ctx: CaseContext): Promise<ProbeDevice> {
  const probe = await openProbe(ctx, 'device')
  await handshake(probe, uuidFor(ctx), ctx.target.credentials)
  return probe
}

/** Send `bytes` on an authenticated session; the session must end within the deadline. */
async function mustEnd(ctx: CaseContext, label: string, bytes: Buffer, requireReason: number | null = null): Promise<Outcome> {
  const probe = await readyProbe(ctx)
  const since = performance.now()
  await probe.sendRaw(label, bytes)
  await probe.waitClosed(endDeadlineMs(ctx))
  const end = describeEnd(probe.closed, since)
  if (probe.closed === null) return violation(`the session to end within ${endDeadlineMs(ctx)} ms`, end)
  if (requireReason !== null && probe.closed.disconnectReason !== requireReason) return violation(`DISCONNECT ${requireReason} before the close`, end)
  return pass(end)
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

function apfString(text: string): Buffer {
  const body = Buffer.from(text)
  return Buffer.concat([u32(body.length), body])
}

/** Unknown message type 7 followed by bytes that look like a field. */
const UNKNOWN_TYPE = Buffer.from('07000000010000', 'hex')

export const malformedCases: readonly ConformanceCase[] = [
  {
    id: 'apf/unknown/1',
    title: 'unknown message type ends the session',
    requirement: 'A message type APF does not define (here 7) cannot be skipped (no framing): the gateway must end the session within 5 s (or 80% of its idle deadline, if shorter).',
    source: 'apf.md §1.2, §3.2 (MPS ends the connection; LMS sends DISCONNECT 2)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    run: (ctx) => mustEnd(ctx, 'unknown message type 7', UNKNOWN_TYPE),
  },
  {
    id: 'apf/unknown/2',
    title: 'unknown message type gets DISCONNECT PROTOCOL_ERROR',
    requirement: 'Before closing on an unknown message type the gateway should send DISCONNECT with reason 2 PROTOCOL_ERROR, so firmware logs why (LMS does; MPS and MeshCentral just close).',
    source: 'apf.md §1.3 DISCONNECT, §3.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    run: (ctx) => mustEnd(ctx, 'unknown message type 7', UNKNOWN_TYPE, 2),
  },
  {
    id: 'apf/global/1',
    title: 'unknown global request with want-reply gets REQUEST_FAILURE',
    requirement: 'A GLOBAL_REQUEST whose name the gateway does not know, with want-reply set, should get REQUEST_FAILURE (SSH semantics APF inherits; MPS sends nothing, LMS answers REQUEST_FAILURE).',
    source: 'apf.md §1.2 REQUEST_FAILURE, §3.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const name = apfString('ciralab-unknown@example.test')
      await probe.sendRaw('GLOBAL_REQUEST "ciralab-unknown@example.test" want-reply=1, no payload', Buffer.concat([Buffer.from([M.GLOBAL_REQUEST]), name, Buffer.from([1])]))
      const r = await probe.next(2000)
      if (r?.message.type === M.REQUEST_FAILURE) return pass('REQUEST_FAILURE')
      return violation('REQUEST_FAILURE', r === null ? probe.describeSilence(2000) : replyText(r.message))
    },
  },
  {
    id: 'apf/global/2',
    title: 'the session goes on after an unknown global request',
    requirement: 'An unknown GLOBAL_REQUEST without payload, want-reply clear, must not break the session: a KEEPALIVE_REQUEST after it is still echoed.',
    source: 'apf.md §3.2 (MPS consumes type, name and want-reply)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await readyProbe(ctx)
      const name = apfString('ciralab-unknown@example.test')
      await probe.sendRaw('GLOBAL_REQUEST "ciralab-unknown@example.test" want-reply=0, no payload', Buffer.concat([Buffer.from([M.GLOBAL_REQUEST]), name, Buffer.from([0])]))
      await probe.collect(300)
      if (await probe.isResponsive(0x5eed0001, REPLY_TIMEOUT_MS)) return pass('KEEPALIVE_REPLY after the unknown request')
      return violation('KEEPALIVE_REPLY 0x5eed0001', probe.describeSilence(REPLY_TIMEOUT_MS))
    },
  },
  {
    id: 'apf/limits/1',
    title: 'string length over the limit ends the session',
    requirement: 'A USERAUTH_REQUEST whose username length field says 0x7fffffff must end the session within 5 s; the gateway must not wait for 2 GiB (MPS caps strings at 2048).',
    source: 'apf.md §3.2 (mps#597)',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      // 64 bytes in all, past every minimum length a gateway may wait for before reading fields.
      const bytes = Buffer.concat([Buffer.from([M.USERAUTH_REQUEST]), u32(0x7fffffff), Buffer.alloc(59, 0x61)])
      await probe.sendRaw('USERAUTH_REQUEST with username length 0x7fffffff (64 bytes sent)', bytes)
      await probe.waitClosed(endDeadlineMs(ctx))
      if (probe.closed === null) return violation(`the session to end within ${endDeadlineMs(ctx)} ms`, describeEnd(null, since))
      return pass(describeEnd(probe.closed, since))
    },
  },
  {
    id: 'apf/limits/2',
    title: 'CHANNEL_DATA length over 1 MiB ends the session',
    requirement: 'A CHANNEL_DATA announcing 0x7fffffff bytes must end the session within 5 s (MPS: over 1 MiB is fatal).',
    source: 'apf.md §1.3 CHANNEL_DATA, §3.2',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    run: (ctx) => mustEnd(ctx, 'CHANNEL_DATA channel 0 length 0x7fffffff (64 bytes sent)', Buffer.concat([Buffer.from([M.CHANNEL_DATA]), u32(0), u32(0x7fffffff), Buffer.alloc(55)])),
  },
  {
    id: 'apf/limits/3',
    title: 'global request name length over the limit ends the session',
    requirement: 'A GLOBAL_REQUEST whose name length is 0xffffffff must end the session within 5 s.',
    source: 'apf.md §3.2',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    run: (ctx) => mustEnd(ctx, 'GLOBAL_REQUEST name length 0xffffffff (64 bytes sent)', Buffer.concat([Buffer.from([M.GLOBAL_REQUEST]), u32(0xffffffff), Buffer.from('tcpip-forward'), Buffer.alloc(46)])),
  },
  {
    id: 'apf/limits/4',
    title: 'a 4 KiB username',
    requirement: 'Real usernames are at most 16 characters (RPS); MPS refuses strings over 2048 bytes. What the gateway does with a 4096-byte username is recorded.',
    source: 'apf.md §1.3 USERAUTH_REQUEST, §3.2',
    level: 'INFO',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.send({ type: M.PROTOCOLVERSION, majorVersion: 1, minorVersion: 0, triggerReason: 4, uuid: uuidFor(ctx) })
      await probe.send({ type: M.USERAUTH_REQUEST, username: 'u'.repeat(4096), serviceName: 'pfwd@amt.intel.com', methodName: 'password', password: ctx.target.credentials.password })
      const replies = await probe.collect(1500)
      return info(`${replies.map((r) => replyText(r.message)).join(', ') || 'no reply'}; ${describeEnd(probe.closed, since)}`)
    },
  },
]
