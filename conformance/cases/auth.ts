/**
 * apf/auth and apf/order: credentials checks and messages out of order (apf.md §2.1 step 4,
 * §3.2, §3.3, §7). A gateway must never grant what the state does not allow.
 */

import { MessageType as M, ServiceName, type ApfMessage } from '../../protocol/apf/index.js'
import { protocolVersion, replyText, serviceRequest, tcpipForward, userauthRequest } from '../probe/firmware.js'
import type { ProbeDevice, Received } from '../probe/probe-device.js'
import { info, pass, violation, type ConformanceCase, type Outcome } from '../model.js'
import { describeEnd, openProbe, uuidFor } from './support.js'

const LISTEN_MS = 1500

/** Log in up to USERAUTH with the given password; returns the replies that came. */
async function tryPassword(probe: ProbeDevice, uuid: string, username: string, password: string): Promise<Received[]> {
  await probe.send(protocolVersion(uuid))
  await probe.send(serviceRequest(ServiceName.AUTH))
  await probe.expect(M.SERVICE_ACCEPT, 5000, 'for auth@amt.intel.com')
  await probe.send(userauthRequest({ username, password }))
  // The answer, then a moment more for what follows it (a DISCONNECT, a close).
  const replies: Received[] = []
  const first = await probe.next(LISTEN_MS)
  if (first !== null) replies.push(first, ...(await probe.collect(300)))
  return replies
}

function summary(replies: readonly Received[], probe: ProbeDevice, since: number): string {
  const texts = replies.map((r) => replyText(r.message))
  const end = describeEnd(probe.closed, since)
  return `${texts.length ? texts.join(', ') : 'no reply'}; ${end}`
}

/** The replies must not contain `forbidden`; anything else (silence, refusal, close) passes. */
function notGranted(replies: readonly Received[], probe: ProbeDevice, since: number, forbidden: (m: ApfMessage) => boolean, expected: string): Outcome {
  const granted = replies.find((r) => forbidden(r.message))
  if (granted !== undefined) return violation(expected, summary(replies, probe, since))
  return pass(summary(replies, probe, since))
}

async function wrongPassword(ctx: Parameters<ConformanceCase['run']>[0]): Promise<{ probe: ProbeDevice; replies: Received[]; since: number }> {
  const probe = await openProbe(ctx, 'device')
  const since = performance.now()
  const replies = await tryPassword(probe, uuidFor(ctx), ctx.target.credentials.username, `${ctx.target.credentials.password}-wrong`)
  return { probe, replies, since }
}

