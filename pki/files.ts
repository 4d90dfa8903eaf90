/**
 * A certificate set on disk, with the file names of the vendor's guide. Keys are written with
 * mode 0600; nothing is overwritten unless asked.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CiralabError } from '../protocol/errors.js'
import type { CertificateAndKey } from './certificates.js'

export const FILES = Object.freeze({
  root: 'TrustedRootCertificate.pem',
  // Not in the vendor's guide: the root's key, needed to issue device certificates later.
  rootKey: 'TrustedRootCertificateKey.pem',
  server: 'ServerCertificate.pem',
  serverKey: 'ServerCertificateKey.pem',
})

export class CertificateFileError extends CiralabError {
  constructor(message: string) {
    super('PKI_ERR_FILES', message)
    this.name = 'CertificateFileError'
  }
}

export interface WrittenFile {
  readonly path: string
  readonly secret: boolean
}

/** Write files into `dir`; refuses if any exists and `force` is false (checked before writing any). */
export function writeFiles(dir: string, files: readonly { name: string; content: string; secret: boolean }[], force: boolean): WrittenFile[] {
  mkdirSync(dir, { recursive: true })
  const existing = files.map((f) => join(dir, f.name)).filter((p) => existsSync(p))
  if (existing.length > 0 && !force) {
    throw new CertificateFileError(`refusing to overwrite ${existing.join(', ')} (use --force)`)
  }
  return files.map((f) => {
    const path = join(dir, f.name)
    writeFileSync(path, f.content, { mode: f.secret ? 0o600 : 0o644 })
    return { path, secret: f.secret }
  })
}

export function writeCertificateSet(dir: string, root: CertificateAndKey, server: CertificateAndKey, force: boolean): WrittenFile[] {
  return writeFiles(
    dir,
    [
      { name: FILES.root, content: root.certificatePem, secret: false },
      { name: FILES.rootKey, content: root.privateKeyPem, secret: true },
      { name: FILES.server, content: server.certificatePem, secret: false },
      { name: FILES.serverKey, content: server.privateKeyPem, secret: true },
    ],
    force,
  )
}

function readRequired(dir: string, name: string): string {
  const path = join(dir, name)
  if (!existsSync(path)) throw new CertificateFileError(`${path} is missing`)
  return readFileSync(path, 'utf8')
}

export function readRoot(dir: string): CertificateAndKey {
  return { certificatePem: readRequired(dir, FILES.root), privateKeyPem: readRequired(dir, FILES.rootKey) }
}

export function readServerSet(dir: string): { rootPem: string; serverPem: string; serverKeyPem: string | null } {
  const keyPath = join(dir, FILES.serverKey)
  return {
    rootPem: readRequired(dir, FILES.root),
    serverPem: readRequired(dir, FILES.server),
    serverKeyPem: existsSync(keyPath) ? readFileSync(keyPath, 'utf8') : null,
  }
}
