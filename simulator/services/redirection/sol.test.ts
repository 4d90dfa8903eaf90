import { afterEach, describe, expect, it } from 'vitest'
import { encodeRedirectionMessage, SolStatus } from '../../../protocol/redirection/index.js'
import { expectMessage, openRedirectionSession } from '../../../consoles/redirection-session.js'
import { SolClient } from '../../../consoles/sol-client.js'
import { ACCOUNT, startCorruptingProxy, startDevice, waitUntil, type CorruptingProxy, type TestDevice } from './test-support/harness.js'
import net from 'node:net'
import { once } from 'node:events'

let device: TestDevice | null = null
let proxy: CorruptingProxy | null = null
afterEach(async () => {
  await proxy?.close()
  await device?.close()
  proxy = null
  device = null
})

describe('SOL interactive', () => {
  it('shows the BIOS screen, then a login prompt that echoes (password not echoed)', async () => {
    device = await startDevice()
    const sol = await SolClient.start(await device.open({ kind: 'sol' }), { heartbeatIntervalMs: 50 })
    const boot = await sol.readUntil('dev-000007 login: ')
    expect(boot).toContain('Ciralab Simulated BIOS')
    expect(boot).toContain('Intel(R) AMT 16.1.25')
    expect(boot.indexOf('Memory Test')).toBeLessThan(boot.indexOf('login: '))
    expect(sol.powerOn).toBe(true)

    await sol.sendKeys('adminx\x7f\r')
    await sol.readUntil('Password: ')
    expect(sol.transcript).toContain('login: adminx\b \b\r\nPassword: ')
    await sol.sendKeys('secret\r')
    const after = await sol.readUntil(/Login incorrect\r\ndev-000007 login: $/)
    expect(after).not.toContain('secret')
    expect(device.ctx.counters.solBytesFromConsole).toBe(15)
    expect(device.ctx.counters.solBytesToConsole).toBe(sol.bytesReceived)
    await sol.end()
    await waitUntil(() => device?.host.activeRedirections.size === 0, 5000, 'session end')
  })

  it('reports a powered-off host in 0x29, and prints the BIOS screen when it powers on', async () => {
    device = await startDevice({ identity: { initialPowerState: 8 } })
    const sol = await SolClient.start(await device.open({ kind: 'sol' }))
    await waitUntil(() => sol.powerOn !== null, 5000, '0x29')
    expect(sol.powerOn).toBe(false)
    expect(sol.bytesReceived).toBe(0)
    expect(device.host.requestPowerState(2)).toBe(0)
    await sol.readUntil('login: ')
    expect(sol.powerOn).toBe(true)
    await sol.end()
  })

  it('answers 0x24 with 0x25, sends 0x29 with the power bit first, and 0x23 to 0x22', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'sol' })
    const c = session.connection
    await c.send({ type: 'START_SOL', seq: 1, maxTxBuffer: 1000, txBufferTimeout: 100, txOverflowTimeout: 0, hostSessionRxTimeout: 10000, hostFifoRxFlushTimeout: 0, heartbeatInterval: 0 })
    expect(await expectMessage(c, 'START_SOL_REPLY')).toMatchObject({ status: 0, maxTxBuffer: 1000, hostSessionRxTimeout: 10000 })
    const controls = await expectMessage(c, 'SOL_CONTROLS_FROM_HOST')
    expect(controls.status & SolStatus.SYSTEM_POWER_STATE).toBe(SolStatus.SYSTEM_POWER_STATE)
    // The BIOS screen in 0x2A messages of at most MaxTxBuffer bytes.
    const first = await expectMessage(c, 'SOL_DATA_FROM_HOST')
    expect(first.data.length).toBeLessThanOrEqual(1000)
    await c.send(Buffer.concat([encodeRedirectionMessage({ type: 'SOL_KEEPALIVE_PING', seq: 2 }), encodeRedirectionMessage({ type: 'END_SOL', seq: 3 })]))
    const seen: string[] = []
    for (;;) {
      const m = await c.next()
      seen.push(m.type)
      if (m.type === 'END_SOL_REPLY') break
    }
    expect(seen).toContain('SOL_KEEPALIVE_PONG')
    c.close()
  })
})

describe('SOL stream mode', () => {
  it('streams a few hundred KB that verify in sequence and checksum, at the configured rate ceiling', async () => {
    device = await startDevice({ service: { solMode: 'stream', solStreamBytesPerSecond: 4_000_000 } })
    const sol = await SolClient.start(await device.open({ kind: 'sol', deadlineMs: 25_000 }), { verifyStream: true, parameters: { maxTxBuffer: 4096, txBufferTimeout: 20 } })
    const report = await sol.waitForBytes(300 * 1024, 20_000)
    expect(report.records).toBeGreaterThanOrEqual(Math.floor((300 * 1024) / 64) - 1)
    expect(report.sequenceErrors + report.checksumErrors + report.formatErrors).toBe(0)
    expect(report.bytesPerSecond).toBeGreaterThan(0)
    await sol.end()
    expect(device.ctx.counters.solBytesToConsole).toBeGreaterThanOrEqual(300 * 1024)
  })

  it('detects one corrupted byte in the stream', async () => {
    device = await startDevice({ service: { solMode: 'stream', solStreamBytesPerSecond: 4_000_000 } })
    proxy = await startCorruptingProxy(device.port, 100_000)
    const socket = net.connect(proxy.port, '127.0.0.1')
    await once(socket, 'connect')
    const session = await openRedirectionSession(socket, { kind: 'sol', user: ACCOUNT.user, password: ACCOUNT.password, deadlineMs: 25_000 })
    const sol = await SolClient.start(session, { verifyStream: true, parameters: { maxTxBuffer: 4096, txBufferTimeout: 20 } })
    const report = await sol.waitForBytes(200_000, 20_000)
    expect(proxy.corrupted).toBe(true)
    expect(report.checksumErrors + report.sequenceErrors + report.formatErrors).toBeGreaterThanOrEqual(1)
    // The chain re-synchronises: one bad byte costs at most two records.
    expect(report.checksumErrors + report.sequenceErrors + report.formatErrors).toBeLessThanOrEqual(2)
    await sol.end()
  })

  it('stops writing when the console stops reading, and resumes when it drains', async () => {
    device = await startDevice({ service: { solMode: 'stream', solStreamBytesPerSecond: 50_000_000 } })
    const session = await device.open({ kind: 'sol', deadlineMs: 25_000 })
    const sol = await SolClient.start(session, { verifyStream: true, parameters: { maxTxBuffer: 8192, txBufferTimeout: 10 } })
    await sol.waitForBytes(64 * 1024, 10_000)
    session.connection.stream.pause()
    // With the console not reading, the device must stop at what the socket buffers hold.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stalledAt = device.ctx.counters.solBytesToConsole
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(device.ctx.counters.solBytesToConsole - stalledAt).toBeLessThan(64 * 1024)
    session.connection.stream.resume()
    const report = await sol.waitForBytes(stalledAt + 256 * 1024, 15_000)
    expect(report.checksumErrors + report.sequenceErrors + report.formatErrors).toBe(0)
    await sol.end()
  })
})
