import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { commandEndResponse, dataToHost, decodeReadCdb, encodeReadCapacityData, IderDrive, ScsiOp, SenseCode } from '../../../protocol/redirection/index.js'
import { IderBoot } from './ider-boot.js'

const CD = IderDrive.CD

describe('IderBoot (simulated BIOS reading the virtual CD)', () => {
  it('retries TEST_UNIT_READY after a unit attention, reads capacity, then reads every block in order', () => {
    const image = Buffer.alloc(5 * 2048, 7)
    const boot = new IderBoot({ expected: { size: image.length, sha256: createHash('sha256').update(image).digest('hex') }, blocksPerRead: 2 })
    expect(boot.start()[0]).toBe(ScsiOp.TEST_UNIT_READY)
    let step = boot.onResponse(commandEndResponse(0, CD, SenseCode.UNIT_ATTENTION))
    expect(step.command?.[0]).toBe(ScsiOp.TEST_UNIT_READY)
    step = boot.onResponse(commandEndResponse(0, CD, SenseCode.NONE))
    expect(step.command?.[0]).toBe(ScsiOp.READ_CAPACITY)
    step = boot.onResponse(dataToHost(0, CD, encodeReadCapacityData(4, 2048), true))
    const reads: { lba: number; blocks: number }[] = []
    while (step.command !== null) {
      const read = decodeReadCdb(step.command)
      expect(read).not.toBeNull()
      if (read === null) return
      reads.push(read)
      const data = image.subarray(read.lba * 2048, (read.lba + read.blocks) * 2048)
      // Served in 2 chunks, the second marked completed.
      const half = data.length / 2
      expect(boot.onResponse(dataToHost(0, CD, data.subarray(0, half), false)).command).toBeNull()
      step = boot.onResponse(dataToHost(0, CD, data.subarray(half), true))
    }
    expect(reads).toEqual([
      { lba: 0, blocks: 2 },
      { lba: 2, blocks: 2 },
      { lba: 4, blocks: 1 },
    ])
    expect(step.outcome?.kind).toBe('verified')
    expect(boot.busy).toBe(false)
  })

  it('fails on no medium, and on a read answered with more bytes than asked', () => {
    const noMedium = new IderBoot({ expected: null })
    noMedium.start()
    expect(noMedium.onResponse(commandEndResponse(0, CD, SenseCode.NO_MEDIUM)).outcome?.kind).toBe('failed')

    const greedy = new IderBoot({ expected: null, blocksPerRead: 1 })
    greedy.start()
    greedy.onResponse(commandEndResponse(0, CD, SenseCode.NONE))
    greedy.onResponse(dataToHost(0, CD, encodeReadCapacityData(0, 2048), true))
    expect(greedy.onResponse(dataToHost(0, CD, Buffer.alloc(4096), true)).outcome?.kind).toBe('failed')
  })

  it('gives up after repeated unit attentions, and reports an unverified read when nothing was published', () => {
    const stubborn = new IderBoot({ expected: null, maxUnitAttentions: 2 })
    stubborn.start()
    expect(stubborn.onResponse(commandEndResponse(0, CD, SenseCode.UNIT_ATTENTION)).command).not.toBeNull()
    expect(stubborn.onResponse(commandEndResponse(0, CD, SenseCode.UNIT_ATTENTION)).command).not.toBeNull()
    expect(stubborn.onResponse(commandEndResponse(0, CD, SenseCode.UNIT_ATTENTION)).outcome?.kind).toBe('failed')

    const blind = new IderBoot({ expected: null })
    blind.start()
    blind.onResponse(commandEndResponse(0, CD, SenseCode.NONE))
    const step = blind.onResponse(dataToHost(0, CD, encodeReadCapacityData(0, 2048), true))
    expect(blind.onResponse(dataToHost(0, CD, Buffer.alloc(2048, 1), true)).outcome).toMatchObject({ kind: 'unverified', size: 2048 })
    expect(step.command).not.toBeNull()
  })
})
