/**
 * From what a console asked for (a name and a port) to an open channel, the same way for both
 * proxies: port policy first, then the device, then the channel within a deadline. Failures
 * map to one SOCKS5 reply and one HTTP status each, chosen here so both proxies agree:
 *
 * | failure                 | SOCKS5                  | HTTP |
 * | ----------------------- | ----------------------- | ---- |
 * | port not in AllowCONNECT| 0x02 not allowed        | 403  |
 * | unknown device / IP     | 0x04 host unreachable   | 502  |
 * | refused (device said no)| 0x05 connection refused | 502  |
 * | channel-limit (ours)    | 0x01 general failure    | 503  |
 * | port-not-forwarded      | 0x02 not allowed        | 403  |
 * | disconnected            | 0x04 host unreachable   | 502  |
 * | timeout                 | 0x04 host unreachable   | 504  |
 *
 * port-not-forwarded answers like a blocked port: the console may not reach that port on that
 * device, and retrying will not help. channel-limit is 0x01/503: the gateway, not the device,
 * is short, and the condition is temporary.
 */

import type { Duplex } from 'node:stream'
import { ReplyCode } from '../../protocol/socks5/index.js'
import { canonicalIpAddress } from '../../protocol/socks5/index.js'
import type { ConsoleContext } from './context.js'
import { ChannelOpenError, type ChannelOpenFailureKind, type ConnectedDevice, type ConsoleOrigin } from './directory.js'

export const SOCKS_REPLY_FOR_FAILURE: Readonly<Record<ChannelOpenFailureKind, number>> = {
  refused: ReplyCode.CONNECTION_REFUSED,
  'channel-limit': ReplyCode.GENERAL_FAILURE,
  'port-not-forwarded': ReplyCode.NOT_ALLOWED_BY_RULESET,
  disconnected: ReplyCode.HOST_UNREACHABLE,
  timeout: ReplyCode.HOST_UNREACHABLE,
}

export const HTTP_STATUS_FOR_FAILURE: Readonly<Record<ChannelOpenFailureKind, number>> = {
  refused: 502,
  'channel-limit': 503,
  'port-not-forwarded': 403,
  disconnected: 502,
  timeout: 504,
}

/**
 * The device a console names: an IP literal through the address map, else a UUID or FQDN
 * (one trailing dot, DNS's absolute form, is ignored).
 */
export function findDevice(ctx: ConsoleContext, name: string): ConnectedDevice | undefined {
  const ip = canonicalIpAddress(name)
  if (ip !== null) {
    const mapped = ctx.addressMap.get(ip)
    return mapped === undefined ? undefined : ctx.directory.lookup(mapped)
  }
  return ctx.directory.lookup(name.endsWith('.') ? name.slice(0, -1) : name)
}

/** A short form of the device for one-line replies: `4c4c4544…` or the FQDN. */
export function shortDeviceName(device: ConnectedDevice): string {
  return device.fqdn ?? `${device.uuid.slice(0, 8)}…`
}

/** One line for the console saying why, e.g. `device 4c4c4544…: refused the channel (reason 2)`. */
export function describeFailure(device: ConnectedDevice, port: number, error: ChannelOpenError): string {
  const who = `device ${shortDeviceName(device)}`
  switch (error.kind) {
    case 'refused':
      return `${who}: refused the channel to port ${port}${error.reasonCode === null ? '' : ` (reason ${error.reasonCode})`}`
    case 'channel-limit':
      return `${who}: too many open channels, try again`
    case 'port-not-forwarded':
      return `${who}: port ${port} is not forwarded`
    case 'disconnected':
      return `${who}: not connected`
    case 'timeout':
      return `${who}: did not open the channel to port ${port} in time`
  }
}

/**
 * `device.openChannel` with a deadline. A channel that opens after the deadline is destroyed
 * (closed towards the device); any rejection that is not a ChannelOpenError counts as
 * `disconnected`.
 */
export function openChannelWithin(device: ConnectedDevice, port: number, origin: ConsoleOrigin, timeoutMs: number): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      settled = true
      reject(new ChannelOpenError('timeout', `no answer to the channel open within ${timeoutMs} ms`))
    }, timeoutMs)
    device.openChannel(port, origin).then(
      (channel) => {
        clearTimeout(timer)
        if (settled) channel.destroy()
        else resolve(channel)
        settled = true
      },
      (error: unknown) => {
        clearTimeout(timer)
        if (settled) return
        settled = true
        reject(error instanceof ChannelOpenError ? error : new ChannelOpenError('disconnected', String(error)))
      },
    )
  })
}
