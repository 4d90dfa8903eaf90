/**
 * Checks a certificate set against what AMT firmware accepts, and says exactly what is wrong.
 * Limits from the vendor's guide: gateway key sizes 1024/1536/2048 (roots up to 4096 on newer
 * firmware), at most 4100 bytes per certificate and 1500 bytes per root in the firmware's
 * certificate store, the FQDN in CN and a DNS SAN, server and client auth EKUs.
 */

import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import forge from 'node-forge'

export type Severity = 'error' | 'warning' | 'ok'

export interface Finding {
  readonly severity: Severity
  /** Which file or certificate the finding is about. */
  readonly subject: string
  readonly message: string
}

export interface CertificateSet {
  readonly rootPem: string
  readonly serverPem: string
  readonly serverKeyPem: string | null
}

export interface CheckOptions {
  readonly fqdn?: string
  readonly now?: Date
}

export const AMT_LIMITS = Object.freeze({
  serverKeySizes: [1024, 1536, 2048] as readonly number[],
  rootMaxKeySize: 4096,
  rootLegacyMaxKeySize: 2048,
  maxCertificateBytes: 4100,
  maxRootBytes: 1500,
})

const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

export function checkCertificateSet(set: CertificateSet, options: CheckOptions = {}): Finding[] {
  const findings: Finding[] = []
  const add = (severity: Severity, subject: string, message: string) => findings.push({ severity, subject, message })
  let root: X509Certificate
  let server: X509Certificate
  try {
    root = new X509Certificate(set.rootPem)
  } catch (error) {
    add('error', 'root', `not a PEM certificate: ${(error as Error).message}`)
    return findings
  }
  try {
    server = new X509Certificate(set.serverPem)
  } catch (error) {
    add('error', 'server', `not a PEM certificate: ${(error as Error).message}`)
    return findings
  }
  checkRoot(root, add)
  checkServer(server, set.serverPem, options, add)
  checkDates(root, 'root', options.now ?? new Date(), add)
  checkDates(server, 'server', options.now ?? new Date(), add)
  if (server.verify(root.publicKey) && server.checkIssued(root)) add('ok', 'chain', 'server certificate is issued and signed by the root')
  else add('error', 'chain', `server certificate is not signed by this root (issuer "${server.issuer.replace(/\n/g, ', ')}")`)
  if (set.serverKeyPem !== null) checkKeyMatches(server, set.serverKeyPem, add)
  return findings
}

type Add = (severity: Severity, subject: string, message: string) => void

function rsaBits(cert: X509Certificate): number | null {
  const details = cert.publicKey.asymmetricKeyDetails
  return cert.publicKey.asymmetricKeyType === 'rsa' && details?.modulusLength !== undefined ? details.modulusLength : null
}

function checkRoot(root: X509Certificate, add: Add): void {
  if (!root.ca) add('error', 'root', 'is not a CA certificate (basicConstraints CA:TRUE missing)')
  const bits = rsaBits(root)
  if (bits === null) add('error', 'root', `key is ${root.publicKey.asymmetricKeyType ?? 'unknown'}, AMT needs RSA`)
  else if (bits > AMT_LIMITS.rootMaxKeySize) add('error', 'root', `RSA ${bits}-bit key: AMT accepts at most ${AMT_LIMITS.rootMaxKeySize}`)
  else if (bits > AMT_LIMITS.rootLegacyMaxKeySize) add('warning', 'root', `RSA ${bits}-bit key: only newer firmware accepts roots over ${AMT_LIMITS.rootLegacyMaxKeySize} bits`)
  else add('ok', 'root', `RSA ${bits}-bit key`)
  if (root.raw.length > AMT_LIMITS.maxRootBytes) add('error', 'root', `is ${root.raw.length} bytes (DER); the AMT store holds roots of at most ${AMT_LIMITS.maxRootBytes}`)
  else add('ok', 'root', `${root.raw.length} bytes (DER), within the ${AMT_LIMITS.maxRootBytes}-byte limit`)
}

