import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createRootCa, issueClientCertificate, issueServerCertificate } from './certificates.js'

describe('certificates', () => {
  const ca = createRootCa({ commonName: 'Test Root' })
  const server = issueServerCertificate(ca, { fqdn: 'vpeg.example.test', ips: ['127.0.0.1'] })

  it('makes a CA that signs a server certificate openssl accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pki-'))
    writeFileSync(join(dir, 'root.pem'), ca.certificatePem)
    writeFileSync(join(dir, 'server.pem'), server.certificatePem)
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'server.pem')], { encoding: 'utf8' })
    expect(out.trim()).toBe(`${join(dir, 'server.pem')}: OK`)
    const text = execFileSync('openssl', ['x509', '-in', join(dir, 'server.pem'), '-noout', '-text'], { encoding: 'utf8' })
    expect(text).toContain('Subject: CN = vpeg.example.test')
    expect(text).toMatch(/DNS:vpeg\.example\.test, IP Address:127\.0\.0\.1/)
    expect(text).toMatch(/Digital Signature, Key Encipherment/)
    expect(text).toMatch(/TLS Web Server Authentication, TLS Web Client Authentication/)
    expect(text).toMatch(/Netscape Cert Type:\s+SSL Client, SSL Server/)
    expect(text).toContain('X509v3 Subject Key Identifier')
    expect(text).toContain('X509v3 Authority Key Identifier')
    expect(text).toContain('Public-Key: (2048 bit)')
  })

  it('names the FQDN for node:tls hostname checks', () => {
    const x = new X509Certificate(server.certificatePem)
    expect(x.checkHost('vpeg.example.test')).toBe('vpeg.example.test')
    expect(x.checkHost('other.example.test')).toBeUndefined()
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(x.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true)
  })

  it('can leave out nsCertType for the AMT 12 fault', () => {
    const plain = issueServerCertificate(ca, { fqdn: 'x.test', nsCertType: false })
    const x = new X509Certificate(plain.certificatePem)
    expect(x.toLegacyObject().subjectaltname).toBe('DNS:x.test')
    const dir = mkdtempSync(join(tmpdir(), 'pki-'))
    writeFileSync(join(dir, 'c.pem'), plain.certificatePem)
    expect(execFileSync('openssl', ['x509', '-in', join(dir, 'c.pem'), '-noout', '-text'], { encoding: 'utf8' })).not.toContain('Netscape Cert Type')
  })

  it('serves real TLS that a client trusting only the root accepts, and client certificates verify', async () => {
    const device = issueClientCertificate(ca, { commonName: '4c4c4544-004b-4210-8033-b6c04f504633' })
    const srv = tls.createServer({ cert: server.certificatePem, key: server.privateKeyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true }, (s) => {
      s.end(`hello ${s.getPeerCertificate().subject.CN}`)
    })
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
    const port = (srv.address() as { port: number }).port
    const reply = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, servername: 'vpeg.example.test', ca: ca.certificatePem, cert: device.certificatePem, key: device.privateKeyPem })
      let text = ''
      c.on('data', (d: Buffer) => (text += d.toString()))
      c.on('end', () => resolve(text))
      c.on('error', reject)
    })
    srv.close()
    expect(reply).toBe('hello 4c4c4544-004b-4210-8033-b6c04f504633')
  })
})
