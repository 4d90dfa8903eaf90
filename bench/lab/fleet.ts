/**
 * The simulated fleets of a scenario. A scenario may run several (a probe fleet that serves
 * WS-MAN and redirection to the consoles, in this process or in worker processes, bulk fleets
 * over worker processes that only hold connections, a WAN fleet behind a slow link); each has
 * its own seed and DNS domain
 * (`dev-000123.<name>.fleet.test`), so their UUIDs and names never collide at the gateway.
 *
 * Devices are current (AMT 16.1), admin-control mode, powered on and need no user consent:
 * consent and old-firmware quirks are the simulator's and the conformance suite's subject, not
 * a capacity benchmark's.
 */

import { createFleet, mergeSnapshots, parseProfile, type FleetProfile, type FleetSnapshot, type LinkProfile, type ServiceModule, type ServiceTable } from '../../simulator/index.js'
import type { Fleet } from '../../simulator/fleet/fleet.js'
import { deviceConfigFactory, type RunSettings } from '../../simulator/fleet/device-config.js'
import { REDIRECTION_PORT, WSMAN_PORT } from '../../simulator/device/services.js'
import { serveRedirection } from '../../simulator/services/redirection/index.js'
import type { ChannelService } from '../../simulator/services/types.js'
import { serveWsman } from '../../simulator/services/wsman/index.js'
import type { ResolvedTarget } from '../../conformance/target.js'
import type { DeviceIdentity } from '../../simulator/identity.js'
import { ScenarioError } from './wait.js'

export interface FleetSpec {
  /** Names the fleet's domain and seed: `probe`, `bulk-3`, `wan`. */
  readonly name: string
  readonly devices: number
  /** Serve WS-MAN (16992) and redirection (16994), plus any extra ports. */
  readonly services?: boolean
  /** Extra services of an in-process fleet. */
  readonly extraServices?: ReadonlyMap<number, ChannelService>
  /** The same extra services for worker processes, named by module (functions do not cross IPC). */
  readonly extraServiceModules?: readonly ServiceModule[]
  /** Simulator worker processes (0: this process). Workers serve the same ports as this process. */
  readonly workers?: number
  /** Devices started per second (0: all at once). */
  readonly rampPerSecond?: number
  readonly link?: LinkProfile
  /** SOL in stream mode at this many bytes per second (default: interactive). */
  readonly solStreamBytesPerSecond?: number
  readonly iderExpectedImage?: { readonly size: number; readonly sha256: string }
  /** Seconds a device waits before calling back after losing its tunnel (default 2). */
  readonly retryDelaySeconds?: number
  readonly sourceIps?: readonly string[]
  /** Receive window each device channel offers (firmware: 32768). */
  readonly channelWindow?: number
}

export interface BenchFleet {
  readonly spec: FleetSpec
  readonly fleet: Fleet
  /** The name consoles ask the gateway for: device `index` of this fleet. */
  hostname(index: number): string
  uuid(index: number): string
  identity(index: number): DeviceIdentity
}

/** The profile every bench fleet starts from. */
export function benchProfile(spec: FleetSpec): FleetProfile {
  return parseProfile(
    {
      identity: { domain: `${spec.name}.fleet.test`, versions: { '16.1': 1 }, modes: { ACM: 1 }, consent: { none: 1 }, power: { on: 1 } },
      firmware: { amt12RequiresNsCertType: false, amt19PasswordRule: false, ...(spec.channelWindow === undefined ? {} : { initialWindow: spec.channelWindow }) },
      services: {
        solMode: spec.solStreamBytesPerSecond === undefined ? 'interactive' : 'stream',
        ...(spec.solStreamBytesPerSecond === undefined ? {} : { solStreamBytesPerSecond: spec.solStreamBytesPerSecond }),
        ...(spec.iderExpectedImage === undefined ? {} : { iderExpectedImage: spec.iderExpectedImage }),
      },
      ...(spec.link === undefined ? {} : { link: spec.link }),
      ...(spec.retryDelaySeconds === undefined ? {} : { reconnect: { retryDelaySeconds: spec.retryDelaySeconds } }),
    },
    `bench fleet ${spec.name}`,
  )
}

