/**
 * Which service answers on which forwarded port. Firmware serves WS-MAN on 16992 and the
 * redirection protocol on 16994 through CIRA. The TLS ports (16993, 16995), RMCP (623, 664) and
 * VNC (5900) are forwarded, as firmware asks for them, but nothing is simulated behind them:
 * an open to one of those is refused with CONNECT_FAILED, which is what a gateway sees from a
 * device whose service on that port is disabled (the common case for 5900 and RMCP).
 */

import { serveRedirection } from '../services/redirection/index.js'
import type { ChannelService } from '../services/types.js'
import { serveWsman } from '../services/wsman/index.js'

export type ServiceTable = ReadonlyMap<number, ChannelService>

export const WSMAN_PORT = 16992
export const REDIRECTION_PORT = 16994

export function defaultServices(): ServiceTable {
  return new Map<number, ChannelService>([
    [WSMAN_PORT, serveWsman],
    [REDIRECTION_PORT, serveRedirection],
  ])
}
