/**
 * A ready-made PKI for tests and benchmarks on loopback: one root CA and a gateway certificate
 * for `gateway.ciralab.test`, 127.0.0.1 and ::1. Made once per process (RSA keys take time).
 */

import { createRootCa, issueServerCertificate, type CertificateAndKey } from './certificates.js'

export interface LoopbackPki {
  readonly ca: CertificateAndKey
  readonly server: CertificateAndKey
  /** The name in the server certificate's CN and DNS SAN. */
  readonly serverName: string
}

export const LOOPBACK_SERVER_NAME = 'gateway.ciralab.test'

let cached: LoopbackPki | undefined

export function loopbackPki(): LoopbackPki {
  if (cached === undefined) {
    const ca = createRootCa({ commonName: 'ciralab Test Root' })
    const server = issueServerCertificate(ca, { fqdn: LOOPBACK_SERVER_NAME, ips: ['127.0.0.1', '::1'] })
    cached = { ca, server, serverName: LOOPBACK_SERVER_NAME }
  }
  return cached
}
