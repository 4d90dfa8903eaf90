import { connect, DEFAULT_CIPHERS } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { issueClientCertificate } from '../../pki/certificates.js'
import { loopbackPki } from '../../pki/fixtures.js'
import { loadConfig } from '../config.js'
import { Gateway } from '../gateway.js'
import { captureLogger, TEST_PASSWORD, TEST_USER, type LogLine } from '../test-support/gateway.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'
let gateway: Gateway | undefined

afterEach(async () => {
  await gateway?.shutdown(0)
  gateway = undefined
})

async function start(legacy: boolean, withCa: boolean): Promise<{ port: number; logs: LogLine[] }> {
  const pki = loopbackPki()
  const config = loadConfig({ flags: { 'device-plain-listen': 'off', 'device-tls-listen': '127.0.0.1:0', 'http-listen': 'off', 'socks-listen': 'off', 'api-listen': 'off', user: TEST_USER, password: TEST_PASSWORD }, env: {}, readFile: () => '' })
  const logs: LogLine[] = []
  gateway = new Gateway({ config, logger: captureLogger(logs), tls: { cert: pki.server.certificatePem, key: pki.server.privateKeyPem, ca: withCa ? pki.ca.certificatePem : null, legacy } })
  const bound = await gateway.start()
  return { port: Number(bound.deviceTls?.split(':').pop()), logs }
}

/** Handshake with given TLS client options; resolves with the protocol or rejects. */
function handshake(port: number, options: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: loopbackPki().ca.certificatePem, servername: 'gateway.ciralab.test', ...options }, () => {
      const protocol = socket.getProtocol() ?? ''
      socket.destroy()
      resolve(protocol)
    })
    socket.once('error', reject)
  })
}

const OLD_FIRMWARE = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0' }

describe('device TLS', () => {
  it('speaks TLS 1.2+ by default and refuses TLS 1.0 with AES128-SHA', async () => {
    const { port } = await start(false, false)
    expect(['TLSv1.2', 'TLSv1.3']).toContain(await handshake(port, {}))
    await expect(handshake(port, OLD_FIRMWARE)).rejects.toThrow()
  })

  it('accepts TLS 1.0 with AES128-SHA when legacyTls is on', async () => {
    const { port } = await start(true, false)
    expect(await handshake(port, OLD_FIRMWARE)).toBe('TLSv1')
    expect(['TLSv1.2', 'TLSv1.3']).toContain(await handshake(port, { ciphers: `${DEFAULT_CIPHERS}` }))
  })

  it('with a CA configured, requires a device certificate that chains to it', async () => {
    const { port, logs } = await start(false, true)
    const pki = loopbackPki()
    const client = issueClientCertificate(pki.ca, { commonName: UUID })
    // Without a client certificate: TLS 1.3 completes the client side first, then the gateway aborts.
    await expect(
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port, ca: pki.ca.certificatePem, servername: 'gateway.ciralab.test' })
        s.once('data', resolve)
        s.once('error', reject)
        s.once('close', () => reject(new Error('closed')))
      }),
    ).rejects.toThrow()
    const good = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ca: pki.ca.certificatePem, servername: 'gateway.ciralab.test', cert: client.certificatePem, key: client.privateKeyPem }, () => {
        resolve(s.getProtocol() ?? '')
        s.destroy()
      })
      s.once('error', reject)
    })
    expect(good).toMatch(/TLSv1\.[23]/)
    expect(logs.some((l) => l.event === 'connection-error')).toBe(true)
  })
})
