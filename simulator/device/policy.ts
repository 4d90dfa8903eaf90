/**
 * Remote-access policies and the reconnect campaign, as pure functions.
 *
 * Firmware calls home when a policy fires: user-initiated (Fast Call for Help, trigger 1),
 * alert (trigger 2) or periodic (scheduled maintenance, trigger 4; RPS writes a periodic policy
 * with tunnel lifetime 0, "stay open"). Each policy names up to two gateways. A campaign tries
 * the preferred gateway, then the alternative, then the pair once more; when all four fail the
 * device waits a long time (MeshCentral #1886, #1015: "retries a couple of times then backs off
 * for a long time") and starts over, giving up after about two days of outage. Every time here
 * is configurable so tests can compress days into milliseconds.
 */

import { TriggerReason } from '../../protocol/apf/index.js'

export type PolicyKind = 'periodic' | 'user' | 'alert'

export const POLICY_KINDS: readonly PolicyKind[] = ['periodic', 'user', 'alert']

export const TRIGGER_OF: Readonly<Record<PolicyKind, number>> = {
  user: TriggerReason.USER_INITIATED,
  alert: TriggerReason.ALERT,
  periodic: TriggerReason.PERIODIC,
}

export interface Endpoint {
  readonly host: string
  readonly port: number
}

export interface GatewayPair {
  readonly primary: Endpoint
  readonly alternative: Endpoint | null
}

export interface ReconnectTiming {
  /** Between attempts within one round (preferred → alternative → preferred → alternative). */
  readonly retryDelayMs: number
  /** After a round in which every attempt failed. */
  readonly backoffMs: number
  /** Stop calling home once the outage has lasted this long. */
  readonly giveUpAfterMs: number
}

/** Firmware-like defaults: seconds between tries, 15 minutes of backoff, give up after 2 days. */
export const DEFAULT_RECONNECT: ReconnectTiming = Object.freeze({
  retryDelayMs: 2_000,
  backoffMs: 15 * 60_000,
  giveUpAfterMs: 2 * 24 * 3_600_000,
})

export interface PolicyTiming {
  /** Periodic: time between calls home; null = no periodic policy. */
  readonly periodicIntervalMs: number | null
  /** Tunnel lifetime per policy; 0 = stay connected. */
  readonly tunnelLifetimeMs: Readonly<Record<PolicyKind, number>>
}

export interface Campaign {
  readonly policy: PolicyKind
  /** The round's targets in order: [preferred, alternative, preferred, alternative]. */
  readonly targets: readonly Endpoint[]
  /** Index in `targets` of the attempt in progress. */
  readonly attempt: number
  readonly rounds: number
  /** When the first attempt of this outage failed (ms), null before any failure. */
  readonly outageSince: number | null
}

export type CampaignStep =
  | { readonly action: 'retry'; readonly campaign: Campaign; readonly delayMs: number }
  | { readonly action: 'backoff'; readonly campaign: Campaign; readonly delayMs: number }
  | { readonly action: 'give-up' }

export function startCampaign(policy: PolicyKind, gateways: GatewayPair): Campaign {
  const pair = gateways.alternative === null ? [gateways.primary] : [gateways.primary, gateways.alternative]
  return { policy, targets: [...pair, ...pair], attempt: 0, rounds: 0, outageSince: null }
}

export function currentTarget(campaign: Campaign): Endpoint {
  return campaign.targets[campaign.attempt] as Endpoint
}

/** The attempt in progress failed at `now`: try the next target, back off, or give up. */
export function afterFailure(campaign: Campaign, now: number, timing: ReconnectTiming): CampaignStep {
  const outageSince = campaign.outageSince ?? now
  if (campaign.attempt + 1 < campaign.targets.length) {
    return { action: 'retry', campaign: { ...campaign, attempt: campaign.attempt + 1, outageSince }, delayMs: timing.retryDelayMs }
  }
  if (now - outageSince + timing.backoffMs > timing.giveUpAfterMs) return { action: 'give-up' }
  return { action: 'backoff', campaign: { ...campaign, attempt: 0, rounds: campaign.rounds + 1, outageSince }, delayMs: timing.backoffMs }
}
