/**
 * The gateway's composition root: configuration from flags, CIRALAB_* environment and files;
 * the start-up safety review (safety.ts: unsafe settings refuse the start); the logger (pino
 * JSON lines on stderr, the journal with priorities, or a rotating --log-file); certificates;
 * the Gateway; the one `ready` line on stdout; and the process signals:
 *
 *   SIGHUP   reload the device TLS certificate and key (connected devices stay); reopen the log file
 *   SIGUSR2  toggle the log level between the configured one and debug
 *   SIGTERM, SIGINT  graceful shutdown, then exit 0
 */

import { hostname } from 'node:os'
import { pino, stdTimeFunctions, type Logger } from 'pino'
import { loadConfig, type GatewayConfig } from './config.js'
import { ensureServerCertificate } from './certs.js'
import { createHttpProxy } from './console/http-proxy.js'
import { createSocksProxy } from './console/socks5-server.js'
import type { DeviceTlsMaterial } from './device/server.js'
import { Gateway, type BoundListeners, type ConsoleFactories } from './gateway.js'
import { openLogOutput, type LogOutput } from './log-output.js'
import { reviewSafety, UnsafeConfigError, type SafetyReview } from './safety.js'
import { createGatewayCluster, leavePrimary, processRole, workerIpcPort } from './cluster/setup.js'
import { resolveInstanceId } from './cluster/settings.js'
import { runSupervisor } from './cluster/supervisor.js'

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown
  off(signal: NodeJS.Signals, listener: () => void): unknown
}

export interface GatewayProcessIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  readonly env: Readonly<Record<string, string | undefined>>
  readonly signals: SignalSource
  readonly readFile: (path: string) => string
  /** Console listeners; the HTTP proxy and SOCKS5 listener of gateway/console by default. */
  readonly consoles?: ConsoleFactories
  /** Called once the gateway is listening (tests use it to find the gateway). */
  readonly onStarted?: (gateway: Gateway) => void
  /** stderr is the systemd journal: log lines get `<N>` priority prefixes (log-output.ts). */
  readonly stderrIsJournal?: boolean
  /** The process runs as root (a warning in the safety review). */
  readonly isRoot?: boolean
}

const READY_ORDER = ['deviceTls', 'devicePlain', 'http', 'socks', 'api', 'internal'] as const

/** The exact line benchmarks and the conformance suite parse: addresses bound, in a fixed order. */
export function formatReadyLine(bound: BoundListeners): string {
  const listeners: Record<string, string> = {}
  for (const name of READY_ORDER) {
    const address = bound[name]
    if (address !== undefined) listeners[name] = address
  }
  return `${JSON.stringify({ event: 'ready', listeners })}\n`
}

function createLogger(config: GatewayConfig, output: LogOutput, review: SafetyReview): Logger {
  const logger = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: stdTimeFunctions.isoTime }, output.stream)
  logger.info({ event: 'log-output', output: output.description }, 'logging')
  for (const w of review.warnings) logger.warn({ event: 'unsafe-setting', id: w.id, setting: w.setting }, `${w.problem}: ${w.fix}`)
  return logger
}

function tlsMaterial(config: GatewayConfig, io: GatewayProcessIo, logger: Logger): DeviceTlsMaterial | null {
  if (config.listen.deviceTls === null) return null
  const ca = config.tls.ca === null ? null : io.readFile(config.tls.ca)
  if (config.tls.cert !== null && config.tls.key !== null) {
    return { cert: io.readFile(config.tls.cert), key: io.readFile(config.tls.key), ca, legacy: config.tls.legacy }
  }
  const files = ensureServerCertificate(config.dataDir, config.tls.fqdn)
  const fields = { event: 'certificate', generated: files.generated, fqdn: config.tls.fqdn, root: files.rootPath, cert: files.certPath }
  logger.info(fields, files.rootCreated ? 'created a root CA and server certificate' : files.generated ? 'issued a server certificate from the root in the data folder' : 'using the certificate in the data folder')
  for (const f of files.findings) logger.warn({ event: 'certificate-check', subject: f.subject, severity: f.severity }, f.message)
  if (files.rootCreated) io.stderr.write(`ciralab gateway: created a private root CA; provision devices with ${files.rootPath}\n`)
  return { cert: files.cert, key: files.key, ca, legacy: config.tls.legacy }
}

