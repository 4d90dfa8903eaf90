/**
 * Services beyond the firmware's port table for fleets in worker processes. A ChannelService is
 * a function, and functions do not cross IPC; a module URL and an export name do, so the caller
 * names where its service lives and each worker imports it. The simulator thereby never imports
 * its callers (bench, conformance): they hand it the address.
 */

import { ErrorCode } from '../../protocol/errors.js'
import { defaultServices, type ServiceTable } from '../device/services.js'
import { SimulatorError } from '../errors.js'
import type { ChannelService } from '../services/types.js'

export interface ServiceModule {
  /** The forwarded port it answers on (it must be one the profile forwards to be reachable). */
  readonly port: number
  /** A `file:` URL or an absolute path of an ES module, resolvable in the worker. */
  readonly module: string
  /** The ChannelService export of that module. */
  readonly exportName: string
}

/** The firmware's table (WS-MAN, redirection) plus the named modules, imported now. */
export async function loadServiceTable(modules: readonly ServiceModule[]): Promise<ServiceTable> {
  const table = new Map(defaultServices())
  for (const m of modules) {
    if (!Number.isInteger(m.port) || m.port < 1 || m.port > 65535) throw new SimulatorError(ErrorCode.SIM_ERR_WORKER, `service module ${m.module}: port ${m.port} is not 1..65535`)
    let loaded: Record<string, unknown>
    try {
      loaded = (await import(m.module)) as Record<string, unknown>
    } catch (error) {
      throw new SimulatorError(ErrorCode.SIM_ERR_WORKER, `service module ${m.module} for port ${m.port} could not be imported: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
    const service = loaded[m.exportName]
    if (typeof service !== 'function') throw new SimulatorError(ErrorCode.SIM_ERR_WORKER, `service module ${m.module} has no function export ${m.exportName} for port ${m.port}`)
    table.set(m.port, service as ChannelService)
  }
  return table
}
