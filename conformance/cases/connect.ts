/**
 * apf/connect: the firmware connect sequence (apf.md §2.1), sent the way firmware and TLS can
 * deliver it: one message at a time, split at every byte, and all coalesced in one write.
 */

import { FIRMWARE_FORWARD_ORDER, MessageType as M, type ApfMessage } from '../../protocol/apf/index.js'
import { expectedReplies, firmwareSequence, handshake, protocolVersion, REPLY_TIMEOUT_MS, replyText } from '../probe/firmware.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { info, pass, violation, type ConformanceCase, type Outcome } from '../model.js'
import { openProbe, uuidFor } from './support.js'

const SOURCE_SEQUENCE = 'apf.md §2.1 steps 2-6 (MPS APFProcessor.ts, MeshCentral mpsserver.js, firmware traces MeshCentral#1026)'

/** Read replies until as many as expected came (or silence), then compare the whole list. */
async function compareReplies(probe: ProbeDevice, expected: readonly string[], timeoutMs: number): Promise<Outcome> {
  const got: string[] = []
  let silence = ''
  while (got.length < expected.length) {
    const r = await probe.next(timeoutMs)
    if (r === null) {
      silence = `, then ${probe.describeSilence(timeoutMs)}`
      break
    }
    got.push(replyText(r.message))
  }
  const same = got.length === expected.length && got.every((g, i) => g === expected[i])
  return same ? pass(`replies: ${got.join(', ')}`) : violation(expected.join(', '), `${got.join(', ') || 'no reply'}${silence}`)
}

export const connectCases: readonly ConformanceCase[] = [
  {
    id: 'apf/connect/1',
    title: 'firmware connect sequence, one message per write',
    requirement:
      'A device that sends PROTOCOLVERSION 1.0, asks for auth@amt.intel.com, authenticates with the accepted credentials, asks for pfwd@amt.intel.com and forwards its seven ports gets SERVICE_ACCEPT, USERAUTH_SUCCESS, SERVICE_ACCEPT and one REQUEST_SUCCESS carrying each port, in order.',
    source: SOURCE_SEQUENCE,
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const t0 = performance.now()
      await handshake(probe, uuidFor(ctx), ctx.target.credentials, FIRMWARE_FORWARD_ORDER)
      ctx.evidence.timing('handshakeMs', performance.now() - t0)
      return pass(`logged in and forwarded ${FIRMWARE_FORWARD_ORDER.join(', ')}`)
    },
  },
  {
    id: 'apf/connect/2',
    title: 'connect sequence split at every byte',
    requirement:
      'APF has no framing: the gateway must reassemble messages that arrive one byte per TLS record and answer exactly as for whole messages (MPS and MeshCentral treat a partial USERAUTH_REQUEST as fatal; apf.md §3.1 says a gateway should wait).',
    source: 'apf.md §1.1, §3.1',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 30_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const messages = firmwareSequence(uuidFor(ctx), ctx.target.credentials, [16992, 16993])
      for (const m of messages) await probe.sendSplit(m, 1, 1)
      return compareReplies(probe, expectedReplies([16992, 16993]), REPLY_TIMEOUT_MS)
    },
  },
  {
    id: 'apf/connect/3',
    title: 'connect sequence coalesced in one write',
    requirement:
      'Several messages in one TLS record (the whole sequence at once) must each be answered, in order, with nothing dropped.',
    source: 'apf.md §1.1 (a record can carry several messages), §3.1',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      await probe.sendCoalesced(firmwareSequence(uuidFor(ctx), ctx.target.credentials, FIRMWARE_FORWARD_ORDER))
      return compareReplies(probe, expectedReplies(FIRMWARE_FORWARD_ORDER), REPLY_TIMEOUT_MS)
    },
  },
  {
    id: 'apf/connect/4',
    title: 'reply to PROTOCOLVERSION',
    requirement:
      'Gateways differ: MPS and MeshCentral send nothing back, Console echoes a PROTOCOLVERSION, LMS answers with its own 1.0. Recorded as behaviour.',
    source: 'apf.md §2.1 step 2, §7',
    level: 'INFO',
    needs: ['device'],
    fast: true,
    timeoutMs: 10_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      await probe.send(protocolVersion(uuidFor(ctx)))
      const replies = await probe.collect(1000)
      if (replies.length === 0) return info(probe.closed === null ? 'no reply (as MPS and MeshCentral)' : `no reply; ${probe.describeSilence(1000)}`)
      return info(`replied: ${replies.map((r) => replyText(r.message)).join(', ')}`)
    },
  },
  {
    id: 'apf/connect/5',
    title: 'keepalive options asked after the ports are forwarded',
    requirement:
      'After the device has forwarded its ports (at the latest 5900), the gateway should send KEEPALIVE_OPTIONS_REQUEST so that firmware keeps its keepalive interval inside the idle deadline (MeshCentral#3412, mps#560); the interval must be shorter than the gateway\'s idle deadline.',
    source: 'apf.md §2.1 steps 7-8, §6.2',
    level: 'SHOULD',
    needs: ['device'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      await handshake(probe, uuidFor(ctx), ctx.target.credentials, FIRMWARE_FORWARD_ORDER)
      const deadline = performance.now() + 1500
      while (probe.keepaliveOptions.length === 0 && probe.closed === null && performance.now() < deadline) await probe.collect(20)
      const options = probe.keepaliveOptions
      if (options.length === 0) return violation('KEEPALIVE_OPTIONS_REQUEST within 1.5 s of the last forward', 'none')
      const first = options[0] as Extract<ApfMessage, { type: typeof M.KEEPALIVE_OPTIONS_REQUEST }>
      const idle = ctx.target.idleTimeoutSeconds
      if (idle !== null && first.intervalSeconds >= idle) {
        return violation(`an interval shorter than the idle deadline (${idle} s)`, `interval ${first.intervalSeconds} s`)
      }
      return pass(`KEEPALIVE_OPTIONS_REQUEST interval ${first.intervalSeconds} s, timeout ${first.timeoutSeconds} s (${options.length} sent)`)
    },
  },
]
