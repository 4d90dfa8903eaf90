/**
 * Certificates for CIRA, made with node-forge: a private root CA, gateway server certificates
 * and device client certificates, with what AMT firmware checks (the vendor's guide):
 *
 * - the gateway FQDN in the subject CN and in a DNS subjectAltName (IP SANs when given);
 * - keyUsage digitalSignature + keyEncipherment; extKeyUsage serverAuth + clientAuth;
 * - subject and authority key identifiers;
 * - the legacy Netscape `nsCertType` extension, without which AMT 12 refuses the gateway.
 *
 * RSA keys come from node:crypto (native, fast) and are handed to forge as PEM.
 */

import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import forge from 'node-forge'

export const SUPPORTED_KEY_SIZES = [1024, 1536, 2048, 3072, 4096] as const
export type KeySize = (typeof SUPPORTED_KEY_SIZES)[number]

export interface CertificateAndKey {
  readonly certificatePem: string
  readonly privateKeyPem: string
}

export interface RootCaOptions {
  readonly commonName?: string
  readonly organization?: string
  readonly keySize?: KeySize
  readonly days?: number
  readonly notBefore?: Date
}

export interface ServerCertificateOptions {
  readonly fqdn: string
  readonly ips?: readonly string[]
  readonly keySize?: KeySize
  readonly days?: number
  readonly notBefore?: Date
  /** Add the Netscape nsCertType extension (AMT 12 requires it). Default true. */
  readonly nsCertType?: boolean
  readonly organization?: string
}

export interface ClientCertificateOptions {
  /** The device's UUID, or any name the gateway maps to a device. */
  readonly commonName: string
  readonly keySize?: KeySize
  readonly days?: number
  readonly notBefore?: Date
}

const DEFAULT_DAYS = 825
const DAY_MS = 24 * 60 * 60 * 1000

export function generateRsaKeyPem(keySize: KeySize = 2048): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: keySize,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return privateKey
}

/** A positive serial with 63 random bits, as CA/B rules ask. */
function randomSerial(): string {
  const bytes = randomBytes(8)
  bytes[0] = (bytes[0] as number) & 0x7f
  return bytes.toString('hex')
}

function validity(cert: forge.pki.Certificate, notBefore: Date | undefined, days: number): void {
  const start = notBefore ?? new Date(Date.now() - 60_000)
  cert.validity.notBefore = start
  cert.validity.notAfter = new Date(start.getTime() + days * DAY_MS)
}

interface Built {
  readonly cert: forge.pki.Certificate
  readonly keyPem: string
}

function newCertificate(keySize: KeySize, subject: forge.pki.CertificateField[], notBefore: Date | undefined, days: number): Built {
  const keyPem = generateRsaKeyPem(keySize)
  const privateKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e)
  cert.serialNumber = randomSerial()
  validity(cert, notBefore, days)
  cert.setSubject(subject)
  return { cert, keyPem }
}

function pemOf(built: Built): CertificateAndKey {
  return { certificatePem: forge.pki.certificateToPem(built.cert), privateKeyPem: built.keyPem }
}

export function createRootCa(options: RootCaOptions = {}): CertificateAndKey {
  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: options.commonName ?? 'ciralab Root CA' },
    { name: 'organizationName', value: options.organization ?? 'ciralab' },
  ]
  const built = newCertificate(options.keySize ?? 2048, subject, options.notBefore, options.days ?? DEFAULT_DAYS)
  built.cert.setIssuer(subject)
  built.cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ])
  built.cert.setExtensions([...built.cert.extensions, { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdOf(built.cert) }])
  built.cert.sign(forge.pki.privateKeyFromPem(built.keyPem), forge.md.sha256.create())
  return pemOf(built)
}

function subjectKeyIdOf(cert: forge.pki.Certificate): string {
  return forge.pki.getPublicKeyFingerprint(cert.publicKey, { type: 'RSAPublicKey', encoding: 'binary' }) as unknown as string
}

function signWith(built: Built, ca: CertificateAndKey): void {
  const caCert = forge.pki.certificateFromPem(ca.certificatePem)
  built.cert.setIssuer(caCert.subject.attributes)
  built.cert.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create())
}

export function issueServerCertificate(ca: CertificateAndKey, options: ServerCertificateOptions): CertificateAndKey {
  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: options.fqdn },
    { name: 'organizationName', value: options.organization ?? 'ciralab' },
  ]
  const built = newCertificate(options.keySize ?? 2048, subject, options.notBefore, options.days ?? DEFAULT_DAYS)
  const altNames: { type: number; value?: string; ip?: string }[] = []
  if (isIP(options.fqdn) === 0) altNames.push({ type: 2, value: options.fqdn })
  else altNames.push({ type: 7, ip: options.fqdn })
  for (const ip of options.ips ?? []) altNames.push({ type: 7, ip })
  const caCert = forge.pki.certificateFromPem(ca.certificatePem)
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdOf(caCert) },
  ]
  if (options.nsCertType !== false) extensions.push({ name: 'nsCertType', server: true, client: true })
  built.cert.setExtensions(extensions)
  signWith(built, ca)
  return pemOf(built)
}

export function issueClientCertificate(ca: CertificateAndKey, options: ClientCertificateOptions): CertificateAndKey {
  const subject: forge.pki.CertificateField[] = [{ name: 'commonName', value: options.commonName }]
  const built = newCertificate(options.keySize ?? 2048, subject, options.notBefore, options.days ?? DEFAULT_DAYS)
  const caCert = forge.pki.certificateFromPem(ca.certificatePem)
  built.cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyIdOf(caCert) },
  ])
  signWith(built, ca)
  return pemOf(built)
}
