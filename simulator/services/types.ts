/**
 * The seam between a simulated device's APF channels (simulator/device) and the services that
 * answer on its ports (simulator/services). A channel arrives as a Duplex with APF flow control
 * underneath; a service owns it until it ends.
 */

import type { Duplex } from 'node:stream'
import type { AmtAccount } from '../identity.js'
import type { SimulatedHost } from './host.js'

export interface ServiceOptions {
  /** SOL: `interactive` (BIOS screen, login prompt that echoes) or `stream` (steady verifiable bytes). */
  readonly solMode: 'interactive' | 'stream'
  /** Bytes per second the SOL stream mode emits. */
  readonly solStreamBytesPerSecond: number
  /** KVM sessions close after this long without console input (AMT: about 3 minutes). */
  readonly kvmIdleTimeoutMs: number
  /** The image the console publishes for IDE-R, so the booting host can check what it read. */
  readonly iderExpectedImage: { readonly size: number; readonly sha256: string } | null
}

export const DEFAULT_SERVICE_OPTIONS: ServiceOptions = Object.freeze({
  solMode: 'interactive',
  solStreamBytesPerSecond: 1200,
  kvmIdleTimeoutMs: 180_000,
  iderExpectedImage: null,
})

/** Per-device counters the fleet sums into its run summary. Plain numbers, mutated in place. */
export interface ServiceCounters {
  wsmanRequests: number
  wsmanAuthFailures: number
  wsmanFaults: number
  redirectionSessions: number
  redirectionAuthFailures: number
  consentRefusals: number
  solBytesToConsole: number
  solBytesFromConsole: number
  iderBytesRead: number
  iderImagesVerified: number
  iderIntegrityFailures: number
  kvmFrames: number
}

export function newServiceCounters(): ServiceCounters {
  return {
    wsmanRequests: 0,
    wsmanAuthFailures: 0,
    wsmanFaults: 0,
    redirectionSessions: 0,
    redirectionAuthFailures: 0,
    consentRefusals: 0,
    solBytesToConsole: 0,
    solBytesFromConsole: 0,
    iderBytesRead: 0,
    iderImagesVerified: 0,
    iderIntegrityFailures: 0,
    kvmFrames: 0,
  }
}

export interface ServiceContext {
  readonly host: SimulatedHost
  readonly account: AmtAccount
  readonly options: ServiceOptions
  readonly counters: ServiceCounters
  /** Time source (ms), shared with the host so tests can drive timeouts. */
  readonly now: () => number
}

/** Serves one channel to one port until the stream ends. */
export type ChannelService = (stream: Duplex, ctx: ServiceContext) => void
