/**
 * Value parsers and the assembled settings of a gateway cluster: several instances sharing
 * presence through Redis (`--redis`), each with its own id and internal listener for the
 * instance-to-instance hop, and `--processes N` gateway processes on one machine.
 */

import type { ListenAddress, ValueParser } from '../config-values.js'

export interface ClusterConfig {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://...`; null: presence in memory (or the primary process). */
  readonly redis: string | null
  /** This instance's name in the shared presence; null: the host name and process id. */
  readonly instanceId: string | null
  /** Where other instances reach this one's devices; null: 127.0.0.1 on any free port when clustered. */
  readonly internalListen: ListenAddress | null
  /** Gateway processes on this machine sharing the listening ports (node:cluster). */
  readonly processes: number
  /** A registered device expires this long after its instance last refreshed it. */
  readonly presenceTtlMs: number
  /** A file holding the secret every instance seals its hops with; null: none. */
  readonly secretFile: string | null
}

const ok = <T>(value: T) => ({ ok: true as const, value })
const bad = (problem: string) => ({ ok: false as const, problem })

export const parseRedisUrl: ValueParser<string | null> = (raw) => {
  if (raw === null || raw === '' || raw === 'off') return ok(null)
  if (typeof raw !== 'string') return bad(`must be a redis:// URL or off, got ${JSON.stringify(raw)}`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return bad(`must be a redis:// URL like redis://127.0.0.1:6379, got '${raw}'`)
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return bad(`must start with redis:// or rediss://, got '${raw}'`)
  if (url.hostname === '') return bad(`names no host: '${raw}'`)
  return ok(raw)
}

/** Instance ids go into Redis keys and log lines: short, no spaces or separators of ours. */
export const parseInstanceId: ValueParser<string | null> = (raw) => {
  if (raw === null || raw === '') return ok(null)
  if (typeof raw !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(raw)) {
    return bad(`must be 1 to 63 letters, digits, '.', '_' or '-', got ${JSON.stringify(raw)}`)
  }
  return ok(raw)
}

/** The id an instance uses: the configured one, else host name and process id (unique per machine). */
export function resolveInstanceId(config: ClusterConfig, hostname: string, pid: number, processIndex: number | null): string {
  const base = config.instanceId ?? `${hostname.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40) || 'gateway'}-${pid}`
  return processIndex === null ? base : `${base}-${processIndex}`
}

/** The internal listener of process `index` of N: explicit ports count up from the one given. */
export function internalAddressFor(config: ClusterConfig, processIndex: number | null): ListenAddress {
  const base = config.internalListen ?? { host: '127.0.0.1', port: 0 }
  if (processIndex === null || base.port === 0) return base
  return { host: base.host, port: base.port + processIndex }
}

/** Clustered: presence is shared (Redis, or the primary process of `--processes`). */
export function isClustered(config: ClusterConfig): boolean {
  return config.redis !== null || config.processes > 1
}
