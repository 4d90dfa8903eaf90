/**
 * robust/fuzz: random and mutated APF (fast-check arbitraries, seeded) sent on sessions in
 * every state, while a control device keeps a keepalive round trip going. The gateway must
 * never stop serving the control device; every session that sent bytes which are not APF must
 * end (DISCONNECT or close) within the deadline; a session that sent only well-formed messages
 * must answer or end, never hang.
 */

import { MessageType as M, ServiceName } from '../../protocol/apf/index.js'
import { Evidence } from '../evidence.js'
import { handshake, protocolVersion, REPLY_TIMEOUT_MS, serviceRequest, userauthRequest } from '../probe/firmware.js'
import { classifyStream, fuzzItems, seededRandom, type FuzzItem, type StreamClass } from '../probe/fuzz.js'
import { ProbeDevice, sleep, describeError } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase } from '../model.js'
import { endDeadlineMs, openProbe, uuidFor } from './support.js'

const STATES = ['fresh', 'versioned', 'auth-service', 'authenticated', 'ready'] as const
type SessionState = (typeof STATES)[number]

const MESSAGES_PER_SESSION = 10
const PARALLEL_SESSIONS = 8
const CONTROL_EVERY_MS = 500

interface SessionResult {
  readonly index: number
  readonly state: SessionState
  readonly cls: StreamClass | 'setup-failed'
  readonly outcome: 'ended' | 'responsive' | 'hung' | 'open' | 'setup-failed'
  readonly problem: string | null
  readonly evidence: Evidence
}

async function bringTo(ctx: CaseContext, probe: ProbeDevice, state: SessionState, uuid: string): Promise<void> {
  if (state === 'fresh') return
  if (state === 'ready') return handshake(probe, uuid, ctx.target.credentials)
  await probe.send(protocolVersion(uuid))
  if (state === 'versioned') return
  await probe.send(serviceRequest(ServiceName.AUTH))
  await probe.expect(M.SERVICE_ACCEPT, REPLY_TIMEOUT_MS, 'for auth@amt.intel.com')
  if (state === 'auth-service') return
  await probe.send(userauthRequest(ctx.target.credentials))
  await probe.expect(M.USERAUTH_SUCCESS, REPLY_TIMEOUT_MS, 'for the device credentials')
}

/** Write the items in coalesced groups of 1-8, one transcript entry per item. */
async function sendItems(probe: ProbeDevice, items: readonly FuzzItem[], rnd: () => number): Promise<void> {
  let i = 0
  while (i < items.length && probe.closed === null) {
    const group = items.slice(i, i + 1 + Math.floor(rnd() * 8))
    for (const item of group) {
      if (item.kind === 'random') probe.transcript.sent(item.message, item.bytes, 'fuzz: random')
      else probe.transcript.sentRaw(`fuzz: mutated ${item.how}`, item.bytes)
    }
    await probe.write(Buffer.concat(group.map((g) => g.bytes)))
    i += group.length
  }
}

async function fuzzSession(ctx: CaseContext, index: number, items: readonly FuzzItem[]): Promise<SessionResult> {
  const state = STATES[index % STATES.length] as SessionState
  const evidence = new Evidence()
  const transcript = evidence.transcript(`session ${index} (${state}; times from session start)`, `${ctx.target.device.tls ? 'TLS' : 'TCP'} ${ctx.target.device.host}:${ctx.target.device.port}`)
  const setupFailed = (why: string): SessionResult => ({ index, state, cls: 'setup-failed', outcome: 'setup-failed', problem: `session ${index} (${state}): ${why}`, evidence })
  let probe: ProbeDevice
  try {
    probe = await ProbeDevice.connect(ctx.target.device, transcript)
  } catch (error) {
    return setupFailed(`could not connect: ${describeError(error)}`)
  }
  try {
    try {
      await bringTo(ctx, probe, state, uuidFor(ctx, 1000 + index))
    } catch (error) {
      return setupFailed(`normal login failed: ${describeError(error)}`)
    }
    const stream = Buffer.concat(items.map((it) => it.bytes))
    const { cls, detail } = classifyStream(stream)
    transcript.event(`fuzz stream of ${stream.length} bytes classified ${cls} (${detail})`)
    await sendItems(probe, items, seededRandom(ctx.options.seed + index))
    return { index, state, cls, ...(await judge(probe, cls, index, endDeadlineMs(ctx))), evidence }
  } finally {
    await probe.close()
  }
}

