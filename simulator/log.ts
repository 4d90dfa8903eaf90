/**
 * The logger shape the simulator's sessions accept: pino-compatible, structured fields first.
 * Devices log per-connection detail at debug level only; the fleet's progress and summary are
 * the normal output, so a 10,000-device run does not drown in lines.
 */

export interface SimLogger {
  child(bindings: Record<string, unknown>): SimLogger
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

const noop = (): void => undefined

export const silentLogger: SimLogger = Object.freeze({
  child: () => silentLogger,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
})
