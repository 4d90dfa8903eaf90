import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import forge from 'node-forge'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRootCa, generateRsaKeyPem, issueServerCertificate } from './certificates.js'
import { checkCertificateSet } from './check.js'
import { ciralab } from '../cli/test-support/run-cli.js'

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' })

describe('ciralab certs', () => {
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'certs-'))
    const r = await ciralab('certs', 'init', '--fqdn', 'vpeg.example.test', '--ip', '192.0.2.7', '--out', dir)
    expect(r.status).toBe(0)
  })

  it('init writes the vendor-named set, keys with mode 0600', () => {
    for (const name of ['TrustedRootCertificate.pem', 'ServerCertificate.pem']) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o644)
    for (const name of ['ServerCertificateKey.pem', 'TrustedRootCertificateKey.pem']) expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600)
  })

  it('init makes certificates openssl verifies, with what AMT requires', () => {
    const server = join(dir, 'ServerCertificate.pem')
    expect(openssl('verify', '-CAfile', join(dir, 'TrustedRootCertificate.pem'), '-purpose', 'sslserver', server).trim()).toBe(`${server}: OK`)
    const text = openssl('x509', '-in', server, '-noout', '-text')
    expect(text).toContain('Subject: CN = vpeg.example.test')
    expect(text).toMatch(/DNS:vpeg\.example\.test, IP Address:192\.0\.2\.7/)
    expect(text).toMatch(/Digital Signature, Key Encipherment/)
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/)
    expect(text).toContain('X509v3 Subject Key Identifier')
    expect(text).toContain('X509v3 Authority Key Identifier')
  })

  it('init refuses to overwrite without --force', async () => {
    const before = readFileSync(join(dir, 'ServerCertificate.pem'), 'utf8')
    const r = await ciralab('certs', 'init', '--fqdn', 'other.test', '--out', dir)
    expect(r.status).toBe(1)
    expect(r.err).toMatch(/refusing to overwrite .*ServerCertificate\.pem.*\(use --force\)/)
    expect(readFileSync(join(dir, 'ServerCertificate.pem'), 'utf8')).toBe(before)
  })

  it('device issues a client certificate openssl verifies for client auth', async () => {
    const uuid = '4c4c4544-004b-4210-8033-b6c04f504633'
    const r = await ciralab('certs', 'device', '--ca', dir, '--uuid', uuid.toUpperCase())
    expect(r.status).toBe(0)
    const cert = join(dir, `DeviceCertificate-${uuid}.pem`)
    expect(openssl('verify', '-CAfile', join(dir, 'TrustedRootCertificate.pem'), '-purpose', 'sslclient', cert).trim()).toBe(`${cert}: OK`)
    expect(openssl('x509', '-in', cert, '-noout', '-subject').trim()).toBe(`subject=CN = ${uuid}`)
    expect(statSync(join(dir, `DeviceCertificateKey-${uuid}.pem`)).mode & 0o777).toBe(0o600)
  })

  it('check passes a good set and names the FQDN it checked', async () => {
    const r = await ciralab('certs', 'check', dir, '--fqdn', 'vpeg.example.test')
    expect(r.status).toBe(0)
    expect(r.out).toContain('ok    server: CN is vpeg.example.test')
    expect(r.out).toContain('ok    chain: server certificate is issued and signed by the root')
    expect(r.out).toMatch(/0 error\(s\), 0 warning\(s\)\n$/)
  })

  it('check says exactly what is wrong with a wrong name', async () => {
    const r = await ciralab('certs', 'check', dir, '--fqdn', 'mps.example.test')
    expect(r.status).toBe(1)
    expect(r.out).toContain('ERROR server: CN is "vpeg.example.test", not the gateway FQDN mps.example.test')
    expect(r.out).toContain('ERROR server: subjectAltName (DNS:vpeg.example.test, IP Address:192.0.2.7) does not name mps.example.test')
  })

  it('check calls a private key every user can read an error', async () => {
    const key = join(dir, 'ServerCertificateKey.pem')
    chmodSync(key, 0o644)
    try {
      const r = await ciralab('certs', 'check', dir, '--fqdn', 'vpeg.example.test')
      expect(r.status).toBe(1)
      expect(r.out).toContain('ERROR ServerCertificateKey.pem: mode 0644: every user of this machine can read the key')
      chmodSync(key, 0o640)
      expect((await ciralab('certs', 'check', dir, '--fqdn', 'vpeg.example.test')).out).toContain('ok    ServerCertificateKey.pem: mode 0640')
    } finally {
      chmodSync(key, 0o600)
    }
  })

  it('argument errors are one line with exit status 2', async () => {
    expect((await ciralab('certs', 'init', '--out', dir)).err).toBe('ciralab certs: --fqdn is required\n')
    const bad = await ciralab('certs', 'init', '--fqdn', 'x', '--out', dir, '--key-size', '1000')
    expect(bad.status).toBe(2)
    expect(bad.err).toBe("ciralab certs: --key-size must be one of 1024, 1536, 2048, 3072, 4096, got '1000'\n")
    expect((await ciralab('certs', 'device', '--ca', dir, '--uuid', 'x')).err).toMatch(/is not a UUID/)
    expect((await ciralab('certs', 'frob')).status).toBe(2)
    expect((await ciralab('certs', 'check', join(dir, 'nope'))).err).toMatch(/TrustedRootCertificate\.pem is missing/)
  })
})

