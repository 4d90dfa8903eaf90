/**
 * First start without a certificate: a private root CA and a gateway server certificate are made
 * under the data folder (node-forge via pki/, 2048-bit RSA, the FQDN in CN and SAN, serverAuth +
 * clientAuth EKUs, as the vendor's guide asks), in the same file layout as `ciralab certs init`,
 * so either can make the set and the other use it. Later starts reuse the files.
 */

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createRootCa, issueServerCertificate } from '../pki/certificates.js'
import { FILES, writeCertificateSet } from '../pki/files.js'

export interface ServerCertificateFiles {
  readonly cert: string
  readonly key: string
  readonly certPath: string
  readonly keyPath: string
  /** The root CA a device must be provisioned with. */
  readonly rootPath: string
  readonly generated: boolean
}

export function ensureServerCertificate(dataDir: string, fqdn: string): ServerCertificateFiles {
  const dir = resolve(dataDir)
  const certPath = join(dir, FILES.server)
  const keyPath = join(dir, FILES.serverKey)
  const rootPath = join(dir, FILES.root)
  let generated = false
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    const root = createRootCa({ commonName: `ciralab gateway root (${fqdn})`, keySize: 2048 })
    const server = issueServerCertificate(root, { fqdn, keySize: 2048 })
    writeCertificateSet(dir, root, server, true)
    generated = true
  }
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath, rootPath, generated }
}
