/**
 * The same simulated WS-MAN service a device answers through CIRA, served straight on a loopback
 * socket: the baseline the latency scenario subtracts to get what the gateway path adds.
 */

import net from 'node:net'
import { WsmanClient } from '../../consoles/wsman-client.js'
import type { AmtAccount, DeviceIdentity } from '../../simulator/identity.js'
import { SimulatedHost } from '../../simulator/services/host.js'
import { DEFAULT_SERVICE_OPTIONS, newServiceCounters, type ServiceContext } from '../../simulator/services/types.js'
import { serveWsman } from '../../simulator/services/wsman/index.js'
import { WSMAN_PORT } from '../../simulator/device/services.js'

export class DirectWsman {
  private readonly sockets = new Set<net.Socket>()

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static start(identity: DeviceIdentity, account: AmtAccount): Promise<DirectWsman> {
    const host = new SimulatedHost(identity)
    const ctx: ServiceContext = { host, account, options: DEFAULT_SERVICE_OPTIONS, counters: newServiceCounters(), now: Date.now }
    const server = net.createServer()
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        const direct = new DirectWsman(server, typeof address === 'object' && address !== null ? address.port : 0)
        server.on('connection', (socket) => {
          socket.setNoDelay(true)
          direct.sockets.add(socket)
          socket.on('close', () => direct.sockets.delete(socket))
          serveWsman(socket, ctx)
        })
        resolve(direct)
      })
    })
  }

  /** A console talking to it over one keep-alive connection. */
  client(account: AmtAccount): WsmanClient {
    return new WsmanClient({
      transport: { kind: 'stream', connect: () => net.connect({ host: '127.0.0.1', port: this.port, noDelay: true }), host: `127.0.0.1:${WSMAN_PORT}` },
      username: account.user,
      password: account.password,
    })
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}
