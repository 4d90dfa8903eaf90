/**
 * The channel table of one device session: our own channel ids (1, 2, 3, ... never reused in a
 * session, so a late message for a closed channel is recognised and dropped), the per-device
 * channel limit, open timeouts, and routing of the device's channel messages.
 */

import { ChannelType, MessageType as M, RESERVED_ALL_ONES, type ApfMessage } from '../../protocol/apf/index.js'
import { ErrorCode } from '../../protocol/errors.js'
import { ChannelOpenError, type ConsoleOrigin } from '../console/directory.js'
import { Channel, type ChannelLink } from './channel.js'
import type { ChannelMessage } from './session.js'

export interface ChannelTransport {
  sendData(recipientChannel: number, payload: Buffer): boolean
  sendMessage(message: ApfMessage): void
  waitForDrain(channel: Channel): void
}

export interface ChannelTableOptions {
  readonly windowSize: number
  readonly maxChannels: number
  readonly openTimeoutMs: number
}

export interface ChannelViolation {
  readonly code: typeof ErrorCode.GW_ERR_UNKNOWN_CHANNEL | typeof ErrorCode.GW_ERR_WINDOW_EXCEEDED | typeof ErrorCode.GW_ERR_OUT_OF_ORDER
  readonly detail: string
}

export class ChannelTable implements ChannelLink {
  private readonly channels = new Map<number, Channel>()
  private readonly transport: ChannelTransport
  private readonly options: ChannelTableOptions
  private readonly openTimers = new Map<number, NodeJS.Timeout>()
  private nextId = 1
  /** Called when a channel leaves the table (for per-device byte totals). */
  onReleased: ((channel: Channel) => void) | null = null

  constructor(transport: ChannelTransport, options: ChannelTableOptions) {
    this.transport = transport
    this.options = options
  }

  get size(): number {
    return this.channels.size
  }

  get full(): boolean {
    return this.channels.size >= this.options.maxChannels
  }

  values(): IterableIterator<Channel> {
    return this.channels.values()
  }

  /** Open a forwarded-tcpip channel to `port`; resolves on CHANNEL_OPEN_CONFIRMATION. */
  open(port: number, connectedAddress: string, origin: ConsoleOrigin): Promise<Channel> {
    if (this.full) {
      return Promise.reject(new ChannelOpenError('channel-limit', `device already has ${this.channels.size} open channels (limit ${this.options.maxChannels})`))
    }
    const channel = this.add(port)
    const opened = new Promise<Channel>((resolve, reject) => {
      channel.waiter = { resolve, reject }
    })
    const timer = setTimeout(() => {
      this.openTimers.delete(channel.localId)
      channel.failOpen(new ChannelOpenError('timeout', `device did not answer CHANNEL_OPEN to port ${port} within ${this.options.openTimeoutMs} ms`))
    }, this.options.openTimeoutMs)
    this.openTimers.set(channel.localId, timer)
    this.transport.sendMessage({
      type: M.CHANNEL_OPEN,
      channelType: ChannelType.FORWARDED_TCPIP,
      senderChannel: channel.localId,
      initialWindowSize: this.options.windowSize,
      reserved: RESERVED_ALL_ONES,
      connectedAddress,
      connectedPort: port,
      originatorAddress: origin.address,
      originatorPort: origin.port,
    })
    return opened
  }

  /** A channel for a device-originated open; the caller confirms it once the far end is reached. */
  accept(port: number): Channel | null {
    return this.full ? null : this.add(port)
  }

  /** Route one channel message. Returns the violation that must end the session, or null. */
  dispatch(message: ChannelMessage): ChannelViolation | null {
    const channel = this.channels.get(message.recipientChannel)
    if (channel === undefined) return this.unknown(message.recipientChannel, message.type)
    switch (message.type) {
      case M.CHANNEL_OPEN_CONFIRMATION:
        if (channel.remoteId >= 0) return outOfOrder(`CHANNEL_OPEN_CONFIRMATION for channel ${channel.localId}, which is already open`)
        this.clearTimer(channel.localId)
        channel.opened(message.senderChannel, message.initialWindowSize)
        return null
      case M.CHANNEL_OPEN_FAILURE:
        if (channel.remoteId >= 0) return outOfOrder(`CHANNEL_OPEN_FAILURE for channel ${channel.localId}, which is already open`)
        this.clearTimer(channel.localId)
        channel.refused(message.reasonCode)
        return null
      case M.CHANNEL_WINDOW_ADJUST:
        if (channel.remoteId < 0) return outOfOrder(`CHANNEL_WINDOW_ADJUST for channel ${channel.localId} before it opened`)
        if (!channel.addCredit(message.bytesToAdd)) return { code: ErrorCode.GW_ERR_WINDOW_EXCEEDED, detail: `window of channel ${channel.localId} would pass 2^32-1` }
        return null
      case M.CHANNEL_DATA:
        if (channel.remoteId < 0) return outOfOrder(`CHANNEL_DATA for channel ${channel.localId} before it opened`)
        if (!channel.receiveData(message.data)) {
          return { code: ErrorCode.GW_ERR_WINDOW_EXCEEDED, detail: `device sent ${message.data.length} bytes on channel ${channel.localId}, past our window of ${channel.windowSize}` }
        }
        return null
      case M.CHANNEL_CLOSE:
        this.clearTimer(channel.localId)
        channel.remoteClosed()
        return null
    }
  }

  release(channel: Channel): void {
    if (this.channels.get(channel.localId) !== channel) return
    this.channels.delete(channel.localId)
    this.clearTimer(channel.localId)
    this.onReleased?.(channel)
  }

  sendData(recipientChannel: number, payload: Buffer): boolean {
    return this.transport.sendData(recipientChannel, payload)
  }

  sendMessage(message: ApfMessage): void {
    this.transport.sendMessage(message)
  }

  waitForDrain(channel: Channel): void {
    this.transport.waitForDrain(channel)
  }

  /** The session ended: every channel fails or ends now. */
  closeAll(): void {
    for (const timer of this.openTimers.values()) clearTimeout(timer)
    this.openTimers.clear()
    const all = [...this.channels.values()]
    for (const channel of all) {
      this.release(channel)
      channel.sessionEnded()
    }
  }

  private add(port: number): Channel {
    const channel = new Channel(this, this.nextId, port, this.options.windowSize)
    this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1
    this.channels.set(channel.localId, channel)
    return channel
  }

  private clearTimer(id: number): void {
    const timer = this.openTimers.get(id)
    if (timer === undefined) return
    clearTimeout(timer)
    this.openTimers.delete(id)
  }

  private unknown(id: number, type: number): ChannelViolation | null {
    // Ids below nextId were ours once: a late message for a channel already closed both ways.
    if (id > 0 && id < this.nextId) return null
    return { code: ErrorCode.GW_ERR_UNKNOWN_CHANNEL, detail: `message type ${type} for channel ${id}, which was never opened` }
  }
}

function outOfOrder(detail: string): ChannelViolation {
  return { code: ErrorCode.GW_ERR_OUT_OF_ORDER, detail }
}