async function judge(probe: ProbeDevice, cls: StreamClass, index: number, deadlineMs: number): Promise<Pick<SessionResult, 'outcome' | 'problem'>> {
  const since = performance.now()
  if (cls === 'bad') {
    const end = await probe.waitClosed(deadlineMs)
    if (end !== null) return { outcome: 'ended', problem: null }
    return { outcome: 'hung', problem: `session ${index}: bytes that are not APF, still open after ${deadlineMs} ms` }
  }
  if (cls === 'valid') {
    if (await probe.isResponsive(0x0f000000 + index, deadlineMs)) return { outcome: 'responsive', problem: null }
    if (probe.closed !== null) return { outcome: 'ended', problem: null }
    return { outcome: 'hung', problem: `session ${index}: well-formed messages only, then no keepalive answer and no close within ${Math.round(performance.now() - since)} ms` }
  }
  return { outcome: probe.closed === null ? 'open' : 'ended', problem: null }
}

/** Keepalive round trips on the control device until stopped; the first failure is kept. */
function superviseControl(control: ProbeDevice): { stop: () => Promise<{ failure: string | null; worstMs: number; trips: number }> } {
  let running = true
  let failure: string | null = null
  let worst = 0
  let trips = 0
  const loop = (async () => {
    while (running && failure === null) {
      const t0 = performance.now()
      if (!(await control.isResponsive(0xc0000000 + trips, REPLY_TIMEOUT_MS))) {
        failure = `no keepalive answer on the control device (round trip ${trips + 1}): ${control.describeSilence(REPLY_TIMEOUT_MS)}`
        break
      }
      worst = Math.max(worst, performance.now() - t0)
      trips++
      await sleep(CONTROL_EVERY_MS)
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return { failure, worstMs: Math.round(worst), trips }
    },
  }
}

async function runFuzz(ctx: CaseContext) {
  const control = await openProbe(ctx, 'control device')
  await handshake(control, uuidFor(ctx, 0), ctx.target.credentials)
  const supervisor = superviseControl(control)
  const sessions = Math.ceil(ctx.options.fuzzMessages / MESSAGES_PER_SESSION)
  const results: SessionResult[] = []
  let sent = 0
  for (let first = 0; first < sessions && !ctx.signal.aborted; first += PARALLEL_SESSIONS) {
    const batch: Promise<SessionResult>[] = []
    for (let i = first; i < Math.min(sessions, first + PARALLEL_SESSIONS); i++) {
      const count = Math.min(MESSAGES_PER_SESSION, ctx.options.fuzzMessages - i * MESSAGES_PER_SESSION)
      sent += count
      batch.push(fuzzSession(ctx, i, fuzzItems(ctx.options.seed * 100_003 + i, count, i % 2 === 1)))
    }
    results.push(...(await Promise.all(batch)))
  }
  const controlResult = await supervisor.stop()
  return { results, controlResult, sent }
}

function tally(results: readonly SessionResult[]): string {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(`${r.cls}→${r.outcome}`, (counts.get(`${r.cls}→${r.outcome}`) ?? 0) + 1)
  return [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(', ')
}

export const robustnessCases: readonly ConformanceCase[] = [
  {
    id: 'robust/fuzz/1',
    title: 'random and mutated APF on sessions in every state',
    requirement:
      'Random and mutated APF messages (seeded; 10,000 in the full run), sent on sessions before PROTOCOLVERSION, after it, after the auth service, after login and after the forwards: the gateway keeps answering a control device throughout and a new device can log in after; every session that sent bytes that are not APF ends within 5 s (or 80% of the idle deadline, if shorter); a session that sent only well-formed messages answers a keepalive or ends.',
    source: 'apf.md §3.1-3.2 (stream reassembly, malformed input); issue 5 robustness',
    level: 'MUST',
    needs: ['device'],
    fast: true,
    timeoutMs: 30 * 60 * 1000,
    async run(ctx) {
      const { results, controlResult, sent } = await runFuzz(ctx)
      const problems = results.filter((r) => r.problem !== null)
      const keep = [...problems.slice(0, 5), ...results.filter((r) => r.problem === null).slice(0, 4)]
      for (const r of keep) for (const t of r.evidence.toJSON().transcripts) ctx.evidence.adopt(t)
      const summary = `${sent} messages on ${results.length} sessions: ${tally(results)}; control device: ${controlResult.trips} keepalive round trips, worst ${controlResult.worstMs} ms`
      ctx.evidence.note(summary)
      if (controlResult.failure !== null) return violation('the gateway to keep serving the control device', `${controlResult.failure} (${summary})`)
      const after = await openProbe(ctx, 'device after the fuzzing')
      try {
        await handshake(after, uuidFor(ctx, 1), ctx.target.credentials)
      } catch (error) {
        return violation('a new device to log in after the fuzzing', describeError(error))
      }
      if (problems.length > 0) {
        return violation(`every bad session ended within ${endDeadlineMs(ctx)} ms and no well-formed session hung`, `${problems.length} session(s): ${problems.slice(0, 3).map((p) => p.problem).join('; ')} (${summary})`)
      }
      return pass(summary)
    },
  },
]
