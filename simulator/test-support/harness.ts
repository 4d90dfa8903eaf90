/**
 * Test helpers: a mini gateway on loopback (TLS with the loopback PKI, or plain), and devices
 * built from a profile patch, with everything closed by `close()`.
 */

import { once } from 'node:events'
import { loopbackPki } from '../../pki/fixtures.js'
import { SimulatedDevice, type DeviceState } from '../device/device.js'
import type { ServiceTable } from '../device/services.js'
import { SimulatorEnvironment } from '../environment.js'
import { DEFAULT_AMT_ACCOUNT, DEFAULT_GATEWAY_CREDENTIALS, deviceConfigFactory, type RunSettings } from '../fleet/device-config.js'
import { parseProfile, type FleetProfile } from '../fleet/profile.js'
import { MiniGateway, type MiniGatewayOptions } from './mini-gateway.js'
import type { Endpoint } from '../device/policy.js'

export interface HarnessOptions {
  readonly plain?: boolean
  readonly gateway?: MiniGatewayOptions
  /** Profile JSON (validated like a --profile file). */
  readonly profile?: unknown
  readonly services?: ServiceTable
  readonly run?: Partial<RunSettings>
  /** Override what the devices trust / expect (TLS only). */
  readonly caPem?: string
  /** Trust the system store instead of a provisioned root (Node's own certificate check). */
  readonly systemRoots?: boolean
  readonly servername?: string
  readonly insecure?: boolean
}

export class Harness {
  readonly gateway: MiniGateway
  endpoint: Endpoint = { host: '127.0.0.1', port: 0 }
  readonly env: SimulatorEnvironment
  readonly profile: FleetProfile
  readonly devices: SimulatedDevice[] = []
  private readonly options: HarnessOptions

  constructor(options: HarnessOptions = {}) {
    this.options = options
    const pki = options.plain === true ? null : loopbackPki()
    const tls = pki === null ? undefined : { certificatePem: pki.server.certificatePem, privateKeyPem: pki.server.privateKeyPem }
    this.gateway = new MiniGateway({ ...(tls === undefined ? {} : { tls }), ...options.gateway })
    this.profile = parseProfile(options.profile ?? {}, 'test profile')
    this.env = new SimulatorEnvironment({
      transport:
        pki === null
          ? { mode: 'plain' }
          : {
              mode: 'tls',
              ...(options.systemRoots === true ? {} : { caPem: options.caPem ?? pki.ca.certificatePem }),
              servername: options.servername ?? pki.serverName,
              insecure: options.insecure === true,
            },
      ...(options.services === undefined ? {} : { services: options.services }),
      wheelTickMs: 5,
    })
  }

  async start(): Promise<this> {
    this.endpoint = await this.gateway.listen()
    return this
  }

  runSettings(): RunSettings {
    return {
      seed: 'test',
      gateways: { primary: this.endpoint, alternative: null },
      credentials: DEFAULT_GATEWAY_CREDENTIALS,
      account: DEFAULT_AMT_ACCOUNT,
      sourceIps: [],
      ...this.options.run,
    }
  }

  /** Make (not start) device `index`. */
  device(index = 0, run: Partial<RunSettings> = {}): SimulatedDevice {
    const config = deviceConfigFactory(this.profile, { ...this.runSettings(), ...run })(index)
    const device = new SimulatedDevice(config, this.env)
    this.devices.push(device)
    return device
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.stop()))
    this.env.close()
    await this.gateway.close()
  }
}

/** Resolve when the device reaches `state` (rejects after `timeoutMs`). */
export async function untilState(device: SimulatedDevice, state: DeviceState, timeoutMs = 10_000): Promise<void> {
  if (device.state === state) return
  const signal = AbortSignal.timeout(timeoutMs)
  for (;;) {
    const [next] = (await once(device, 'state', { signal })) as [DeviceState]
    if (next === state) return
  }
}

/** The UUID as PROTOCOLVERSION carries it: first three groups little-endian (apf.md §1.3), written out independently of protocol/apf. */
export function uuidWireHex(uuid: string): string {
  const h = uuid.replace(/-/g, '')
  const swap = (s: string) => (s.match(/../g) ?? []).reverse().join('')
  return swap(h.slice(0, 8)) + swap(h.slice(8, 12)) + swap(h.slice(12, 16)) + h.slice(16)
}

export function u32Hex(n: number): string {
  return n.toString(16).padStart(8, '0')
}

export function stringHex(s: string): string {
  return u32Hex(Buffer.byteLength(s)) + Buffer.from(s).toString('hex')
}
