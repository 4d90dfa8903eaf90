/**
 * The device's own check of the gateway certificate, done the way AMT does it: against the one
 * root it was provisioned with, for the one gateway name it was configured with.
 *
 * Why not Node's check: after a verified handshake Node always builds the full JS form of the
 * peer chain (`getPeerCertificate(true)`: fingerprints, key, every field of every certificate)
 * to run `checkServerIdentity`, ~0.4–1 ms per connection, a fifth of a simulated device's connect
 * cost. Here OpenSSL's trust store is left empty (so Node skips that step), and the leaf is
 * checked with X509Certificate: issued and signed by the root (or by an intermediate the gateway
 * sent, walked only when the leaf is not issued by the root), valid now, the right name, and for
 * AMT 12 the nsCertType extension. Results are cached per leaf fingerprint, since every device of
 * a fleet sees the same gateway certificate; validity dates are checked on every connection.
 * The TLS handshake itself still proves the gateway holds the leaf's key (CertificateVerify).
 */

import { X509Certificate } from 'node:crypto'
import { isIP } from 'node:net'
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls'

type PeerCertificate = DetailedPeerCertificate
import forge from 'node-forge'
import { ErrorCode } from '../../protocol/errors.js'
import { SimulatorError } from '../errors.js'

export const NS_CERT_TYPE_OID = '2.16.840.1.113730.1.1'

/** Distinct gateway certificates remembered per process (a fleet sees one or two). */
const CACHE_LIMIT = 64

interface Verdict {
  readonly trusted: boolean
  readonly nameMatches: boolean
  readonly nsCertType: boolean
  readonly notBefore: number
  readonly notAfter: number
}

/** An error whose `code` is what Node's own check would have said, so failures count the same. */
function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

export class GatewayCertificateCheck {
  private readonly root: X509Certificate
  private readonly verdicts = new Map<string, Verdict>()

  constructor(rootPem: string) {
    this.root = new X509Certificate(rootPem)
  }

  /** Undefined when the gateway is acceptable for `name`; otherwise why not (with a Node-style `code`). */
  check(socket: TLSSocket, name: string, requireNsCertType: boolean, now = Date.now()): Error | undefined {
    const leaf = socket.getPeerX509Certificate()
    if (leaf === undefined) return coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'gateway sent no certificate')
    const v = this.verdictFor(leaf, name, socket)
    if (!v.trusted) return coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE', `gateway certificate is not from the provisioned root (issuer ${leaf.issuer.replace(/\n/g, ', ')})`)
    if (now < v.notBefore) return coded('CERT_NOT_YET_VALID', `gateway certificate is not valid before ${leaf.validFrom}`)
    if (now > v.notAfter) return coded('CERT_HAS_EXPIRED', `gateway certificate expired on ${leaf.validTo}`)
    if (!v.nameMatches) return coded('ERR_TLS_CERT_ALTNAME_INVALID', `gateway certificate does not name ${name}`)
    if (requireNsCertType && !v.nsCertType) {
      return new SimulatorError(ErrorCode.SIM_ERR_NS_CERT_TYPE, 'gateway certificate has no nsCertType extension, which AMT 12 requires')
    }
    return undefined
  }

  private verdictFor(leaf: X509Certificate, name: string, socket: TLSSocket): Verdict {
    const key = `${leaf.fingerprint256}|${name}`
    let v = this.verdicts.get(key)
    if (v === undefined) {
      v = {
        trusted: this.issuedByRoot(leaf) || this.chainReachesRoot(socket, leaf),
        nameMatches: matchesName(leaf, name),
        nsCertType: hasExtension(leaf.raw, NS_CERT_TYPE_OID),
        notBefore: Date.parse(leaf.validFrom),
        notAfter: Date.parse(leaf.validTo),
      }
      if (this.verdicts.size >= CACHE_LIMIT) this.verdicts.clear()
      this.verdicts.set(key, v)
    }
    return v
  }

  private issuedByRoot(cert: X509Certificate): boolean {
    return cert.checkIssued(this.root) && cert.verify(this.root.publicKey)
  }

  /** Leaf → intermediates the gateway sent → the root, each link signed by the next. */
  private chainReachesRoot(socket: TLSSocket, leaf: X509Certificate): boolean {
    let current: PeerCertificate | undefined = socket.getPeerCertificate(true)
    let cert = leaf
    for (let depth = 0; depth < 8; depth++) {
      if (this.issuedByRoot(cert)) return true
      const up: PeerCertificate | undefined = current?.issuerCertificate
      // Node ends the chain with a self-reference or an empty object.
      if (up === undefined || up === current || !Buffer.isBuffer(up.raw)) return false
      const issuer = new X509Certificate(up.raw)
      if (!issuer.ca || !cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return false
      current = up
      cert = issuer
    }
    return false
  }
}

/** The configured name in a subjectAltName (DNS or IP) or, as older firmware checks, the subject CN. */
export function matchesName(cert: X509Certificate, name: string): boolean {
  if (isIP(name) !== 0) {
    if (cert.checkIP(name) !== undefined) return true
  } else if (cert.checkHost(name) !== undefined) return true
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1]
  return cn !== undefined && cn.toLowerCase() === name.toLowerCase()
}

/**
 * Whether a DER certificate carries an extension, read from the ASN.1 directly (forge's
 * certificate parser only takes RSA keys):
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   TBSCertificate ::= SEQUENCE { ..., extensions [3] EXPLICIT SEQUENCE OF Extension }
 *   Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 */
export function hasExtension(der: Buffer, oid: string): boolean {
  try {
    const cert = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')))
    const tbs = (cert.value as forge.asn1.Asn1[])[0]
    if (tbs === undefined || !Array.isArray(tbs.value)) return false
    const wrapper = tbs.value.find((node) => node.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && node.type === 3)
    const list = wrapper !== undefined && Array.isArray(wrapper.value) ? wrapper.value[0] : undefined
    if (list === undefined || !Array.isArray(list.value)) return false
    return list.value.some((ext) => {
      const id = Array.isArray(ext.value) ? ext.value[0] : undefined
      return id !== undefined && typeof id.value === 'string' && forge.asn1.derToOid(id.value) === oid
    })
  } catch {
    return false
  }
}