export const authCases: readonly ConformanceCase[] = [
  {
    id: 'apf/auth/1',
    title: 'wrong password is refused with USERAUTH_FAILURE',
    requirement: 'A USERAUTH_REQUEST with a wrong password must get USERAUTH_FAILURE, never USERAUTH_SUCCESS.',
    source: 'apf.md §2.1 step 4, §3.3',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const { probe, replies, since } = await wrongPassword(ctx)
      if (replies.some((r) => r.message.type === M.USERAUTH_SUCCESS)) return violation('USERAUTH_FAILURE', summary(replies, probe, since))
      if (!replies.some((r) => r.message.type === M.USERAUTH_FAILURE)) return violation('USERAUTH_FAILURE', summary(replies, probe, since))
      return pass(summary(replies, probe, since))
    },
  },
  {
    id: 'apf/auth/2',
    title: 'USERAUTH_FAILURE has one of the two wire forms',
    requirement:
      'USERAUTH_FAILURE is `33 string(methods) partialSuccess`: 14 bytes with a 1-byte trailer (SSH, GoAPF, Console) or 15 bytes with MPS\'s 2-byte trailer; methods must name "password" and partial success must be false. Firmware accepts both forms.',
    source: 'apf.md §1.3 USERAUTH_FAILURE, §5.3',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const { probe, replies, since } = await wrongPassword(ctx)
      const failure = replies.find((r) => r.message.type === M.USERAUTH_FAILURE)
      if (failure === undefined || failure.message.type !== M.USERAUTH_FAILURE) return violation('USERAUTH_FAILURE', summary(replies, probe, since))
      const hex = failure.bytes.toString('hex')
      if (!failure.message.methods.split(',').includes('password') || failure.message.partialSuccess) {
        return violation('methods "password", partial success false', `methods ${JSON.stringify(failure.message.methods)}, partial success ${failure.message.partialSuccess} (${hex})`)
      }
      const form = failure.bytes.length === 14 ? '14-byte form (1-byte trailer, as SSH and Console)' : failure.bytes.length === 15 ? '15-byte form (2-byte trailer, as MPS and MeshCentral)' : null
      if (form === null) return violation('14 or 15 bytes', `${failure.bytes.length} bytes (${hex})`)
      return pass(`${form}: ${hex}`)
    },
  },
  {
    id: 'apf/auth/3',
    title: 'wrong username is refused',
    requirement: 'A USERAUTH_REQUEST with an unknown username and the right password must not get USERAUTH_SUCCESS.',
    source: 'apf.md §3.3',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      const replies = await tryPassword(probe, uuidFor(ctx), 'nosuchdevice0000', ctx.target.credentials.password)
      return notGranted(replies, probe, since, (m) => m.type === M.USERAUTH_SUCCESS, 'USERAUTH_FAILURE or the session ended')
    },
  },
  {
    id: 'apf/auth/4',
    title: 'after a refused login nothing is forwarded',
    requirement: 'After USERAUTH_FAILURE, a SERVICE_REQUEST for pfwd and a tcpip-forward must not be granted (no REQUEST_SUCCESS).',
    source: 'apf.md §2.1 steps 4-6, §3.3',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const { probe, since } = await wrongPassword(ctx)
      await probe.send(serviceRequest(ServiceName.PFWD))
      await probe.send(tcpipForward(16992))
      const replies = await probe.collect(LISTEN_MS)
      return notGranted(replies, probe, since, (m) => m.type === M.REQUEST_SUCCESS, 'no REQUEST_SUCCESS for the forward')
    },
  },
  {
    id: 'apf/auth/5',
    title: 'what the gateway does after a wrong password',
    requirement: 'Gateways differ: MPS keeps the session open for another try, Console and MeshCentral close it. Recorded.',
    source: 'apf.md §3.3, §7',
    level: 'INFO',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const { probe, replies, since } = await wrongPassword(ctx)
      if (probe.closed === null) await probe.waitClosed(1000)
      return info(summary(replies, probe, since))
    },
  },
  {
    id: 'apf/order/1',
    title: 'USERAUTH_REQUEST before PROTOCOLVERSION is not granted',
    requirement:
      'Without PROTOCOLVERSION the gateway does not know which device is logging in; a USERAUTH_REQUEST with valid credentials sent first must not get USERAUTH_SUCCESS (LMS checks the protocol flow; MeshCentral added the same gate in #7958).',
    source: 'apf.md §3.2 (state machine row), §7',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.send(serviceRequest(ServiceName.AUTH))
      await probe.send(userauthRequest(ctx.target.credentials))
      const replies = await probe.collect(LISTEN_MS)
      return notGranted(replies, probe, since, (m) => m.type === M.USERAUTH_SUCCESS, 'no USERAUTH_SUCCESS')
    },
  },
  {
    id: 'apf/order/2',
    title: 'tcpip-forward before authentication is not granted',
    requirement: 'A tcpip-forward sent after PROTOCOLVERSION but before USERAUTH_SUCCESS must not get REQUEST_SUCCESS.',
    source: 'apf.md §2.1 steps 2-6, §3.2',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.send(protocolVersion(uuidFor(ctx)))
      await probe.send(tcpipForward(16992))
      const replies = await probe.collect(LISTEN_MS)
      return notGranted(replies, probe, since, (m) => m.type === M.REQUEST_SUCCESS, 'no REQUEST_SUCCESS before authentication')
    },
  },
  {
    id: 'apf/order/3',
    title: 'pfwd service before authentication is not accepted',
    requirement: 'SERVICE_REQUEST pfwd@amt.intel.com before USERAUTH_SUCCESS should not be accepted (MPS accepts any known service at any time).',
    source: 'apf.md §2.1 steps 3-5, §3.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.send(protocolVersion(uuidFor(ctx)))
      await probe.send(serviceRequest(ServiceName.PFWD))
      const replies = await probe.collect(LISTEN_MS)
      return notGranted(replies, probe, since, (m) => m.type === M.SERVICE_ACCEPT, 'no SERVICE_ACCEPT for pfwd before authentication')
    },
  },
  {
    id: 'apf/order/4',
    title: 'a message out of order ends the session with PROTOCOL_ERROR',
    requirement: 'A message the session state does not allow (tcpip-forward before authentication) should end the session with DISCONNECT reason 2 PROTOCOL_ERROR, as LMS does.',
    source: 'apf.md §3.2 (LMS _checkProtocolFlow), §1.3 DISCONNECT reasons',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 15_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const since = performance.now()
      await probe.send(protocolVersion(uuidFor(ctx)))
      await probe.send(tcpipForward(16992))
      await probe.waitClosed(3000)
      const end = describeEnd(probe.closed, since)
      if (probe.closed?.disconnectReason !== 2) return violation('DISCONNECT 2 (PROTOCOL_ERROR) and close', end)
      return pass(end)
    },
  },
]
