/**
 * Entry point of a fleet worker process (forked by ProcessFleet): runs one slice of the fleet
 * and talks to the parent over IPC. Leaves when told to stop, or when the parent goes away.
 */

import { LocalFleet } from './local-fleet.js'
import { loadServiceTable } from './service-modules.js'
import type { FromWorker, ToWorker, WorkerStart } from './worker-protocol.js'

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message)
}

function run(): void {
  let fleet: LocalFleet | null = null
  let reporter: NodeJS.Timeout | null = null
  let stopping: Promise<void> | null = null

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (reporter !== null) clearInterval(reporter)
      const snapshot = fleet === null ? null : await fleet.stop()
      if (snapshot !== null) send({ type: 'stopped', snapshot })
      if (process.connected) process.disconnect()
    })()
    return stopping
  }

  const start = async (options: WorkerStart): Promise<void> => {
    // The same port table as a fleet in the parent's process: WS-MAN on 16992, redirection on
    // 16994 (with the profile's service options), plus what the parent named by module.
    const services = await loadServiceTable(options.serviceModules ?? [])
    fleet = new LocalFleet({ ...options, services })
    await fleet.start()
    const f = fleet
    reporter = setInterval(() => send({ type: 'snapshot', snapshot: f.snapshot() }), options.reportIntervalMs)
    send({ type: 'snapshot', snapshot: f.snapshot() })
    send({ type: 'ready' })
  }

  process.on('message', (message: ToWorker) => {
    const fail = (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) })
    switch (message.type) {
      case 'start':
        start(message.options).catch(fail)
        return
      case 'trigger':
        fleet?.trigger(message.index, message.policy).then((value) => send({ type: 'reply', id: message.id, value }), fail)
        return
      case 'fault':
        fleet?.injectFault(message.index, message.kind, message.overrides).then((value) => send({ type: 'reply', id: message.id, value }), fail)
        return
      case 'snapshot-now':
        if (fleet !== null) send({ type: 'snapshot', snapshot: fleet.snapshot(), id: message.id })
        else send({ type: 'reply', id: message.id, value: false })
        return
      case 'stop':
        stop().catch(fail)
        return
    }
  })
  // The parent died or closed the channel: stop the devices so the gateway sees DISCONNECTs.
  process.on('disconnect', () => {
    stop().catch(() => undefined)
  })
}

run()
