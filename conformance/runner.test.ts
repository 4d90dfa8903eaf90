import { afterEach, describe, expect, it } from 'vitest'
import { ALL_CASES } from './cases/index.js'
import type { ConformanceCase } from './model.js'
import { sleep } from './probe/probe-device.js'
import { runCase, runSuite } from './runner.js'
import { startFakeGateway, type FakeGateway } from './test-support/fake-gateway.js'

const options = { seed: 3, fuzzMessages: 100 }
let fake: FakeGateway | null = null

afterEach(async () => {
  await fake?.close()
  fake = null
})

function caseById(id: string): ConformanceCase {
  const c = ALL_CASES.find((x) => x.id === id)
  if (c === undefined) throw new Error(`no case ${id}`)
  return c
}

describe('runner against a fake APF server', () => {
  it('passes the connect sequence and keeps both directions, decoded and as hex', async () => {
    fake = await startFakeGateway()
    const { result, evidence } = await runCase(fake.target, caseById('apf/connect/1'), options)
    expect(result.verdict).toBe('PASS')
    const entries = evidence.transcripts[0]?.entries ?? []
    const sent = entries.find((e) => e.dir === 'sent' && e.text.startsWith('SERVICE_REQUEST'))
    expect(sent?.hex).toBe('05000000126175746840616d742e696e74656c2e636f6d')
    const got = entries.find((e) => e.dir === 'received' && e.text.startsWith('REQUEST_SUCCESS'))
    expect(got).toMatchObject({ text: 'REQUEST_SUCCESS portBound=16993', hex: '5100004261', bytes: 5 })
    expect(evidence.timings['handshakeMs']).toBeGreaterThan(0)
  })

  it('passes the sequence split at every byte (one byte per TLS record)', async () => {
    fake = await startFakeGateway()
    const { result } = await runCase(fake.target, caseById('apf/connect/2'), options)
    expect(result.verdict).toBe('PASS')
  })

  it('fails a MUST with expected versus actual when keepalives are not echoed', async () => {
    fake = await startFakeGateway({ echoKeepalive: false })
    const { result } = await runCase(fake.target, caseById('apf/keepalive/1'), options)
    expect(result.verdict).toBe('FAIL')
    expect(result.expected).toBe('KEEPALIVE_REPLY with the same cookie')
    expect(result.actual).toMatch(/nothing within 5000 ms after KEEPALIVE_REQUEST 0x0/)
  })

  it('tells the two USERAUTH_FAILURE forms apart by their bytes', async () => {
    fake = await startFakeGateway({ failureTrailer: 2 })
    const mps = await runCase(fake.target, caseById('apf/auth/2'), options)
    expect(mps.result.verdict).toBe('PASS')
    expect(mps.result.observed).toMatch(/^15-byte form .*: 330000000870617373776f72640000$/)
    await fake.close()
    fake = await startFakeGateway({ failureTrailer: 1 })
    const ssh = await runCase(fake.target, caseById('apf/auth/2'), options)
    expect(ssh.result.observed).toMatch(/^14-byte form .*: 330000000870617373776f726400$/)
  })

  it('grades a SHOULD violation NON-STRICT (no REQUEST_FAILURE to an unknown global request)', async () => {
    fake = await startFakeGateway()
    const { result } = await runCase(fake.target, caseById('apf/global/1'), options)
    expect(result.verdict).toBe('NON-STRICT')
    expect(result.actual).toBe('nothing within 2000 ms')
  })

  it('ends an unknown message type the way the fake does: DISCONNECT 2 then close', async () => {
    fake = await startFakeGateway()
    const { result } = await runCase(fake.target, caseById('apf/unknown/2'), options)
    expect(result.verdict).toBe('PASS')
    expect(result.observed).toMatch(/^DISCONNECT 2 then close after \d+ ms$/)
  })

  it('the simulated device refuses a wrong name and an unknown root', async () => {
    fake = await startFakeGateway()
    const wrongName = await runCase(fake.target, caseById('tls/reject/1'), options)
    expect(wrongName.result.verdict).toBe('PASS')
    expect(wrongName.result.observed).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/)
    const unknownRoot = await runCase(fake.target, caseById('tls/reject/2'), options)
    expect(unknownRoot.result.verdict).toBe('PASS')
  })

  it('is NOT APPLICABLE when the target lacks the listener, without running the case', async () => {
    fake = await startFakeGateway()
    const { result } = await runCase(fake.target, caseById('apf/presence/1'), options)
    expect(result).toMatchObject({ verdict: 'NOT APPLICABLE', observed: 'the target has no presence API the suite can read' })
  })

  it('fails a case that outlives its deadline, and runs its closers', async () => {
    fake = await startFakeGateway()
    let closed = false
    const slow: ConformanceCase = {
      ...caseById('apf/connect/1'),
      id: 'test/slow/1',
      timeoutMs: 200,
      async run(ctx) {
        ctx.defer(() => {
          closed = true
        })
        await sleep(2000)
        return { kind: 'pass' }
      },
    }
    const run = await runSuite(fake.target, [slow], options)
    expect(run.records[0]?.result).toMatchObject({ verdict: 'FAIL', expected: 'the case to finish within 200 ms' })
    expect(closed).toBe(true)
  })

  it('closes at once what a case opens after its deadline (a late tunnel never leaks)', async () => {
    fake = await startFakeGateway()
    let closedLate = false
    const late: ConformanceCase = {
      ...caseById('apf/connect/1'),
      id: 'test/late/1',
      timeoutMs: 100,
      async run(ctx) {
        await sleep(300)
        ctx.defer(() => {
          closedLate = true
        })
        return { kind: 'pass' }
      },
    }
    const run = await runSuite(fake.target, [late], options)
    expect(run.records[0]?.result.verdict).toBe('FAIL')
    expect(closedLate).toBe(false)
    await sleep(400)
    expect(closedLate).toBe(true)
  })

  it('keeps a fuzzed fake serving: bad sessions end, the control device answers', async () => {
    fake = await startFakeGateway()
    const { result } = await runCase(fake.target, caseById('robust/fuzz/1'), options)
    expect(result.verdict).toBe('PASS')
    expect(result.observed).toMatch(/^100 messages on 10 sessions: .*control device: \d+ keepalive round trips/)
  })
})