/** Run until SIGTERM/SIGINT; resolves with the exit status. Unsafe settings throw UnsafeConfigError. */
export async function runGateway(flags: Readonly<Record<string, unknown>>, io: GatewayProcessIo): Promise<number> {
  const config = loadConfig({ flags, env: io.env, readFile: io.readFile, hostname: hostname() })
  const review = reviewSafety(config, { root: io.isRoot === true })
  if (review.refused.length > 0) throw new UnsafeConfigError(review.refused)
  // --processes: workers log to their stderr, which the primary writes to the one log output.
  const role = processRole(config)
  const worker = role === 'worker'
  const output = openLogOutput({ file: worker ? null : config.logFile, maxBytes: config.logFileMaxBytes, keep: config.logFileKeep }, { stderr: io.stderr, journal: !worker && io.stderrIsJournal === true })
  try {
    const logger = createLogger(config, output, review)
    if (role === 'primary') return await superviseProcesses(config, io, output, logger)
    return await runLogged(config, io, output, logger)
  } finally {
    await output.close()
    if (worker) leavePrimary()
  }
}

function superviseProcesses(config: GatewayConfig, io: GatewayProcessIo, output: LogOutput, logger: Logger): Promise<number> {
  // A certificate generated once here, not raced for by every worker.
  tlsMaterial(config, io, logger)
  const baseInstanceId = resolveInstanceId(config.cluster, hostname(), process.pid, null)
  return runSupervisor({ config, logger, output: output.stream, stdout: io.stdout, signals: io.signals, baseInstanceId, onHup: () => output.reopen() })
}

async function runLogged(config: GatewayConfig, io: GatewayProcessIo, output: LogOutput, logger: Logger): Promise<number> {
  const consoles = io.consoles ?? { http: createHttpProxy, socks: createSocksProxy }
  const cluster = createGatewayCluster(config, { env: io.env, hostname: hostname(), pid: process.pid, ipc: workerIpcPort(), readFile: io.readFile })
  const gateway = new Gateway({ config, logger, tls: tlsMaterial(config, io, logger), consoles, cluster })
  let bound: BoundListeners
  try {
    bound = await gateway.start()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    logger.fatal({ event: 'general-error', err: reason }, 'gateway could not start')
    await gateway.shutdown(0)
    io.stderr.write(`ciralab gateway: cannot start: ${reason}\n`)
    return 1
  }
  io.stdout.write(formatReadyLine(bound))
  io.onStarted?.(gateway)
  return waitForSignals(gateway, config, io, logger, output)
}

function waitForSignals(gateway: Gateway, config: GatewayConfig, io: GatewayProcessIo, logger: Logger, output: LogOutput): Promise<number> {
  return new Promise((resolve) => {
    const onHup = () => {
      output.reopen()
      try {
        const material = tlsMaterial(config, io, logger)
        if (material !== null) gateway.reloadTls(material)
      } catch (error) {
        logger.error({ event: 'general-error', err: error instanceof Error ? error.message : String(error) }, 'certificate reload failed; keeping the old one')
      }
    }
    const onUsr2 = () => gateway.setLogLevel(gateway.logger.level === 'debug' ? config.logLevel : 'debug')
    const onStop = () => {
      for (const [signal, listener] of handlers) io.signals.off(signal, listener)
      gateway.shutdown().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ event: 'general-error', err: error instanceof Error ? error.message : String(error) }, 'shutdown failed')
          resolve(1)
        },
      )
    }
    const handlers: [NodeJS.Signals, () => void][] = [
      ['SIGHUP', onHup],
      ['SIGUSR2', onUsr2],
      ['SIGTERM', onStop],
      ['SIGINT', onStop],
    ]
    for (const [signal, listener] of handlers) io.signals.on(signal, listener)
  })
}
