/**
 * Stable names for why a connect attempt failed or a tunnel ended, as counted in progress lines,
 * summaries and the library's snapshots. Reports key on these strings: never rename one.
 */

export const FAILURE_REASONS = [
  // before APF: the transport
  'tcp-refused',
  'tcp-reset',
  'tcp-timeout',
  'tcp-error',
  'source-address',
  'tls-unknown-root',
  'tls-wrong-name',
  'tls-expired',
  'tls-no-nscerttype',
  'tls-error',
  // the APF handshake
  'auth-failed',
  'protocol-error',
  'gateway-disconnect',
  'closed-during-handshake',
  'handshake-timeout',
  // the device refuses to try
  'password-rule',
] as const

export type FailureReason = (typeof FAILURE_REASONS)[number]

/** Why an established tunnel ended. */
export const DISCONNECT_REASONS = [
  'gateway-disconnect',
  'gateway-closed',
  'connection-reset',
  'keepalive-timeout',
  'protocol-error',
  'tunnel-lifetime',
  'fault',
  'stopped',
] as const

export type DisconnectReason = (typeof DISCONNECT_REASONS)[number]

/** A count per name, with every name present (zeros included) so JSON consumers see all keys. */
export type Tally<K extends string> = Record<K, number>

export function emptyTally<K extends string>(names: readonly K[]): Tally<K> {
  const tally = {} as Tally<K>
  for (const name of names) tally[name] = 0
  return tally
}
