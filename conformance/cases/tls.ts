/**
 * tls/*: the device endpoint's certificate as firmware sees it. Firmware checks the chain
 * against the root it was given and the configured name (apf.md §2.1 step 1); the simulated
 * device must notice a certificate it would reject, and the gateway must offer what old
 * firmware can use.
 */

import { X509Certificate } from 'node:crypto'
import { createRootCa } from '../../pki/certificates.js'
import { describeError, describeTls, ProbeDevice } from '../probe/probe-device.js'
import { info, pass, violation, type CaseContext, type ConformanceCase, type Outcome } from '../model.js'
import { openProbe } from './support.js'

/** Connect with a firmware-like check that must fail; passes when the probe rejects the certificate. */
async function mustReject(ctx: CaseContext, name: string, check: { caPem?: string; serverName?: string }, expectedCodes: readonly string[]): Promise<Outcome> {
  const transcript = ctx.evidence.transcript(name, `TLS ${ctx.target.device.host}:${ctx.target.device.port}`)
  try {
    const probe = await ProbeDevice.connect(ctx.target.device, transcript, { tls: check })
    await probe.close()
    return violation(`the device to refuse the certificate (${expectedCodes.join(' or ')})`, 'the handshake succeeded')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (expectedCodes.includes(code)) return pass(`refused: ${describeError(error)}`)
    return violation(`refusal ${expectedCodes.join(' or ')}`, describeError(error))
  }
}

const UNTRUSTED_CODES = ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE']

export const tlsCases: readonly ConformanceCase[] = [
  {
    id: 'tls/cert/1',
    title: 'the certificate verifies as firmware checks it',
    requirement: 'The device endpoint\'s certificate must chain to the root the target says firmware was given and carry the configured name; otherwise no firmware connects.',
    source: 'apf.md §2.1 step 1 (Docs Reference/troubleshooting.md)',
    level: 'MUST',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 10_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const tls = probe.tlsSocket
      return pass(tls === null ? 'verified' : `verified for ${ctx.target.device.serverName ?? ctx.target.device.host}: ${describeTls(tls)}`)
    },
  },
  {
    id: 'tls/reject/1',
    title: 'the device notices a certificate for another name',
    requirement: 'Checked against a name the certificate does not carry, the simulated device must refuse the handshake (ERR_TLS_CERT_ALTNAME_INVALID), as firmware configured for another MPS name would.',
    source: 'apf.md §2.1 step 1',
    level: 'MUST',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 10_000,
    run: (ctx) => mustReject(ctx, 'wrong-name', { serverName: 'wrong-name.ciralab.invalid' }, ['ERR_TLS_CERT_ALTNAME_INVALID']),
  },
  {
    id: 'tls/reject/2',
    title: 'the device notices a certificate from an unknown root',
    requirement: 'Trusting only a different root, the simulated device must refuse the handshake, as firmware provisioned with another root would.',
    source: 'apf.md §2.1 step 1',
    level: 'MUST',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 20_000,
    run: (ctx) => mustReject(ctx, 'unknown-root', { caPem: createRootCa({ commonName: 'ciralab Stranger Root', keySize: 2048 }).certificatePem }, UNTRUSTED_CODES),
  },
  {
    id: 'tls/cert/2',
    title: 'an RSA key size firmware accepts',
    requirement: 'The gateway certificate should use an RSA key of 2048 or 3072 bits, the sizes MPS allows for AMT (ALLOWED_MPS_CERT_KEY_SIZES).',
    source: 'apf.md §2.1 step 1',
    level: 'SHOULD',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 10_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const raw = probe.tlsSocket?.getPeerX509Certificate()
      if (raw === undefined) return violation('a peer certificate', 'none')
      const cert = new X509Certificate(raw.raw)
      const key = cert.publicKey
      const bits = key.asymmetricKeyDetails?.modulusLength
      const text = `${key.asymmetricKeyType ?? '?'} ${bits ?? '?'} bits, subject ${cert.subject.replace(/\n/g, ', ')}`
      return key.asymmetricKeyType === 'rsa' && (bits === 2048 || bits === 3072) ? pass(text) : violation('RSA 2048 or 3072', text)
    },
  },
  {
    id: 'tls/version/1',
    title: 'TLS 1.2 with an AMT-era cipher',
    requirement: 'Older AMT firmware speaks TLS 1.2 with RSA key exchange (Console adds TLS_RSA_WITH_AES_128_CBC_SHA "for AMT device compatibility"); a gateway should accept such a handshake.',
    source: 'apf.md §2.1 step 1 (Console tunnel.go, MPS minVersion TLSv1)',
    level: 'SHOULD',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 10_000,
    async run(ctx) {
      const transcript = ctx.evidence.transcript('tls12-aes128-sha', `TLS ${ctx.target.device.host}:${ctx.target.device.port}`)
      try {
        const probe = await ProbeDevice.connect(ctx.target.device, transcript, { tls: { ciphers: 'AES128-SHA:AES256-SHA:AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } })
        const tls = probe.tlsSocket
        const negotiated = tls === null ? 'accepted' : describeTls(tls)
        await probe.close()
        return pass(negotiated)
      } catch (error) {
        return violation('a TLS 1.2 handshake with AES128-SHA / AES256-SHA / AES128-GCM-SHA256', describeError(error))
      }
    },
  },
  {
    id: 'tls/version/2',
    title: 'what a current client negotiates',
    requirement: 'The protocol version and cipher a default modern client gets. Recorded.',
    source: 'apf.md §2.1 step 1',
    level: 'INFO',
    needs: ['device', 'device-tls'],
    fast: true,
    timeoutMs: 10_000,
    async run(ctx) {
      const probe = await openProbe(ctx, 'device')
      const tls = probe.tlsSocket
      return info(tls === null ? 'plain' : describeTls(tls))
    },
  },
]
