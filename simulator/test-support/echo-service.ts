/**
 * A service that sends back what it reads, for tests of services named by module (worker
 * fleets import it by URL). Backpressure comes from pipe().
 */

import type { ChannelService } from '../services/types.js'

export const serveEcho: ChannelService = (stream) => {
  stream.on('error', () => undefined)
  stream.pipe(stream)
}