function checkServer(server: X509Certificate, pem: string, options: CheckOptions, add: Add): void {
  const bits = rsaBits(server)
  if (bits === null) add('error', 'server', `key is ${server.publicKey.asymmetricKeyType ?? 'unknown'}, AMT needs RSA`)
  else if (!AMT_LIMITS.serverKeySizes.includes(bits)) add('error', 'server', `RSA ${bits}-bit key: AMT accepts ${AMT_LIMITS.serverKeySizes.join('/')} only`)
  else add('ok', 'server', `RSA ${bits}-bit key`)
  if (server.raw.length > AMT_LIMITS.maxCertificateBytes) add('error', 'server', `is ${server.raw.length} bytes (DER), over the ${AMT_LIMITS.maxCertificateBytes}-byte limit`)
  const forgeCert = forge.pki.certificateFromPem(pem)
  const ekuOids = extKeyUsageOids(forgeCert)
  if (forgeCert.getExtension('extKeyUsage') === null) add('error', 'server', 'has no extendedKeyUsage; AMT needs serverAuth and clientAuth')
  else {
    if (!ekuOids.includes(OID_SERVER_AUTH)) add('error', 'server', 'extendedKeyUsage lacks serverAuth (TLS Web Server Authentication)')
    if (!ekuOids.includes(OID_CLIENT_AUTH)) add('error', 'server', 'extendedKeyUsage lacks clientAuth (TLS Web Client Authentication)')
    if (ekuOids.includes(OID_SERVER_AUTH) && ekuOids.includes(OID_CLIENT_AUTH)) add('ok', 'server', 'extendedKeyUsage has serverAuth and clientAuth')
  }
  checkKeyUsage(forgeCert, add)
  if (forgeCert.getExtension('nsCertType') === null) add('warning', 'server', 'has no Netscape nsCertType extension: AMT 12 refuses such a gateway')
  if (options.fqdn !== undefined) checkName(server, forgeCert, options.fqdn, add)
}

/** AMT's TLS (RSA key exchange included) needs both; a keyUsage that is absent allows everything. */
function checkKeyUsage(cert: forge.pki.Certificate, add: Add): void {
  const ku = cert.getExtension('keyUsage') as { digitalSignature?: boolean; keyEncipherment?: boolean } | null
  if (ku === null) return add('ok', 'server', 'no keyUsage restriction')
  const missing = [ku.digitalSignature === true ? null : 'digitalSignature', ku.keyEncipherment === true ? null : 'keyEncipherment'].filter((m) => m !== null)
  if (missing.length === 0) add('ok', 'server', 'keyUsage has digitalSignature and keyEncipherment')
  else add('error', 'server', `keyUsage lacks ${missing.join(' and ')}`)
}

function extKeyUsageOids(cert: forge.pki.Certificate): string[] {
  const ext = cert.getExtension('extKeyUsage') as { value?: string } | null
  if (ext?.value === undefined) return []
  const asn1 = forge.asn1.fromDer(ext.value)
  const seq = asn1.value as forge.asn1.Asn1[]
  return seq.map((o) => forge.asn1.derToOid(o.value as string))
}

function checkName(server: X509Certificate, forgeCert: forge.pki.Certificate, fqdn: string, add: Add): void {
  const cn = forgeCert.subject.getField('CN') as { value?: string } | null
  const wanted = fqdn.toLowerCase()
  if (cn?.value?.toLowerCase() === wanted) add('ok', 'server', `CN is ${fqdn}`)
  else add('error', 'server', `CN is "${cn?.value ?? ''}", not the gateway FQDN ${fqdn}`)
  const sans = (server.subjectAltName ?? '').split(', ').filter((s) => s.length > 0)
  const inSan = sans.some((s) => s.toLowerCase() === `dns:${wanted}` || s === `IP Address:${fqdn}`)
  if (inSan) add('ok', 'server', `subjectAltName names ${fqdn}`)
  else add('error', 'server', `subjectAltName (${sans.join(', ') || 'none'}) does not name ${fqdn}`)
}

function checkDates(cert: X509Certificate, subject: string, now: Date, add: Add): void {
  const from = new Date(cert.validFrom)
  const to = new Date(cert.validTo)
  if (now < from) add('error', subject, `not valid before ${from.toISOString()}`)
  else if (now > to) add('error', subject, `expired on ${to.toISOString()}`)
  else {
    const days = Math.floor((to.getTime() - now.getTime()) / 86_400_000)
    add(days < 30 ? 'warning' : 'ok', subject, `valid until ${to.toISOString()} (${days} days left)`)
  }
}

function checkKeyMatches(server: X509Certificate, keyPem: string, add: Add): void {
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' })
    const fromCert = server.publicKey.export({ type: 'spki', format: 'der' })
    if (fromKey.equals(fromCert)) add('ok', 'server key', 'matches the server certificate')
    else add('error', 'server key', 'does not match the server certificate')
  } catch (error) {
    add('error', 'server key', `cannot be read: ${(error as Error).message}`)
  }
}