export function benchServices(extra?: ReadonlyMap<number, ChannelService>): ServiceTable {
  return new Map<number, ChannelService>([[WSMAN_PORT, serveWsman], [REDIRECTION_PORT, serveRedirection], ...(extra ?? new Map<number, ChannelService>())])
}

function runSettings(target: ResolvedTarget, seed: string, spec: FleetSpec): RunSettings {
  return {
    seed: `${seed}-${spec.name}`,
    gateways: { primary: { host: target.device.host, port: target.device.port }, alternative: null },
    credentials: target.credentials,
    account: { user: target.amt.username, password: target.amt.password },
    sourceIps: spec.sourceIps ?? [],
  }
}

/** The fleets of one scenario run against one target. */
export class BenchFleets {
  private readonly list: BenchFleet[] = []

  constructor(
    private readonly target: ResolvedTarget,
    private readonly seed: string,
  ) {}

  get fleets(): readonly BenchFleet[] {
    return this.list
  }

  /** Creates and starts a fleet; its devices connect over the next devices/ramp seconds. */
  async add(spec: FleetSpec): Promise<BenchFleet> {
    const t = this.target.device
    const profile = benchProfile(spec)
    const run = runSettings(this.target, this.seed, spec)
    const withServices = spec.services === true
    const workers = spec.workers ?? 0
    const unnamed = [...(spec.extraServices?.keys() ?? [])].filter((port) => !(spec.extraServiceModules ?? []).some((m) => m.port === port))
    if (withServices && workers > 0 && unnamed.length > 0) {
      throw new ScenarioError(`fleet ${spec.name}: services on ports ${unnamed.join(', ')} must be named by module to run in worker processes`)
    }
    const fleet = createFleet({
      gateway: { host: t.host, port: t.port },
      transport: t.tls ? { mode: 'tls', ...(t.caPem === null ? {} : { caPem: t.caPem }), ...(t.serverName === null ? {} : { servername: t.serverName }) } : { mode: 'plain' },
      profile,
      seed: run.seed,
      credentials: run.credentials,
      account: run.account,
      sourceIps: run.sourceIps,
      devices: spec.devices,
      rampPerSecond: spec.rampPerSecond ?? 0,
      workers,
      ...(withServices && workers === 0 ? { services: benchServices(spec.extraServices) } : {}),
      ...(withServices && workers > 0 && spec.extraServiceModules !== undefined ? { serviceModules: spec.extraServiceModules } : {}),
    })
    // Identities come from the seed and the index alone, so this side knows every name.
    const make = deviceConfigFactory(profile, run)
    const entry: BenchFleet = { spec, fleet, hostname: (i) => make(i).identity.fqdn, uuid: (i) => make(i).identity.uuid, identity: (i) => make(i).identity }
    this.list.push(entry)
    await fleet.start()
    return entry
  }

  snapshot(): FleetSnapshot {
    return mergeSnapshots(this.list.map((f) => f.fleet.snapshot()))
  }

  /** Counts as of now, worker fleets included (they otherwise report every 0.5 s). */
  async refresh(): Promise<FleetSnapshot> {
    return mergeSnapshots(await Promise.all(this.list.map((f) => f.fleet.refresh())))
  }

  get devices(): number {
    return this.list.reduce((n, f) => n + f.spec.devices, 0)
  }

  connected(): number {
    // progress(), not snapshot(): read on every poll, and a snapshot walks every device.
    return this.list.reduce((n, f) => n + f.fleet.progress().connected, 0)
  }

  /** Stops every fleet (DISCONNECT to the gateway); the counts just before stopping and after. */
  async stop(): Promise<{ readonly before: FleetSnapshot; readonly after: FleetSnapshot }> {
    const before = await this.refresh()
    const finals = await Promise.all(this.list.map((f) => f.fleet.stop()))
    return { before, after: mergeSnapshots(finals) }
  }
}

/** Disconnects that the run caused itself (stopping the fleet) are not failures. */
export function unexpectedDisconnects(s: FleetSnapshot): number {
  return s.disconnects - (s.disconnectReasons.stopped ?? 0)
}

/** Connect attempts that failed, by reason, without the zeros. */
export function failuresOf(s: FleetSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(s.failures).filter(([, n]) => n > 0))
}

export function totalFailures(s: FleetSnapshot): number {
  return Object.values(s.failures).reduce((a, b) => a + b, 0)
}

