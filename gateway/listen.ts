/** Start a listener and report the address actually bound (port 0 becomes a real port). */

import type { AddressInfo, Server } from 'node:net'
import type { ListenAddress } from './config.js'

export function listenOn(server: Server, address: ListenAddress, backlog: number): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen({ host: address.host, port: address.port, backlog }, () => {
      server.off('error', onError)
      const bound = server.address() as AddressInfo
      resolve({ host: bound.address, port: bound.port })
    })
  })
}

/**
 * Stop accepting now. The promise resolves once every connection the server accepted has closed
 * too, so await it only after those connections were ended.
 */
export function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
  })
}
