/** Checks of the cluster settings against each other and the other listeners, for config.ts. */

import { isIP } from 'node:net'
import type { SettingKey } from '../config-schema.js'
import type { ClusterConfig } from './settings.js'

export type { ClusterConfig } from './settings.js'

export interface ClusterProblem {
  readonly key: SettingKey
  readonly problem: string
}

/**
 * `usedPorts`: `host:port` of the other listeners (fixed ports only). The internal address is
 * advertised to the other instances as it is, so it must name one address, not every one.
 */
export function checkClusterConfig(cluster: ClusterConfig, usedPorts: ReadonlyMap<string, string>): ClusterProblem[] {
  const problems: ClusterProblem[] = []
  const internal = cluster.internalListen
  if (internal === null) return problems
  if (internal.host === '0.0.0.0' || internal.host === '::' || (isIP(internal.host) === 0 && internal.host !== 'localhost' && !/^[A-Za-z0-9.-]+$/.test(internal.host))) {
    problems.push({ key: 'internalListen', problem: `other instances dial this address: give one they can reach, not ${internal.host}` })
  }
  if (internal.port !== 0 && internal.port + cluster.processes - 1 > 65535) {
    problems.push({ key: 'internalListen', problem: `with ${cluster.processes} processes the ports ${internal.port}..${internal.port + cluster.processes - 1} pass 65535` })
  }
  for (let i = 0; internal.port !== 0 && i < cluster.processes; i++) {
    const id = `${internal.host}:${internal.port + i}`
    const other = usedPorts.get(id)
    if (other !== undefined) problems.push({ key: 'internalListen', problem: `${id} is also used by ${other}` })
  }
  return problems
}
