/**
 * Two ends of an IPC channel in one process, for the store tests: messages are structured-
 * cloned and delivered on a later turn, as the cluster channel does. The real channel between
 * processes is exercised by the `--processes` test.
 */

import { EventEmitter } from 'node:events'
import type { IpcPort } from '../ipc-store.js'

export function ipcPair(): [IpcPort, IpcPort] {
  const a = new EventEmitter()
  const b = new EventEmitter()
  const port = (self: EventEmitter, peer: EventEmitter): IpcPort => ({
    send: (message) => setImmediate(() => peer.emit('message', structuredClone(message))),
    on: (event, listener) => self.on(event, listener),
    off: (event, listener) => self.off(event, listener),
  })
  return [port(a, b), port(b, a)]
}
