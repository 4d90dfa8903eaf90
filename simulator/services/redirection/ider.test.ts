import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { expectMessage } from '../../../consoles/redirection-session.js'
import { describeIderImage, IderClient } from '../../../consoles/ider-client.js'
import { startDevice, waitUntil, type TestDevice } from './test-support/harness.js'

let device: TestDevice | null = null
let tempDir: string | null = null
afterEach(async () => {
  await device?.close()
  device = null
  if (tempDir !== null) await rm(tempDir, { recursive: true, force: true })
  tempDir = null
})

/** A deterministic image of `blocks` 2 KiB blocks, different in every block. */
function makeImage(blocks: number, seed: number): Buffer {
  const out = Buffer.alloc(blocks * 2048)
  for (let i = 0; i < blocks; i++) createHash('sha256').update(`${seed}:${i}`).digest().copy(out, i * 2048)
  for (let i = 0; i < out.length; i += 32) out[i] = (out[i] as number) ^ (i & 0xff)
  return out
}

describe('IDE-R boot from the console’s virtual CD (loopback)', () => {
  it('boots from a 4 MB image served from a file: every byte read, SHA-256 verified', async () => {
    const image = makeImage(2048, 1)
    tempDir = await mkdtemp(join(tmpdir(), 'ciralab-ider-'))
    const path = join(tempDir, 'boot.iso')
    await writeFile(path, image)
    const info = await describeIderImage({ path })
    expect(info).toEqual({ size: image.length, sha256: createHash('sha256').update(image).digest('hex') })

    device = await startDevice({ service: { iderExpectedImage: info } })
    const ider = await IderClient.start(await device.open({ kind: 'ider', deadlineMs: 25_000 }), { image: { path }, heartbeatMs: 1000 })
    expect(ider.readBufferSize).toBe(0x2000)
    expect(ider.firmware).toBe('16.1')
    await ider.waitForBytesServed(image.length, 20_000)
    await waitUntil(() => device?.ctx.counters.iderImagesVerified === 1, 10_000, 'image verified')
    const { counters } = device.ctx
    expect(counters.iderBytesRead).toBe(image.length)
    expect(counters.iderIntegrityFailures).toBe(0)
    expect(ider.featureResult).toBe(1)
    // TEST_UNIT_READY twice (unit attention first), READ_CAPACITY, then 64 KiB reads.
    expect(ider.stats.commands).toBe(2 + 1 + image.length / (32 * 2048))
    expect(ider.stats.bytesPerSecond).toBeGreaterThan(0)
    await ider.end()
  })

  it('detects a wrong image: the console serves other bytes than it published', async () => {
    const published = await describeIderImage(makeImage(256, 2))
    device = await startDevice({ service: { iderExpectedImage: published } })
    const ider = await IderClient.start(await device.open({ kind: 'ider' }), { image: makeImage(256, 3) })
    await waitUntil(() => device?.ctx.counters.iderIntegrityFailures === 1, 10_000, 'integrity failure')
    expect(device.ctx.counters.iderImagesVerified).toBe(0)
    expect(device.ctx.counters.iderBytesRead).toBe(256 * 2048)
    await ider.end()
  })

  it('detects an image of the wrong size', async () => {
    const image = makeImage(64, 4)
    const published = await describeIderImage(image)
    device = await startDevice({ service: { iderExpectedImage: { ...published, size: published.size + 2048 } } })
    const ider = await IderClient.start(await device.open({ kind: 'ider' }), { image })
    await waitUntil(() => device?.ctx.counters.iderIntegrityFailures === 1, 10_000, 'integrity failure')
    await ider.end()
  })

  it('with start mode "on reboot", boots when the host is reset with UseIDER set', async () => {
    const image = makeImage(128, 5)
    device = await startDevice({ service: { iderExpectedImage: await describeIderImage(image) } })
    const ider = await IderClient.start(await device.open({ kind: 'ider' }), { image, startMode: 'reboot' })
    await waitUntil(() => ider.featureResult === 1, 5000, '0x49')
    expect(ider.stats.commands).toBe(0)
    device.host.boot.useIder = true
    expect(device.host.requestPowerState(10)).toBe(0)
    await waitUntil(() => device?.ctx.counters.iderImagesVerified === 1, 10_000, 'image verified')
    await ider.end()
  })

  it('answers feature queries, keepalives and END, with device sequence numbers from 0', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'ider' })
    const c = session.connection
    await c.send({ type: 'START_IDER', seq: 0, attributes: 0, rxTimeout: 30000, txTimeout: 0, heartbeatInterval: 0, version: 1 })
    expect(await expectMessage(c, 'START_IDER_REPLY')).toMatchObject({
      seq: 0,
      majorVersion: 1,
      minorVersion: 0,
      firmwareMajor: 16,
      firmwareMinor: 1,
      readBufferSize: 0x2000,
      writeBufferSize: 0x2000,
      features: 0,
      oemIana: 0x157,
    })
    await c.send({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 1, attributes: 0, featureType: 1, value: null })
    expect(await expectMessage(c, 'IDER_DISABLE_ENABLE_FEATURES_REPLY')).toMatchObject({ seq: 1, featureType: 1, value: 1 })
    await c.send({ type: 'IDER_DISABLE_ENABLE_FEATURES', seq: 2, attributes: 0, featureType: 2, value: 0 })
    expect(await expectMessage(c, 'IDER_DISABLE_ENABLE_FEATURES_REPLY')).toMatchObject({ seq: 2, featureType: 2, value: 0 })
    await c.send({ type: 'IDER_KEEPALIVE_PING', seq: 3, attributes: 0 })
    expect(await expectMessage(c, 'IDER_KEEPALIVE_PONG')).toMatchObject({ seq: 3 })
    await c.send({ type: 'END_IDER', seq: 4, attributes: 0 })
    expect(await expectMessage(c, 'END_IDER_REPLY')).toMatchObject({ seq: 4 })
    c.close()
  })

  it('sends heartbeats at the interval the console asked for', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'ider' })
    const c = session.connection
    await c.send({ type: 'START_IDER', seq: 0, attributes: 0, rxTimeout: 30000, txTimeout: 0, heartbeatInterval: 1000, version: 1 })
    await expectMessage(c, 'START_IDER_REPLY')
    expect(await expectMessage(c, 'IDER_HEARTBEAT', 5000)).toMatchObject({ seq: 1 })
    c.close()
  })
})