describe('checkCertificateSet', () => {
  const root = createRootCa()

  it('refuses a 4096-bit server key, an expired certificate and a missing nsCertType', () => {
    const server = issueServerCertificate(root, { fqdn: 'a.test', keySize: 4096, days: 1, notBefore: new Date('2020-01-01T00:00:00Z'), nsCertType: false })
    const findings = checkCertificateSet({ rootPem: root.certificatePem, serverPem: server.certificatePem, serverKeyPem: server.privateKeyPem })
    const errors = findings.filter((f) => f.severity === 'error').map((f) => f.message)
    expect(errors).toContain('RSA 4096-bit key: AMT accepts 1024/1536/2048 only')
    expect(errors).toContain('expired on 2020-01-02T00:00:00.000Z')
    expect(findings.some((f) => f.severity === 'warning' && f.message.includes('AMT 12 refuses'))).toBe(true)
  })

  it('finds a keyUsage without keyEncipherment', () => {
    const keyPem = generateRsaKeyPem(1024)
    const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
    const cert = forge.pki.createCertificate()
    cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e)
    cert.serialNumber = '02'
    cert.validity.notBefore = new Date(Date.now() - 1000)
    cert.validity.notAfter = new Date(Date.now() + 86_400_000 * 100)
    cert.setSubject([{ name: 'commonName', value: 'a.test' }])
    cert.setIssuer(forge.pki.certificateFromPem(root.certificatePem).subject.attributes)
    cert.setExtensions([{ name: 'keyUsage', digitalSignature: true }, { name: 'extKeyUsage', serverAuth: true, clientAuth: true }, { name: 'nsCertType', server: true }])
    cert.sign(forge.pki.privateKeyFromPem(root.privateKeyPem), forge.md.sha256.create())
    const findings = checkCertificateSet({ rootPem: root.certificatePem, serverPem: forge.pki.certificateToPem(cert), serverKeyPem: keyPem })
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual(['keyUsage lacks keyEncipherment'])
  })

  it('finds a key that does not match and a server from another root', () => {
    const otherRoot = createRootCa()
    const server = issueServerCertificate(otherRoot, { fqdn: 'a.test' })
    const findings = checkCertificateSet({ rootPem: root.certificatePem, serverPem: server.certificatePem, serverKeyPem: generateRsaKeyPem(2048) })
    const errors = findings.filter((f) => f.severity === 'error')
    expect(errors.map((f) => f.subject)).toEqual(['chain', 'server key'])
  })

  it('finds missing EKUs and a root too large for the AMT store', () => {
    const keyPem = generateRsaKeyPem(2048)
    const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
    const cert = forge.pki.createCertificate()
    cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e)
    cert.serialNumber = '01'
    cert.validity.notBefore = new Date(Date.now() - 1000)
    cert.validity.notAfter = new Date(Date.now() + 86_400_000 * 100)
    cert.setSubject([{ name: 'commonName', value: 'a.test' }])
    cert.setIssuer(forge.pki.certificateFromPem(root.certificatePem).subject.attributes)
    cert.setExtensions([{ name: 'extKeyUsage', serverAuth: true }])
    cert.sign(forge.pki.privateKeyFromPem(root.privateKeyPem), forge.md.sha256.create())
    const bigRoot = createRootCa({ keySize: 4096, commonName: 'x'.repeat(60), organization: 'y'.repeat(60) })
    const findings = checkCertificateSet({ rootPem: root.certificatePem, serverPem: forge.pki.certificateToPem(cert), serverKeyPem: null })
    expect(findings.filter((f) => f.severity === 'error').map((f) => f.message)).toEqual(['extendedKeyUsage lacks clientAuth (TLS Web Client Authentication)'])
    const big = checkCertificateSet({ rootPem: bigRoot.certificatePem, serverPem: forge.pki.certificateToPem(cert), serverKeyPem: null })
    expect(big.some((f) => f.severity === 'warning' && f.message.includes('only newer firmware'))).toBe(true)
    // A 4096-bit root with long names passes 1500 bytes of DER: too big for the AMT store.
    expect(big.some((f) => f.severity === 'error' && f.subject === 'root' && /the AMT store holds roots of at most 1500/.test(f.message))).toBe(true)
  })
})
