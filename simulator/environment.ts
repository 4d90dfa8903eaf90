/**
 * What every device of a process shares: the timer wheel (keepalives, policies, retries,
 * faults), a fine-grained wheel for link shaping, the TLS setup with its one SecureContext, the
 * port → service table and the logger. One per process; `close()` releases the timers.
 */

import { ConnectGate } from './device/connect-gate.js'
import type { DeviceEnvironment } from './device/config.js'
import type { DeviceState, SimulatedDevice } from './device/device.js'
import { defaultServices, type ServiceTable } from './device/services.js'
import { DeviceTls, type TransportOptions } from './device/tls.js'
import { silentLogger, type SimLogger } from './log.js'
import { TimerWheel } from './wheel.js'

export interface EnvironmentOptions {
  readonly transport: TransportOptions
  readonly services?: ServiceTable
  readonly logger?: SimLogger
  /** Resolution of the shared wheel (default 50 ms; tests use a few ms). */
  readonly wheelTickMs?: number
  /** Resolution of the link-shaping wheel (default 2 ms). */
  readonly linkTickMs?: number
  readonly onConnected?: (device: SimulatedDevice, connectMs: number) => void
  readonly onStateChange?: (device: SimulatedDevice, from: DeviceState, to: DeviceState) => void
  /** Devices connecting at once in this process (0 or absent: no cap). See connect-gate.ts. */
  readonly maxConnecting?: number
}

export class SimulatorEnvironment implements DeviceEnvironment {
  readonly wheel: TimerWheel
  readonly linkWheel: TimerWheel
  readonly tls: DeviceTls
  readonly services: ServiceTable
  readonly logger: SimLogger
  readonly onConnected: ((device: SimulatedDevice, connectMs: number) => void) | undefined
  readonly onStateChange: ((device: SimulatedDevice, from: DeviceState, to: DeviceState) => void) | undefined
  readonly connectGate: ConnectGate | undefined

  constructor(options: EnvironmentOptions) {
    const onError = (error: unknown) => this.logger.error({ err: String(error) }, 'timer callback failed')
    this.wheel = new TimerWheel({ tickMs: options.wheelTickMs ?? 50, onError })
    this.linkWheel = new TimerWheel({ tickMs: options.linkTickMs ?? 2, slots: 256, onError })
    this.tls = new DeviceTls(options.transport)
    this.services = options.services ?? defaultServices()
    this.logger = options.logger ?? silentLogger
    this.onConnected = options.onConnected
    this.onStateChange = options.onStateChange
    this.connectGate = (options.maxConnecting ?? 0) > 0 ? new ConnectGate(options.maxConnecting as number) : undefined
  }

  close(): void {
    this.wheel.close()
    this.linkWheel.close()
  }
}
