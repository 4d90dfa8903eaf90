/**
 * A device-originated direct-tcpip channel to an authorised server (alerts): the server is
 * dialled first, and the device gets CHANNEL_OPEN_CONFIRMATION only once it answered, or
 * CHANNEL_OPEN_FAILURE(CONNECT_FAILED) if it cannot be reached. The bytes then flow through the
 * same windowed Channel as console traffic.
 */

import { pipeline } from 'node:stream'
import { ChannelOpenFailureReason, MessageType as M, RESERVED_ALL_ONES, type ApfMessage, type ChannelOpenMessage } from '../../protocol/apf/index.js'
import type { ChannelTable } from './channels.js'
import type { DeviceRelay } from './context.js'

export interface DirectTcpipHost {
  readonly table: ChannelTable
  readonly relay: DeviceRelay
  send(message: ApfMessage): void
  isOpen(): boolean
  onRelayed(): void
  onUnreachable(code: string | undefined): void
}

export function relayDirectTcpip(open: ChannelOpenMessage, host: DirectTcpipHost): void {
  const refuse = (reasonCode: number) => host.send({ type: M.CHANNEL_OPEN_FAILURE, recipientChannel: open.senderChannel, reasonCode })
  const channel = host.table.accept(open.connectedPort)
  if (channel === null) return refuse(ChannelOpenFailureReason.RESOURCE_SHORTAGE)
  const target = host.relay.connectTcp(open.connectedAddress, open.connectedPort)
  let connected = false
  target.once('connect', () => {
    connected = true
    if (channel.destroyed || !host.isOpen()) return void target.destroy()
    host.send({ type: M.CHANNEL_OPEN_CONFIRMATION, recipientChannel: open.senderChannel, senderChannel: channel.localId, initialWindowSize: channel.windowSize, reserved: RESERVED_ALL_ONES })
    channel.opened(open.senderChannel, open.initialWindowSize)
    host.onRelayed()
    pipeline(target, channel, target, () => undefined)
  })
  target.once('error', (error: NodeJS.ErrnoException) => {
    if (connected) return
    host.onUnreachable(error.code)
    if (host.isOpen()) refuse(ChannelOpenFailureReason.CONNECT_FAILED)
    channel.refused(ChannelOpenFailureReason.CONNECT_FAILED)
  })
}
