import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../errors.js'
import { encodeApfMessage } from './codec.js'
import { MessageType as M } from './constants.js'
import type { ApfMessage, ChannelDataMessage } from './messages.js'
import { ApfStreamDecoder } from './stream-decoder.js'

const data = (channel: number, bytes: Buffer): ChannelDataMessage => ({ type: M.CHANNEL_DATA, recipientChannel: channel, data: bytes })
const keepalive = (cookie: number): ApfMessage => ({ type: M.KEEPALIVE_REQUEST, cookie })

describe('ApfStreamDecoder', () => {
  it('delivers several coalesced messages from one chunk', () => {
    const chunk = Buffer.concat([keepalive(1), keepalive(2), data(3, Buffer.from('hi'))].map((m) => encodeApfMessage(m)))
    const r = new ApfStreamDecoder().push(chunk)
    expect(r.error).toBeNull()
    expect(r.messages).toEqual([keepalive(1), keepalive(2), data(3, Buffer.from('hi'))])
  })

  it('hands out CHANNEL_DATA as a view of the chunk when it lies in one chunk', () => {
    const chunk = encodeApfMessage(data(1, Buffer.alloc(4096, 7)))
    const [m] = new ApfStreamDecoder().push(chunk).messages
    expect(m?.type).toBe(M.CHANNEL_DATA)
    const payload = (m as ChannelDataMessage).data
    expect(payload.buffer).toBe(chunk.buffer)
    expect(payload.byteOffset).toBe(chunk.byteOffset + 9)
  })

  it('copies a spanning message once and keeps the tail of the last chunk a view', () => {
    const first = encodeApfMessage(data(1, Buffer.alloc(1000, 1)))
    const second = encodeApfMessage(data(2, Buffer.alloc(500, 2)))
    const stream = Buffer.concat([first, second])
    const decoder = new ApfStreamDecoder()
    expect(decoder.push(stream.subarray(0, 600)).messages).toEqual([])
    expect(decoder.bufferedBytes).toBe(600)
    const last = stream.subarray(600)
    const r = decoder.push(last)
    expect(r.messages).toEqual([data(1, Buffer.alloc(1000, 1)), data(2, Buffer.alloc(500, 2))])
    expect((r.messages[1] as ChannelDataMessage).data.buffer).toBe(last.buffer)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('waits for a header split across chunks, then for the payload', () => {
    const bytes = encodeApfMessage(data(9, Buffer.from('payload')))
    const decoder = new ApfStreamDecoder()
    expect(decoder.push(bytes.subarray(0, 3)).messages).toEqual([])
    expect(decoder.push(bytes.subarray(3, 10)).messages).toEqual([])
    expect(decoder.push(bytes.subarray(10)).messages).toEqual([data(9, Buffer.from('payload'))])
  })

  it('takes an unknown global request payload up to the end of the read it came in', () => {
    const head = Buffer.from('5000000007782d70726f626501', 'hex') // name "x-probe", want-reply 1
    const decoder = new ApfStreamDecoder()
    expect(decoder.push(head.subarray(0, 6)).messages).toEqual([])
    const r = decoder.push(Buffer.concat([head.subarray(6), Buffer.from('abc')]))
    expect(r.messages).toEqual([
      { type: M.GLOBAL_REQUEST, wantReply: true, request: { kind: 'other', requestName: 'x-probe', payload: Buffer.from('abc') } },
    ])
    // The next read starts at a message boundary again.
    expect(decoder.push(encodeApfMessage(keepalive(5))).messages).toEqual([keepalive(5)])
  })

  it('reports the stream offset of a bad message', () => {
    const decoder = new ApfStreamDecoder()
    const r = decoder.push(Buffer.concat([encodeApfMessage(keepalive(1)), Buffer.from([0x99])]))
    expect(r.messages).toEqual([keepalive(1)])
    expect(r.error?.code).toBe(ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE)
    expect(r.error?.offset).toBe(5)
    expect(r.error?.messageType).toBe(0x99)
  })

  it('reports the offset of a bad message completed by a later chunk', () => {
    const decoder = new ApfStreamDecoder({ maxStringLength: 4 })
    decoder.push(Buffer.concat([encodeApfMessage(keepalive(1)), Buffer.from([M.SERVICE_REQUEST, 0])]))
    const r = decoder.push(Buffer.from([0, 0, 5]))
    expect(r.error?.code).toBe(ErrorCode.APF_ERR_STRING_TOO_LONG)
    expect(r.error?.offset).toBe(5)
  })

  it('stays failed after an error', () => {
    const decoder = new ApfStreamDecoder()
    expect(decoder.push(Buffer.from([0])).error?.code).toBe(ErrorCode.APF_ERR_UNKNOWN_MESSAGE_TYPE)
    const again = decoder.push(encodeApfMessage(keepalive(1)))
    expect(again.messages).toEqual([])
    expect(again.error?.code).toBe(ErrorCode.APF_ERR_DECODER_FAILED)
    expect(again.error?.cause).toBe(decoder.failed)
    expect(decoder.flush().error?.code).toBe(ErrorCode.APF_ERR_DECODER_FAILED)
  })

  it('refuses a message larger than the buffer limit before buffering it', () => {
    const decoder = new ApfStreamDecoder({ maxBufferedBytes: 100 })
    const header = encodeApfMessage(data(1, Buffer.alloc(200))).subarray(0, 9)
    const r = decoder.push(header)
    expect(r.error?.code).toBe(ErrorCode.APF_ERR_BUFFER_LIMIT)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('refuses a message that grows past the buffer limit while it arrives', () => {
    const decoder = new ApfStreamDecoder({ maxBufferedBytes: 100 })
    const bytes = encodeApfMessage(data(1, Buffer.alloc(200)))
    expect(decoder.push(bytes.subarray(0, 4)).error).toBeNull()
    expect(decoder.push(bytes.subarray(4, 20)).error?.code).toBe(ErrorCode.APF_ERR_BUFFER_LIMIT)
  })

  describe('messages with an optional tail', () => {
    const failure14 = Buffer.from('330000000870617373776f726400', 'hex')
    const failureMessage = { type: M.USERAUTH_FAILURE, methods: 'password', partialSuccess: false }

    it('holds a 14-byte USERAUTH_FAILURE until the next byte tells which form it is', () => {
      const decoder = new ApfStreamDecoder()
      expect(decoder.push(failure14).messages).toEqual([])
      expect(decoder.hasAmbiguousTail).toBe(true)
      expect(decoder.push(encodeApfMessage(keepalive(3))).messages).toEqual([failureMessage, keepalive(3)])
    })

    it('flush delivers it, and a late MPS trailer byte is dropped', () => {
      const decoder = new ApfStreamDecoder()
      decoder.push(failure14)
      expect(decoder.flush().messages).toEqual([failureMessage])
      expect(decoder.flush().messages).toEqual([])
      const r = decoder.push(Buffer.concat([Buffer.from([0]), encodeApfMessage(keepalive(4))]))
      expect(r.error).toBeNull()
      expect(r.messages).toEqual([keepalive(4)])
      expect(decoder.bytesConsumed).toBe(15 + 5)
    })

    it('flush delivers a lone REQUEST_SUCCESS; a late port is dropped, split or not', () => {
      const decoder = new ApfStreamDecoder()
      decoder.push(Buffer.from([M.REQUEST_SUCCESS]))
      expect(decoder.flush().messages).toEqual([{ type: M.REQUEST_SUCCESS, portBound: null }])
      expect(decoder.push(Buffer.from([0, 0])).messages).toEqual([])
      const r = decoder.push(Buffer.concat([Buffer.from([0x42, 0x60]), encodeApfMessage(keepalive(6))]))
      expect(r.messages).toEqual([keepalive(6)])
    })

    it('after a flushed REQUEST_SUCCESS, a non-zero byte is the next message', () => {
      const decoder = new ApfStreamDecoder()
      decoder.push(Buffer.from([M.REQUEST_SUCCESS]))
      decoder.flush()
      expect(decoder.push(encodeApfMessage(keepalive(7))).messages).toEqual([keepalive(7)])
    })

    it('an empty push changes nothing', () => {
      const decoder = new ApfStreamDecoder()
      expect(decoder.push(Buffer.alloc(0))).toEqual({ messages: [], error: null })
    })
  })
})
