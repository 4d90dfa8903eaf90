/** Start a real gateway on loopback ports for a test, with its log lines captured. */

import { pino, type Logger } from 'pino'
import { loopbackPki } from '../../pki/fixtures.js'
import { loadConfig } from '../config.js'
import { createHttpProxy } from '../console/http-proxy.js'
import { createSocksProxy } from '../console/socks5-server.js'
import { Gateway, type BoundListeners, type ConsoleFactories } from '../gateway.js'

export const TEST_USER = 'admin'
export const TEST_PASSWORD = 'P@ssw0rd'

export interface LogLine {
  readonly level: number
  readonly event?: string
  readonly [field: string]: unknown
}

export interface TestGateway {
  readonly gateway: Gateway
  readonly logs: LogLine[]
  readonly bound: BoundListeners
  readonly ca: string
  port(name: keyof BoundListeners): number
  close(): Promise<void>
}

export function captureLogger(logs: LogLine[], level = 'debug'): Logger {
  return pino({ level }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) })
}

export interface TestGatewayOptions {
  readonly flags?: Readonly<Record<string, unknown>>
  /** Settings without a flag, as the JSON config file would give them. */
  readonly file?: Readonly<Record<string, unknown>>
  readonly consoles?: ConsoleFactories
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const pki = loopbackPki()
  const flags: Record<string, unknown> = {
    'device-tls-listen': '127.0.0.1:0',
    'device-plain-listen': '127.0.0.1:0',
    'http-listen': 'off',
    'socks-listen': 'off',
    'api-listen': '127.0.0.1:0',
    user: TEST_USER,
    password: TEST_PASSWORD,
    ...(options.file === undefined ? {} : { config: 'test.json' }),
    ...options.flags,
  }
  const config = loadConfig({ flags, env: {}, readFile: () => JSON.stringify(options.file ?? {}) })
  const logs: LogLine[] = []
  const gateway = new Gateway({
    config,
    logger: captureLogger(logs),
    tls: { cert: pki.server.certificatePem, key: pki.server.privateKeyPem, ca: null, legacy: false },
    consoles: options.consoles ?? { http: createHttpProxy, socks: createSocksProxy },
  })
  const bound = await gateway.start()
  return {
    gateway,
    logs,
    bound,
    ca: pki.ca.certificatePem,
    port: (name) => Number((bound[name] ?? ':0').split(':').pop()),
    close: () => gateway.shutdown(200),
  }
}

/** Poll until `check` is true or throw after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
