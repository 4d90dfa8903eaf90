/**
 * How a simulated device reaches the gateway over TLS, built once per process and shared by every
 * device: the SecureContexts (one per TLS version ceiling; measured here: 32 KB per connection
 * with a shared context instead of 46 KB), the trusted root the device was "provisioned" with,
 * and the configured gateway name.
 *
 * AMT validates the gateway certificate against that root and the configured FQDN or IP (Open
 * AMT docs, troubleshooting); AMT 12 also wants the nsCertType extension. With a provisioned root
 * (--ca) the check is ours (tls-verify.ts, cheaper than Node's); with the system store it is
 * Node's, with the same name and nsCertType rules added through `checkServerIdentity`.
 */

import { isIP } from 'node:net'
import tls from 'node:tls'
import { ErrorCode } from '../../protocol/errors.js'
import type { FailureReason } from '../reasons.js'
import { SimulatorError } from '../errors.js'
import { GatewayCertificateCheck, hasExtension, NS_CERT_TYPE_OID } from './tls-verify.js'


export interface TransportOptions {
  /** `plain` speaks APF over bare TCP (--plain). */
  readonly mode: 'tls' | 'plain'
  /** PEM of the root the devices trust (--ca); the system store when absent. */
  readonly caPem?: string
  /** The gateway name devices were provisioned with (--servername); the connect host when absent. */
  readonly servername?: string
  /** Skip every certificate check (--insecure). */
  readonly insecure?: boolean
}

export type TlsCeiling = '1.2' | '1.3'

export class DeviceTls {
  readonly mode: 'tls' | 'plain'
  readonly insecure: boolean
  readonly servername: string | undefined
  private readonly contexts = new Map<TlsCeiling, tls.SecureContext>()
  private readonly caPem: string | undefined
  /** Our own check, when a root was provisioned and checks are on. */
  private readonly ownCheck: GatewayCertificateCheck | null
  /** nsCertType presence by certificate fingerprint (system-store path). */
  private readonly nsCertTypeSeen = new Map<string, boolean>()
  private readonly nodeCheck = (host: string, cert: tls.PeerCertificate): Error | undefined => this.checkName(host, cert)
  private readonly nodeCheckAmt12 = (host: string, cert: tls.PeerCertificate): Error | undefined =>
    this.checkName(host, cert) ?? this.checkNsCertType(cert)

  constructor(options: TransportOptions) {
    this.mode = options.mode
    this.insecure = options.insecure === true
    this.servername = options.servername
    this.caPem = options.caPem
    this.ownCheck = options.mode === 'tls' && !this.insecure && options.caPem !== undefined ? new GatewayCertificateCheck(options.caPem) : null
  }

  /** The process's SecureContext for a TLS version ceiling, made on first use. */
  secureContext(ceiling: TlsCeiling = '1.2'): tls.SecureContext {
    let context = this.contexts.get(ceiling)
    if (context === undefined) {
      // With our own check, OpenSSL gets an empty trust store (`ca: []`): every chain fails its
      // verification, which is what makes Node skip its costly identity step (see tls-verify.ts).
      const ca = this.ownCheck !== null ? { ca: [] as string[] } : this.caPem !== undefined ? { ca: this.caPem } : {}
      context = tls.createSecureContext({ ...ca, minVersion: 'TLSv1.2', maxVersion: ceiling === '1.3' ? 'TLSv1.3' : 'TLSv1.2' })
      this.contexts.set(ceiling, context)
    }
    return context
  }

  /** Options for `tls.connect` (add host, port or socket). */
  connectOptions(requireNsCertType: boolean, ceiling: TlsCeiling = '1.2'): tls.ConnectionOptions {
    const name = this.servername
    return {
      secureContext: this.secureContext(ceiling),
      // SNI carries names only; an IP "servername" is checked but not sent.
      ...(name !== undefined && isIP(name) === 0 ? { servername: name } : {}),
      rejectUnauthorized: !this.insecure && this.ownCheck === null,
      ...(this.ownCheck === null ? { checkServerIdentity: requireNsCertType ? this.nodeCheckAmt12 : this.nodeCheck } : {}),
    }
  }

  /** After the handshake: undefined when the gateway is acceptable (or Node already checked it). */
  verify(socket: tls.TLSSocket, host: string, requireNsCertType: boolean): Error | undefined {
    return this.ownCheck?.check(socket, this.servername ?? host, requireNsCertType)
  }

  private checkName(host: string, cert: tls.PeerCertificate): Error | undefined {
    const name = this.servername ?? host
    const error = tls.checkServerIdentity(name, cert)
    if (error === undefined) return undefined
    const cn = cert.subject?.CN
    if (typeof cn === 'string' && cn.toLowerCase() === name.toLowerCase()) return undefined
    return error
  }

  private checkNsCertType(cert: tls.PeerCertificate): Error | undefined {
    let present = this.nsCertTypeSeen.get(cert.fingerprint256)
    if (present === undefined) {
      present = hasExtension(cert.raw, NS_CERT_TYPE_OID)
      this.nsCertTypeSeen.set(cert.fingerprint256, present)
    }
    if (present) return undefined
    return new SimulatorError(ErrorCode.SIM_ERR_NS_CERT_TYPE, 'gateway certificate has no nsCertType extension, which AMT 12 requires')
  }
}

const UNKNOWN_ROOT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
])

/** Map a socket or TLS error to the reason the summary counts. */
export function classifyConnectError(error: unknown): FailureReason {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : ''
  if (code === 'ECONNREFUSED') return 'tcp-refused'
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'tcp-reset'
  if (code === 'ETIMEDOUT') return 'tcp-timeout'
  if (code === 'EADDRNOTAVAIL' || code === 'EADDRINUSE') return 'source-address'
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'tls-wrong-name'
  if (code === ErrorCode.SIM_ERR_NS_CERT_TYPE) return 'tls-no-nscerttype'
  if (UNKNOWN_ROOT.has(code)) return 'tls-unknown-root'
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return 'tls-expired'
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return 'tls-error'
  return 'tcp-error'
}
