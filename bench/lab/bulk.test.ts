import { createHash } from 'node:crypto'
import { Duplex, PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { download, encodeBulkRequest, patternBlocks, patternSha256, serveBulkStream, upload } from './bulk.js'

type Change = (chunk: Buffer) => Buffer
const same: Change = (c) => c

/** Two connected in-memory duplexes (console, device) with backpressure; bytes may be changed on the way. */
function duplexPair(toDevice: Change = same, toConsole: Change = same): [Duplex, Duplex] {
  const c2d = new PassThrough({ highWaterMark: 16 * 1024 })
  const d2c = new PassThrough({ highWaterMark: 16 * 1024 })
  const make = (input: PassThrough, output: PassThrough, change: Change) => {
    const side: Duplex = new Duplex({
      read: () => void input.resume(),
      write(chunk: Buffer, _encoding, done) {
        if (output.write(change(chunk))) done()
        else output.once('drain', () => done())
      },
      final(done) {
        output.end()
        done()
      },
    })
    input.on('data', (d: Buffer) => {
      if (!side.push(d)) input.pause()
    })
    input.on('end', () => side.push(null))
    return side
  }
  return [make(d2c, c2d, toDevice), make(c2d, d2c, toConsole)]
}

const flipOneBit: Change = (c) => {
  if (c.length < 5000) return c
  const copy = Buffer.from(c)
  copy[4321] = (copy[4321] ?? 0) ^ 1
  return copy
}

describe('bulk transfer service', () => {
  it('numbers every 64 KiB block, so a repeated block changes the hash', () => {
    const blocks = [...patternBlocks(3 * 65536 + 100)]
    expect(blocks.map((b) => b.length)).toEqual([65536, 65536, 65536, 100])
    expect(blocks.map((b) => Number(b.readBigUInt64BE(0)))).toEqual([0, 1, 2, 3])
    const [b0, , b2, b3] = blocks as [Buffer, Buffer, Buffer, Buffer]
    const repeated = createHash('sha256').update(b0).update(b0).update(b2).update(b3).digest('hex')
    expect(repeated).not.toBe(patternSha256(3 * 65536 + 100))
    expect(encodeBulkRequest('U', 5).toString('hex')).toBe('550000000000000005')
  })

  it('sends a pattern the console verifies, and verifies one the console sends', async () => {
    const [console1, device1] = duplexPair()
    serveBulkStream(device1)
    expect(await download(console1, 1_000_000)).toMatchObject({ bytes: 1_000_000, hashOk: true })
    const [console2, device2] = duplexPair()
    serveBulkStream(device2)
    expect(await upload(console2, 700_001)).toMatchObject({ bytes: 700_001, hashOk: true })
  })

  it('a bit changed on the way fails the check, whichever way it went', async () => {
    const [console1, device1] = duplexPair(same, flipOneBit)
    serveBulkStream(device1)
    expect(await download(console1, 200_000)).toMatchObject({ bytes: 200_000, hashOk: false })
    const [console2, device2] = duplexPair(flipOneBit, same)
    serveBulkStream(device2)
    expect(await upload(console2, 200_000)).toMatchObject({ bytes: 200_000, hashOk: false })
  })
})
