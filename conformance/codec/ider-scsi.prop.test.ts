/*
 * Properties of the IDE-R SCSI layer (protocol/redirection/scsi.ts) over the redirection codec:
 * CDB fields survive any value; READ_6 is read from hand-assembled bytes whatever its LUN bits;
 * the console replies a device decodes carry the sense it must act on, whatever the chunking.
 */

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  commandEndResponse,
  dataToHost,
  decodeReadCapacityData,
  decodeReadCdb,
  decodeRedirectionMessage,
  encodeRead10Cdb,
  encodeReadCapacityData,
  encodeRedirectionMessage,
  RedirectionStreamDecoder,
  senseOf,
  type IderDataToHost,
  type IderRegisterMessage,
  type RedirectionMessage,
} from '../../protocol/redirection/index.js'
import { propertyParams, propertyTimeout } from './fc-params.js'
import { splitAt, splitPoints } from './redirection-arbitraries.js'

const PROPERTIES = 5
const params = <T>(runs: number) => propertyParams<T>(runs, PROPERTIES)
const timeout = propertyTimeout(PROPERTIES)

const u8 = fc.integer({ min: 0, max: 0xff })
const u16 = fc.integer({ min: 0, max: 0xffff })
const u32 = fc.nat({ max: 0xffffffff })
const sense = fc.record({ key: fc.integer({ min: 0, max: 0x0f }), asc: u8, ascq: u8 })
const drive = fc.constantFrom(0xa0, 0xb0)

function decodeIder(bytes: Buffer): RedirectionMessage {
  const r = decodeRedirectionMessage(bytes, 'ider')
  if (r.kind !== 'message') throw new Error(`expected a message, got ${r.kind}`)
  expect(r.length).toBe(bytes.length)
  return r.message
}

describe('SCSI layer properties', () => {
  it('1. READ_10 and READ_CAPACITY data carry any u32 LBA and u16/u32 sizes', { timeout }, () => {
    fc.assert(
      fc.property(u32, u16, u32, (lba, blocks, blockSize) => {
        const cdb = encodeRead10Cdb(lba, blocks)
        expect(cdb.length).toBe(12)
        expect(decodeReadCdb(cdb)).toEqual({ lba, blocks })
        expect(decodeReadCapacityData(encodeReadCapacityData(lba, blockSize))).toEqual({ lastLba: lba, blockSize })
      }),
      params(300),
    )
  })

  it('2. READ_6 from hand-assembled bytes: 21-bit LBA whatever the LUN bits, length 0 means 256', { timeout }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1fffff }), u8, fc.integer({ min: 0, max: 7 }), (lba, length, lun) => {
        const cdb = Buffer.from([0x08, (lun << 5) | (lba >> 16), (lba >> 8) & 0xff, lba & 0xff, length, 0])
        expect(decodeReadCdb(cdb)).toEqual({ lba, blocks: length === 0 ? 256 : length })
      }),
      params(300),
    )
  })

  it('3. a 0x51 reply reads back with the sense a device must act on: set iff the key is non-zero', { timeout }, () => {
    fc.assert(
      fc.property(u32, drive, sense, (seq, driveSelect, s) => {
        const bytes = encodeRedirectionMessage(commandEndResponse(seq, driveSelect, s))
        expect(bytes.length).toBe(31)
        const m = decodeIder(bytes) as IderRegisterMessage
        expect(m.output.driveSelect).toBe(driveSelect)
        expect(senseOf(m)).toEqual(s.key === 0 ? { key: 0, asc: 0, ascq: 0 } : s)
      }),
      params(300),
    )
  })

  it('4. 0x54 chunks read back whole (data, attributes, byte count) whatever the chunking', { timeout }, () => {
    const chunk = fc.record({ seq: u32, driveSelect: drive, data: fc.uint8Array({ maxLength: 300 }), completed: fc.boolean(), dma: fc.boolean() })
    fc.assert(
      fc.property(
        fc.array(chunk, { minLength: 1, maxLength: 4 }).chain((chunks) => {
          const messages = chunks.map((c) => dataToHost(c.seq, c.driveSelect, Buffer.from(c.data), c.completed, c.dma))
          const bytes = Buffer.concat(messages.map(encodeRedirectionMessage))
          return fc.tuple(fc.constant(messages), fc.constant(bytes), splitPoints(bytes.length))
        }),
        ([messages, bytes, points]) => {
          const decoder = new RedirectionStreamDecoder({ phase: 'ider' })
          const out: RedirectionMessage[] = []
          for (const piece of splitAt(bytes, points)) {
            decoder.push(piece)
            for (let step = decoder.next(); step.kind === 'message'; step = decoder.next()) out.push(step.message)
          }
          expect(out).toEqual(messages)
          for (const m of out as IderDataToHost[]) {
            expect(m.input.byteCount).toBe((m.attributes & 1) === 1 ? 0 : m.data.length)
            expect(senseOf(m)).toEqual({ key: 0, asc: 0, ascq: 0 })
          }
        },
      ),
      params(150),
    )
  })

  it('5. every strict prefix of a 0x51 or 0x54 needs more, never an error', { timeout }, () => {
    fc.assert(
      fc.property(u32, drive, sense, fc.uint8Array({ maxLength: 64 }), (seq, driveSelect, s, data) => {
        for (const bytes of [encodeRedirectionMessage(commandEndResponse(seq, driveSelect, s)), encodeRedirectionMessage(dataToHost(seq, driveSelect, Buffer.from(data), true))]) {
          for (let n = 0; n < bytes.length; n++) expect(decodeRedirectionMessage(bytes, 'ider', 0, n).kind).toBe('need-more')
        }
      }),
      params(100),
    )
  })
})
