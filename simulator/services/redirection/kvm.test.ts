import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../protocol/errors.js'
import { RedirectionSessionError } from '../../../protocol/redirection/index.js'
import { encodeRfbProtocolVersion, PIXEL_FORMAT_RGB565 } from '../../../protocol/redirection/rfb.js'
import { expectMessage } from '../../../consoles/redirection-session.js'
import { KvmClient } from '../../../consoles/kvm-client.js'
import { startDevice, type TestDevice } from './test-support/harness.js'
import { renderTile, SCREEN_HEIGHT, SCREEN_WIDTH, type PatternState } from './test-pattern.js'

let device: TestDevice | null = null
afterEach(async () => {
  await device?.close()
  device = null
})

const pattern = (generation: number, pointerX = -64, pointerY = -64): PatternState => ({ width: SCREEN_WIDTH, height: SCREEN_HEIGHT, generation, pointerX, pointerY })

describe('KVM (loopback)', () => {
  it('does the 0x40/0x41 step and the RFB handshake, then sends one full frame of the test pattern in 64x64 RAW tiles', async () => {
    device = await startDevice()
    const kvm = await KvmClient.start(await device.open({ kind: 'kvm' }))
    expect(kvm.serverVersion).toEqual({ major: 4, minor: 0 })
    expect([kvm.width, kvm.height, kvm.name]).toEqual([640, 480, 'dev-000007.fleet.test'])
    expect(kvm.pixelFormat).toEqual(PIXEL_FORMAT_RGB565)

    const update = await kvm.requestFrame(false)
    expect(update.tileSizesOk).toBe(true)
    expect(update.rectangles).toBe(10 * 8)
    expect(update.largestTile).toEqual({ width: 64, height: 64 })
    expect(update.bytes).toBe(640 * 480 * 2)
    expect(kvm.framebuffer.equals(renderTile(pattern(0), PIXEL_FORMAT_RGB565, 0, 0, 640, 480))).toBe(true)
    // Colour bars, little-endian RGB565: white at the left, yellow next, blue in the 7th bar; grey ramp below.
    expect(kvm.pixelAt(0, 0)).toBe(0xffff)
    expect(kvm.pixelAt(100, 10)).toBe(0xffe0)
    expect(kvm.pixelAt(500, 10)).toBe(0x001f)
    expect(kvm.pixelAt(0, 479)).toBe(0x0000)
    expect(device.ctx.counters.kvmFrames).toBe(1)
    kvm.close()
  })

  it('changes the picture on key and pointer input, seen through incremental updates', async () => {
    device = await startDevice()
    const kvm = await KvmClient.start(await device.open({ kind: 'kvm' }))
    await kvm.requestFrame(false)
    await kvm.sendPointer(100, 200)
    const afterPointer = await kvm.requestFrame(true)
    expect(afterPointer.tileSizesOk).toBe(true)
    expect(kvm.framebuffer.equals(renderTile(pattern(1, 100, 200), PIXEL_FORMAT_RGB565, 0, 0, 640, 480))).toBe(true)
    expect(kvm.pixelAt(0, 0)).toBe(0xffe0) // bars rotated by one
    expect(kvm.pixelAt(103, 203)).toBe(0xffff) // the pointer square

    // An incremental request with no change is held until input arrives.
    const held = kvm.requestFrame(true, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(kvm.frames).toBe(2)
    await kvm.sendKey(0xff0d)
    await held
    // Key down and key up: two changes; the frame shows at least the first.
    expect(kvm.pixelAt(0, 0)).not.toBe(0xffe0)
    kvm.close()
  })

  it('closes an idle KVM session after kvmIdleTimeoutMs without console input', async () => {
    device = await startDevice({ service: { kvmIdleTimeoutMs: 300 } })
    const kvm = await KvmClient.start(await device.open({ kind: 'kvm' }))
    const started = Date.now()
    const error = await kvm.requestFrame(false).then(async () => {
      // Update requests are not input: keep asking until the device hangs up.
      for (;;) await kvm.requestFrame(false)
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedirectionSessionError)
    expect((error as RedirectionSessionError).code).toBe(ErrorCode.REDIR_ERR_CLOSED)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    kvm.close()
  })

  it('answers an RFB 3.3 client with the security type as a u32 and no SecurityResult', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'kvm' })
    const c = session.connection
    await c.send({ type: 'KVM_START' })
    await expectMessage(c, 'KVM_START_REPLY')
    c.phase = 'rfb'
    let received = Buffer.alloc(0)
    const readAtLeast = async (n: number): Promise<Buffer> => {
      while (received.length < n) received = Buffer.concat([received, await c.nextRaw()])
      const out = received.subarray(0, n)
      received = received.subarray(n)
      return out
    }
    expect((await readAtLeast(12)).toString()).toBe('RFB 004.000\n')
    await c.send(encodeRfbProtocolVersion(3, 3))
    expect((await readAtLeast(4)).toString('hex')).toBe('00000001')
    await c.send(Buffer.from([1]))
    const init = await readAtLeast(24)
    expect(init.readUInt16BE(0)).toBe(640)
    c.close()
  })

  it('ends the session when a console asks for a security type other than None', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'kvm' })
    const c = session.connection
    await c.send({ type: 'KVM_START' })
    await expectMessage(c, 'KVM_START_REPLY')
    c.phase = 'rfb'
    const closed = once(c.stream, 'close')
    await c.send(Buffer.concat([encodeRfbProtocolVersion(3, 8), Buffer.from([2])]))
    await closed
  })
})
