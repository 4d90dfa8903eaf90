/**
 * Simulated AMT devices (the simulator library, in this process) logged in to the target, for
 * the console cases that need real AMT services behind the gateway: WS-MAN with Digest on
 * 16992 and the redirection protocol (SOL, IDE-R, KVM) on 16994.
 */

import { once } from 'node:events'
import { SimulatedDevice, type DeviceState } from '../../simulator/device/device.js'
import { REDIRECTION_PORT, WSMAN_PORT } from '../../simulator/device/services.js'
import { SimulatorEnvironment } from '../../simulator/environment.js'
import { serveRedirection } from '../../simulator/services/redirection/index.js'
import type { ChannelService } from '../../simulator/services/types.js'
import { serveWsman } from '../../simulator/services/wsman/index.js'
import { deviceConfigFactory } from '../../simulator/fleet/device-config.js'
import { parseProfile } from '../../simulator/fleet/profile.js'
import { Violation, type CaseContext } from '../model.js'

export interface SimulatedFleet {
  readonly devices: readonly SimulatedDevice[]
}

/** Start `count` simulated devices against the target and wait until each is connected. */
export async function startSimulatedDevices(ctx: CaseContext, count: number, services: Record<string, unknown> = {}): Promise<SimulatedFleet> {
  const t = ctx.target
  const env = new SimulatorEnvironment({
    transport: t.device.tls ? { mode: 'tls', ...(t.device.caPem === null ? {} : { caPem: t.device.caPem }), ...(t.device.serverName === null ? {} : { servername: t.device.serverName }) } : { mode: 'plain' },
    // WS-MAN on 16992 and redirection on 16994, as firmware serves them through CIRA.
    services: new Map<number, ChannelService>([
      [WSMAN_PORT, serveWsman],
      [REDIRECTION_PORT, serveRedirection],
    ]),
    wheelTickMs: 20,
  })
  // A current, powered-on, admin-control-mode device that needs no user consent: consent,
  // AMT 12's nsCertType and AMT 19's password rule are the simulator's own cases, not the gateway's.
  const profile = parseProfile(
    {
      identity: { versions: { '16.1': 1 }, modes: { ACM: 1 }, consent: { none: 1 }, power: { on: 1 } },
      firmware: { amt12RequiresNsCertType: false, amt19PasswordRule: false },
      services,
    },
    'conformance',
  )
  const make = deviceConfigFactory(profile, {
    seed: `conformance-${ctx.options.seed}-${ctx.caseId}`,
    gateways: { primary: { host: t.device.host, port: t.device.port }, alternative: null },
    credentials: t.credentials,
    account: { user: t.amt.username, password: t.amt.password },
    sourceIps: [],
  })
  const devices = Array.from({ length: count }, (_, i) => new SimulatedDevice(make(i), env))
  ctx.defer(async () => {
    await Promise.all(devices.map((d) => d.stop()))
    env.close()
  })
  for (const d of devices) d.start()
  await Promise.all(devices.map((d) => untilConnected(d, 15_000)))
  ctx.evidence.note(`simulated devices: ${devices.map((d) => `${d.identity.uuid} (${d.identity.fqdn}, AMT ${d.identity.amtVersion})`).join(', ')}`)
  return { devices }
}

async function untilConnected(device: SimulatedDevice, timeoutMs: number): Promise<void> {
  if (device.state === 'connected') return
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    for (;;) {
      const [next] = (await once(device, 'state', { signal })) as [DeviceState]
      if (next === 'connected') return
      if (next === 'refused' || next === 'gave-up') throw new Violation('the simulated device connected to the target', `device state ${next}`)
    }
  } catch (error) {
    if (error instanceof Violation) throw error
    throw new Violation(`the simulated device connected within ${timeoutMs} ms`, `device state ${device.state}`)
  }
}
