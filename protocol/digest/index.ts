/** HTTP Digest for WS-MAN (16992) and the redirection digest login: import from here. */
export { computeDigestResponse, computeHa1, computeHa2, md5Hex, md5HexOfBytes, type DigestInput } from './compute.js'
export { DigestError, type DigestErrorCode } from './errors.js'
export {
  DEFAULT_DIGEST_LIMITS,
  DIGEST_CLIENT_STYLES,
  buildDigestAuthorization,
  buildDigestChallenge,
  parseDigestAuthorization,
  parseDigestChallenge,
  parseDigestParameters,
  splitQopList,
  type DigestAuthorization,
  type DigestChallenge,
  type DigestClientStyle,
  type DigestLimits,
  type DigestParameter,
} from './header.js'
export {
  CNONCE_RANDOM_BYTES,
  SERVER_NONCE_RANDOM_BYTES,
  formatClientNonce,
  formatNonceCount,
  formatServerNonce,
  isServerNonceText,
} from './nonce.js'
export { timingSafeEqualText, verifyDigestAuthorization, type DigestExpectation, type DigestVerdict } from './verify.js'
