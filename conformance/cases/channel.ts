/**
 * apf/channel: channels the gateway opens to the device for a console, driven from a real
 * console tunnel through the target's proxy to a probe device (apf.md §2.2-2.4). Flow control
 * both ways with tiny and large device windows, data integrity by SHA-256, and exactly one
 * CHANNEL_CLOSE per channel.
 */

import type { Socket } from 'node:net'
import { MessageType as M } from '../../protocol/apf/index.js'
import { handshake, REPLY_TIMEOUT_MS, replyText } from '../probe/firmware.js'
import { patternBytes, pumpChannel, sha256, type PumpResult } from '../probe/channel.js'
import type { ProbeDevice } from '../probe/probe-device.js'
import { pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import { anyConsole, openChannelFromConsole, readFromConsole, writeToConsole, type OpenedChannel } from './console-support.js'
import { openProbe, uuidFor } from './support.js'

const PORT = 16992
const SOURCE_FLOW = 'apf.md §2.2-2.3 (MPS CIRAChannel.ts sendcredits; mps#658, #2103)'

async function deviceWithChannel(ctx: CaseContext, window: number): Promise<{ probe: ProbeDevice; channel: OpenedChannel; uuid: string }> {
  const uuid = uuidFor(ctx)
  const probe = await openProbe(ctx, 'device', { channels: 'queue' })
  await handshake(probe, uuid, ctx.target.credentials, [PORT, 16994])
  const channel = await openChannelFromConsole(ctx, probe, anyConsole(ctx), uuid, PORT, window)
  ctx.evidence.note(`channel: gateway id ${channel.ids.remote}, device id ${channel.ids.local}, device window ${window}, gateway window ${channel.open.initialWindowSize}`)
  return { probe, channel, uuid }
}

function judgeConsoleToDevice(r: PumpResult, expectedSha: string, size: number, window: number): Outcome {
  const facts = `${r.received} bytes in ${r.messages} messages, largest ${r.largestChunk}, peak in flight ${r.peakInFlight} of a ${window}-byte window`
  if (r.windowViolation !== null) return violation(`never more than ${window} bytes in flight (the device's window)`, `${r.windowViolation}; ${facts}`)
  if (r.stalled !== null) return violation(`${size} bytes delivered`, r.stalled)
  if (r.receivedSha256 !== expectedSha) return violation(`SHA-256 ${expectedSha}`, `SHA-256 ${r.receivedSha256} over ${r.received} bytes`)
  return pass(facts)
}

async function consoleToDevice(ctx: CaseContext, window: number, size: number, adjust: 'every-message' | 'half-window'): Promise<Outcome> {
  const { probe, channel } = await deviceWithChannel(ctx, window)
  const data = patternBytes(size, ctx.options.seed)
  const t0 = performance.now()
  const writing = writeToConsole(channel.console, data)
  const r = await pumpChannel(probe, channel.ids, { send: Buffer.alloc(0), sendWindow: channel.open.initialWindowSize, receiveWindow: window, expectBytes: size, maxChunk: 1, adjust, stallMs: REPLY_TIMEOUT_MS, closeWhenDone: false })
  await writing
  ctx.evidence.timing('transferMs', performance.now() - t0)
  return judgeConsoleToDevice(r, sha256(data), size, window)
}

/** After one side closed: collect CHANNEL_CLOSEs for this channel for a moment; there must be exactly one. */
async function countCloses(probe: ProbeDevice, local: number, ms: number): Promise<{ closes: number; others: string[] }> {
  let closes = 0
  const others: string[] = []
  for (const r of await probe.collect(ms)) {
    if (r.message.type === M.CHANNEL_CLOSE && r.message.recipientChannel === local) closes++
    else others.push(replyText(r.message))
  }
  return { closes, others }
}

async function waitEnd(socket: Socket, ms: number): Promise<boolean> {
  const r = await readFromConsole(socket, Number.MAX_SAFE_INTEGER, ms)
  return r.ended
}

export const channelCases: readonly ConformanceCase[] = [
  {
    id: 'apf/channel/1',
    title: 'CHANNEL_OPEN for a console is well-formed',
    requirement:
      'A console asking for a device port makes the gateway send CHANNEL_OPEN "forwarded-tcpip" for that port with a non-zero initial window; the console\'s tunnel opens once the device confirms.',
    source: 'apf.md §1.3 CHANNEL_OPEN, §2.2',
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { channel } = await deviceWithChannel(ctx, 32768)
      const o = channel.open
      const facts = `${o.channelType} sender ${o.senderChannel} window ${o.initialWindowSize} reserved 0x${o.reserved.toString(16)} connected "${o.connectedAddress}":${o.connectedPort} originator "${o.originatorAddress}":${o.originatorPort}`
      if (o.channelType !== 'forwarded-tcpip') return violation('channel type forwarded-tcpip', facts)
      if (o.connectedPort !== PORT) return violation(`connected port ${PORT}`, facts)
      if (o.initialWindowSize === 0) return violation('a non-zero initial window', facts)
      return pass(facts)
    },
  },
  {
    id: 'apf/channel/2',
    title: 'a 64-byte device window is never exceeded',
    requirement:
      'With a device window of 64 bytes, returned after every message, the gateway must never have more than 64 bytes in flight while a console sends 64 KiB, and the bytes must arrive intact (SHA-256). AMT windows as small as 499 bytes are seen in the field.',
    source: `${SOURCE_FLOW}; apf.md §2.2 (window 499, MeshCentral#1026)`,
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 60_000,
    run: (ctx) => consoleToDevice(ctx, 64, 64 * 1024, 'every-message'),
  },
  {
    id: 'apf/channel/3',
    title: 'a 1 MiB device window, credit returned at half',
    requirement:
      'With a device window of 1 MiB returned in half-window batches (as MPS does), 4 MiB from a console arrive intact and the gateway never exceeds the window.',
    source: SOURCE_FLOW,
    level: 'MUST',
    needs: ['device', 'console'],
    fast: false,
    timeoutMs: 120_000,
    run: (ctx) => consoleToDevice(ctx, 1024 * 1024, 4 * 1024 * 1024, 'half-window'),
  },
  {
    id: 'apf/channel/4',
    title: 'device to console within the gateway\'s window',
    requirement:
      'The device sends 1 MiB only within the window the gateway granted (its CHANNEL_OPEN window plus WINDOW_ADJUSTs): the gateway must return credit as the console drains, so the transfer completes, intact.',
    source: SOURCE_FLOW,
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 60_000,
    async run(ctx) {
      const { probe, channel } = await deviceWithChannel(ctx, 65536)
      const size = 1024 * 1024
      const data = patternBytes(size, ctx.options.seed + 1)
      const reading = readFromConsole(channel.console, size, 30_000)
      const r = await pumpChannel(probe, channel.ids, { send: data, sendWindow: channel.open.initialWindowSize, receiveWindow: 65536, expectBytes: 0, maxChunk: 16 * 1024, adjust: 'every-message', stallMs: REPLY_TIMEOUT_MS, closeWhenDone: false })
      if (r.stalled !== null) return violation(`WINDOW_ADJUST from the gateway until ${size} bytes were sent`, r.stalled)
      const got = await reading
      if (got.sha256 !== sha256(data)) return violation(`${size} bytes at the console, SHA-256 ${sha256(data)}`, `${got.received} bytes, SHA-256 ${got.sha256}`)
      return pass(`${size} bytes sent within the gateway window (initial ${channel.open.initialWindowSize}), intact at the console`)
    },
  },
  {
    id: 'apf/channel/5',
    title: 'console closes: exactly one CHANNEL_CLOSE',
    requirement:
      'When the console closes its tunnel the gateway sends CHANNEL_CLOSE for the channel exactly once, also after the device answers with its own CLOSE (a second CLOSE could close a reused AMT channel id, mps#741).',
    source: 'apf.md §2.4 (mps#741, PR #749)',
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { probe, channel } = await deviceWithChannel(ctx, 32768)
      channel.console.end()
      const first = await probe.expect(M.CHANNEL_CLOSE, REPLY_TIMEOUT_MS, 'after the console closed its tunnel')
      if (first.recipientChannel !== channel.ids.local) return violation(`CHANNEL_CLOSE to channel ${channel.ids.local}`, `CHANNEL_CLOSE to channel ${first.recipientChannel}`)
      await probe.send({ type: M.CHANNEL_CLOSE, recipientChannel: channel.ids.remote })
      const { closes, others } = await countCloses(probe, channel.ids.local, 500)
      if (closes > 0) return violation('exactly one CHANNEL_CLOSE', `${closes + 1} CHANNEL_CLOSE messages`)
      return pass(`one CHANNEL_CLOSE${others.length ? `; then ${others.join(', ')}` : ''}`)
    },
  },
  {
    id: 'apf/channel/6',
    title: 'device closes: the console sees the end, one CLOSE back',
    requirement:
      'When the device sends CHANNEL_CLOSE the gateway ends the console\'s tunnel and answers with exactly one CHANNEL_CLOSE for that channel.',
    source: 'apf.md §2.4 (AMT-initiated close; LMS replies CLOSE)',
    level: 'MUST',
    needs: ['device', 'console'],
    fast: true,
    timeoutMs: 20_000,
    async run(ctx) {
      const { probe, channel } = await deviceWithChannel(ctx, 32768)
      const ending = waitEnd(channel.console, REPLY_TIMEOUT_MS)
      await probe.send({ type: M.CHANNEL_CLOSE, recipientChannel: channel.ids.remote })
      const { closes, others } = await countCloses(probe, channel.ids.local, 500)
      const ended = await ending
      if (!ended) return violation('the console tunnel ended', `still open after ${REPLY_TIMEOUT_MS} ms`)
      if (closes !== 1) return violation('exactly one CHANNEL_CLOSE back', `${closes}${others.length ? ` (other: ${others.join(', ')})` : ''}`)
      return pass('console tunnel ended; one CHANNEL_CLOSE back')
    },
  },
]
