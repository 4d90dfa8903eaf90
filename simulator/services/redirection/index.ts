/**
 * The redirection service of a simulated device (port 16994): session start with user consent,
 * the login (query, user/password, digest types 3 and 4), then SOL, IDE-R or KVM. The device
 * engineer maps port 16994 to `serveRedirection`.
 */

import type { ChannelService } from '../types.js'
import { DeviceRedirectionConnection, type HandlerFactory } from './connection.js'
import { IderHandler } from './ider.js'
import { KvmHandler } from './kvm.js'
import { SolHandler } from './sol.js'

const createHandler: HandlerFactory = (kind, link) => {
  switch (kind) {
    case 'sol':
      return new SolHandler(link)
    case 'ider':
      return new IderHandler(link)
    case 'kvm':
      return new KvmHandler(link)
  }
}

/** Serves one channel (or socket) to port 16994 until it ends. */
export const serveRedirection: ChannelService = (stream, ctx) => {
  new DeviceRedirectionConnection(stream, ctx, createHandler).start()
}

export { DeviceRedirectionConnection } from './connection.js'
export { advertisedAuthTypes } from './session-step.js'
export { HostConsole } from './host-console.js'
export { IderBoot, type BootOutcome, type ExpectedImage } from './ider-boot.js'
export { patternColour, renderTile, tilesOf, SCREEN_WIDTH, SCREEN_HEIGHT, type PatternState } from './test-pattern.js'
