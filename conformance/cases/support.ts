/**
 * Helpers the cases share: probes that close themselves after the case, per-case UUIDs, and
 * the "session ended?" check many cases grade on.
 */

import { deviceUuid } from '../probe/firmware.js'
import { ProbeDevice, type CloseInfo, type ProbeOptions } from '../probe/probe-device.js'
import type { CaseContext, Capability } from '../model.js'
import type { ResolvedTarget } from '../target.js'

/** Connect a probe device to the target; it is closed when the case ends. */
export async function openProbe(ctx: CaseContext, name: string, options: ProbeOptions = {}): Promise<ProbeDevice> {
  const transport = ctx.target.device.tls ? 'TLS' : 'TCP'
  const transcript = ctx.evidence.transcript(name, `${transport} ${ctx.target.device.host}:${ctx.target.device.port}`)
  const started = performance.now()
  const probe = await ProbeDevice.connect(ctx.target.device, transcript, options)
  ctx.evidence.timing(`${name}.connectMs`, performance.now() - started)
  ctx.defer(() => probe.close())
  return probe
}

export function uuidFor(ctx: CaseContext, n = 0): string {
  return deviceUuid(ctx.options.seed, ctx.caseId, n)
}

/** Whether the target has what a case needs; the reason when it does not. */
export function missingCapability(target: ResolvedTarget, needs: readonly Capability[]): string | null {
  for (const need of needs) {
    switch (need) {
      case 'device':
        break
      case 'device-tls':
        if (!target.device.tls) return 'the device endpoint is plain TCP (no TLS to check)'
        break
      case 'console':
        if (target.console.httpProxy === null && target.console.socks5 === null) return 'the target has no console listener (HTTP proxy or SOCKS5)'
        break
      case 'http-proxy':
        if (target.console.httpProxy === null) return 'the target has no console HTTP proxy listener'
        break
      case 'socks5':
        if (target.console.socks5 === null) return 'the target has no console SOCKS5 listener'
        break
      case 'presence':
        if (target.presence === null) return 'the target has no presence API the suite can read'
        break
      case 'proxy-auth':
        if (target.console.auth === null) return 'the target requires no proxy authentication'
        break
      case 'simulator':
        break
    }
  }
  return null
}

/** How a session ended, for verdict text: "DISCONNECT 2 then close after 12 ms". */
export function describeEnd(close: CloseInfo | null, sinceMs: number): string {
  if (close === null) return 'the session stayed open'
  const after = `${Math.round(close.at - sinceMs)} ms`
  return close.disconnectReason === null ? `closed without DISCONNECT after ${after}` : `DISCONNECT ${close.disconnectReason} then close after ${after}`
}

/** How long a gateway has to end a session that sent garbage: 5 s, or less when the idle deadline is shorter (so an idle close is never taken for a reaction). */
export function endDeadlineMs(ctx: CaseContext): number {
  const idle = ctx.target.idleTimeoutSeconds
  return idle === null ? 5000 : Math.min(5000, Math.round(idle * 800))
}
