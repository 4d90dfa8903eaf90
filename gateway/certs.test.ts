import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ensureServerCertificate } from './certs.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciralab-certs-'))
  dirs.push(dir)
  return dir
}

describe('first-start certificates', () => {
  it('makes the certs init set on the first start and reuses it after, with nothing for certs check to find', () => {
    const dir = dataDir()
    const first = ensureServerCertificate(dir, 'vpeg.example.test')
    expect(first).toMatchObject({ generated: true, rootCreated: true, findings: [] })
    expect(statSync(join(dir, 'ServerCertificateKey.pem')).mode & 0o777).toBe(0o600)
    expect(new X509Certificate(first.cert).subject).toContain('CN=vpeg.example.test')
    const again = ensureServerCertificate(dir, 'vpeg.example.test')
    expect(again).toMatchObject({ generated: false, rootCreated: false, cert: first.cert })
  })

  it('never replaces a root devices were provisioned with: a lost server key is reissued from it', () => {
    const dir = dataDir()
    ensureServerCertificate(dir, 'vpeg.example.test')
    const root = readFileSync(join(dir, 'TrustedRootCertificate.pem'), 'utf8')
    rmSync(join(dir, 'ServerCertificateKey.pem'))
    const reissued = ensureServerCertificate(dir, 'vpeg.example.test')
    expect(reissued).toMatchObject({ generated: true, rootCreated: false, findings: [] })
    expect(readFileSync(join(dir, 'TrustedRootCertificate.pem'), 'utf8')).toBe(root)
    expect(new X509Certificate(reissued.cert).checkIssued(new X509Certificate(root))).toBe(true)
  })

  it('stops when the root is there without its key, rather than cutting off every device', () => {
    const dir = dataDir()
    ensureServerCertificate(dir, 'vpeg.example.test')
    rmSync(join(dir, 'TrustedRootCertificateKey.pem'))
    rmSync(join(dir, 'ServerCertificate.pem'))
    expect(() => ensureServerCertificate(dir, 'vpeg.example.test')).toThrow(expect.objectContaining({ code: 'PKI_ERR_FILES', message: expect.stringMatching(/has no key beside it to issue a new one/) }))
  })

  it('reports what certs check would: a set made for another name', () => {
    const dir = dataDir()
    ensureServerCertificate(dir, 'old-name.example.test')
    const files = ensureServerCertificate(dir, 'vpeg.example.test')
    expect(files.findings.map((f) => f.message)).toEqual([
      'CN is "old-name.example.test", not the gateway FQDN vpeg.example.test',
      'subjectAltName (DNS:old-name.example.test) does not name vpeg.example.test',
    ])
  })
})
