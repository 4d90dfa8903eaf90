/**
 * First start without a certificate: a private root CA and a gateway server certificate are made
 * under the data folder (node-forge via pki/, 2048-bit RSA, the FQDN in CN and SAN, serverAuth +
 * clientAuth EKUs, as the vendor's guide asks), in the same file layout as `ciralab certs init`,
 * so either can make the set and the other use it. Later starts reuse the files.
 *
 * Devices are provisioned with the root, so a root that exists is never replaced: when only the
 * server certificate or key is missing, a new one is issued from the root and its key; a root
 * without its key stops the start instead of silently cutting off every device.
 */

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createRootCa, issueServerCertificate } from '../pki/certificates.js'
import { checkCertificateSet, type Finding } from '../pki/check.js'
import { CertificateFileError, FILES, readRoot, writeCertificateSet, writeFiles } from '../pki/files.js'

export interface ServerCertificateFiles {
  readonly cert: string
  readonly key: string
  readonly certPath: string
  readonly keyPath: string
  /** The root CA a device must be provisioned with. */
  readonly rootPath: string
  readonly generated: boolean
  /** A new root CA was made (devices must be provisioned with it); false when an existing root issued the certificate. */
  readonly rootCreated: boolean
  /** What `ciralab certs check` finds wrong with the set (errors and warnings only), for the log. */
  readonly findings: readonly Finding[]
}

export function ensureServerCertificate(dataDir: string, fqdn: string): ServerCertificateFiles {
  const dir = resolve(dataDir)
  const certPath = join(dir, FILES.server)
  const keyPath = join(dir, FILES.serverKey)
  const rootPath = join(dir, FILES.root)
  let generated = false
  let rootCreated = false
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    if (existsSync(rootPath)) {
      if (!existsSync(join(dir, FILES.rootKey))) {
        throw new CertificateFileError(`${certPath} or its key is missing and ${rootPath} has no key beside it to issue a new one: restore them, or give --cert and --key`)
      }
      const server = issueServerCertificate(readRoot(dir), { fqdn, keySize: 2048 })
      writeFiles(dir, [{ name: FILES.server, content: server.certificatePem, secret: false }, { name: FILES.serverKey, content: server.privateKeyPem, secret: true }], true)
    } else {
      const root = createRootCa({ commonName: `ciralab gateway root (${fqdn})`, keySize: 2048 })
      writeCertificateSet(dir, root, issueServerCertificate(root, { fqdn, keySize: 2048 }), true)
      rootCreated = true
    }
    generated = true
  }
  const cert = readFileSync(certPath, 'utf8')
  const key = readFileSync(keyPath, 'utf8')
  const findings = checkCertificateSet({ rootPem: readFileSync(rootPath, 'utf8'), serverPem: cert, serverKeyPem: key }, { fqdn }).filter((f) => f.severity !== 'ok')
  return { cert, key, certPath, keyPath, rootPath, generated, rootCreated, findings }
}
