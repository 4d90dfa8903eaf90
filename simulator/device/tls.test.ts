import { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import { afterEach, describe, expect, it } from 'vitest'
import { createRootCa, issueServerCertificate } from '../../pki/certificates.js'
import { loopbackPki } from '../../pki/fixtures.js'
import { Harness, untilState, type HarnessOptions } from '../test-support/harness.js'
import { classifyConnectError } from './tls.js'
import { hasExtension, NS_CERT_TYPE_OID } from './tls-verify.js'

const harnesses: Harness[] = []
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()))
})

/** Versions pinned so the AMT 12 rule is on or off; one try, then a long wait. */
async function tryOnce(options: HarnessOptions, version = '16.1') {
  const h = await new Harness({ ...options, profile: { identity: { versions: { [version]: 1 } }, reconnect: { retryDelaySeconds: 60 } } }).start()
  harnesses.push(h)
  const device = h.device(0)
  device.start()
  await Promise.race([untilState(device, 'connected'), untilState(device, 'waiting')])
  return device
}

describe('gateway certificate checks, as AMT does them', () => {
  it('connects to the gateway named in its certificate, signed by the provisioned root', async () => {
    const device = await tryOnce({})
    expect(device.state).toBe('connected')
  })

  it('refuses a certificate for another name', async () => {
    const device = await tryOnce({ servername: 'other.ciralab.test' })
    expect(device.counters.failures).toEqual({ 'tls-wrong-name': 1 })
  })

  it('refuses a certificate from a root it was not provisioned with, unless --insecure', async () => {
    const stranger = createRootCa({ commonName: 'Someone Else' })
    const refused = await tryOnce({ caPem: stranger.certificatePem })
    expect(refused.counters.failures).toEqual({ 'tls-unknown-root': 1 })
    const insecure = await tryOnce({ caPem: stranger.certificatePem, insecure: true })
    expect(insecure.state).toBe('connected')
  })

  it('refuses an expired gateway certificate', async () => {
    const pki = loopbackPki()
    const old = issueServerCertificate(pki.ca, { fqdn: pki.serverName, ips: ['127.0.0.1'], notBefore: new Date(Date.now() - 10 * 86_400_000), days: 2 })
    const device = await tryOnce({ gateway: { tls: old } })
    expect(device.counters.failures).toEqual({ 'tls-expired': 1 })
  })

  it('with the system store instead of a provisioned root, Node checks and refuses the private root', async () => {
    const device = await tryOnce({ systemRoots: true })
    expect(device.counters.failures).toEqual({ 'tls-unknown-root': 1 })
  })

  it('offers TLS 1.3 only when the profile says so', async () => {
    const h = await new Harness({ profile: { firmware: { maxTlsVersion: '1.3' } } }).start()
    harnesses.push(h)
    const device = h.device(0)
    device.start()
    await untilState(device, 'connected')
    const session = [...h.gateway.sessions][0]
    expect((session?.socket as TLSSocket | undefined)?.getProtocol()).toBe('TLSv1.3')
    const older = await tryOnce({})
    expect(older.state).toBe('connected')
    const second = [...(harnesses[1]?.gateway.sessions ?? [])][0]
    expect((second?.socket as TLSSocket | undefined)?.getProtocol()).toBe('TLSv1.2')
  })

  it('AMT 12 refuses a gateway certificate without nsCertType; AMT 16 takes it', async () => {
    const pki = loopbackPki()
    const bare = issueServerCertificate(pki.ca, { fqdn: pki.serverName, ips: ['127.0.0.1'], nsCertType: false })
    const amt12 = await tryOnce({ gateway: { tls: bare } }, '12.0')
    expect(amt12.counters.failures).toEqual({ 'tls-no-nscerttype': 1 })
    const amt16 = await tryOnce({ gateway: { tls: bare } }, '16.1')
    expect(amt16.state).toBe('connected')
    const amt12Good = await tryOnce({}, '12.0')
    expect(amt12Good.state).toBe('connected')
  })

  it('reads nsCertType from the DER extensions', () => {
    const pki = loopbackPki()
    const bare = issueServerCertificate(pki.ca, { fqdn: 'x.test', nsCertType: false })
    expect(hasExtension(new X509Certificate(pki.server.certificatePem).raw, NS_CERT_TYPE_OID)).toBe(true)
    expect(hasExtension(new X509Certificate(bare.certificatePem).raw, NS_CERT_TYPE_OID)).toBe(false)
    expect(hasExtension(Buffer.from('not a certificate'), NS_CERT_TYPE_OID)).toBe(false)
  })

  it('names socket errors by reason', () => {
    const e = (code: string) => Object.assign(new Error(code), { code })
    expect(classifyConnectError(e('ECONNREFUSED'))).toBe('tcp-refused')
    expect(classifyConnectError(e('EADDRNOTAVAIL'))).toBe('source-address')
    expect(classifyConnectError(e('CERT_HAS_EXPIRED'))).toBe('tls-expired')
    expect(classifyConnectError(e('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('tls-error')
    expect(classifyConnectError(new Error('?'))).toBe('tcp-error')
  })
})
