/**
 * The digest login of the redirection protocol (redirection-wsman.md §2.3): bodies for each
 * step and the response arithmetic, done by protocol/digest/compute.ts (HA1 = MD5(user:realm:
 * password), HA2 = MD5("POST:/RedirectionService"); type 4 with qop, type 3 RFC 2069 without).
 */

import { computeDigestResponse } from '../digest/compute.js'
import { timingSafeEqualText } from '../digest/verify.js'
import { AuthType, REDIRECTION_DIGEST_METHOD, REDIRECTION_DIGEST_URI } from './constants.js'
import type { AuthRequestBody } from './messages.js'

export type DigestAuthType = typeof AuthType.DIGEST | typeof AuthType.DIGEST_RFC2069
export type DigestBody = Extract<AuthRequestBody, { kind: 'digest' }>

/**
 * Step 1 of a digest login: the user and URI with every other string empty, so the device
 * answers with its challenge. L = ulen + urilen + 8 (type 3: + 7).
 */
export function digestStartBody(user: string, authType: DigestAuthType): DigestBody {
  return {
    kind: 'digest',
    user,
    realm: '',
    nonce: '',
    uri: REDIRECTION_DIGEST_URI,
    cnonce: '',
    nc: '',
    response: '',
    qop: authType === AuthType.DIGEST ? '' : null,
  }
}

export interface DigestAnswerInput {
  readonly user: string
  readonly password: string
  readonly realm: string
  readonly nonce: string
  /** "auth" for type 4; null for type 3. */
  readonly qop: string | null
  readonly nc: string
  readonly cnonce: string
  readonly uri?: string
}

/** Step 3: the console's answer to a challenge, with the 32 lower-case hex digit response. */
export function digestAnswerBody(input: DigestAnswerInput): DigestBody {
  const uri = input.uri ?? REDIRECTION_DIGEST_URI
  const withQop = input.qop !== null
  const response = computeDigestResponse({
    username: input.user,
    realm: input.realm,
    password: input.password,
    method: REDIRECTION_DIGEST_METHOD,
    uri,
    nonce: input.nonce,
    ...(withQop ? { qop: input.qop ?? '', nc: input.nc, cnonce: input.cnonce } : {}),
  })
  return {
    kind: 'digest',
    user: input.user,
    realm: input.realm,
    nonce: input.nonce,
    uri,
    // RFC 2069 (type 3) has no cnonce or nc; the strings stay in the layout, empty.
    cnonce: withQop ? input.cnonce : '',
    nc: withQop ? input.nc : '',
    response,
    qop: input.qop,
  }
}

/**
 * The device's check of a console's answer: the response recomputed with the password it
 * knows. nc and cnonce are taken as sent: clients differ ("00000002" always, or counting from
 * "00000001"; 32 or 20 hex digits), so neither their value nor their length is validated.
 */
export function verifyDigestAnswer(body: DigestBody, password: string): boolean {
  const expected = computeDigestResponse({
    username: body.user,
    realm: body.realm,
    password,
    method: REDIRECTION_DIGEST_METHOD,
    uri: body.uri,
    nonce: body.nonce,
    ...(body.qop !== null ? { qop: body.qop, nc: body.nc, cnonce: body.cnonce } : {}),
  })
  // Constant time: how much of a guess matched must not show in how long the check took.
  return timingSafeEqualText(expected, body.response.toLowerCase())
}

/** Is this digest body a first step (no response yet)? */
export function isDigestStart(body: DigestBody): boolean {
  return body.response === '' && body.nonce === ''
}
