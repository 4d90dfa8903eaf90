/**
 * The HTTP replies of AMT's web server on 16992, as captured (redirection-wsman.md §4.1, §4.2):
 * chunked 200/400 SOAP replies, the 401 Digest challenge with its HTML "Log on failed" page
 * and Connection: close, and bare errors for what is not WS-MAN at all.
 */

import { buildDigestChallenge } from '../../../protocol/digest/index.js'
import { encodeChunkedBody, encodeHttpResponseHead, type HttpHeaders } from '../../../protocol/wsman/index.js'
import type { DeviceIdentity } from '../../identity.js'
import { versionParts } from './classes/types.js'

export function serverHeader(identity: DeviceIdentity): string {
  return `Intel(R) Active Management Technology ${identity.amtVersion}.${identity.amtBuild}`
}

/**
 * The 401 page. Captured on 15.0 with `valign="middle"` (693 bytes) and on 11.8 with
 * `valign="top"` (690 bytes); firmware before 12 gets "top". [inferred: where it changed]
 */
export function unauthorizedPage(identity: DeviceIdentity): Buffer {
  const [major] = versionParts(identity)
  const valign = major < 12 ? 'top' : 'middle'
  return Buffer.from(
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" >\n<html><head><link rel=stylesheet href=/styles.css>\n' +
      '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<title>Intel&reg; Active Management Technology</title></head>\n' +
      '<body>\n<table class=header>\n<tr><td valign=top nowrap>\n<p class=top1>Intel<font class=r><sup>&reg;</sup></font> Active Management Technology\n' +
      `<td valign="${valign}"><img src="logo.gif" align="right" alt="Intel">\n</table>\n<br />\n` +
      '<h2 class=warn>Log on failed. Incorrect user name or password, or user account temporarily locked.</h2>\n\n<p>\n' +
      '<form METHOD="GET" action="index.htm"><h2><input type=submit value="Try again">\n</h2></form>\n<p>\n\n</body>\n</html>\n',
    'latin1',
  )
}

export function encodeUnauthorized(identity: DeviceIdentity, nonce: string, stale: boolean): Buffer {
  const page = unauthorizedPage(identity)
  const headers: HttpHeaders = [
    ['WWW-Authenticate', buildDigestChallenge({ realm: identity.digestRealm, nonce, stale, qop: ['auth'], opaque: null, algorithm: null })],
    ['Content-Type', 'text/html'],
    ['Server', serverHeader(identity)],
    ['Content-Length', String(page.length)],
    ['Connection', 'close'],
  ]
  return Buffer.concat([encodeHttpResponseHead(401, 'Unauthorized', headers), page])
}

/** 200 or 400 with a SOAP envelope, chunked as AMT does. */
export function encodeSoapReply(status: 200 | 400, xml: string, identity: DeviceIdentity, now: number, chunkSize: number): Buffer {
  const headers: HttpHeaders = [
    ['Date', new Date(now).toUTCString()],
    ['Server', serverHeader(identity)],
    ['X-Frame-Options', 'DENY'],
    ['Content-Type', 'application/soap+xml; charset=UTF-8'],
    ['Transfer-Encoding', 'chunked'],
  ]
  const head = encodeHttpResponseHead(status, status === 200 ? 'OK' : 'Bad Request', headers)
  return Buffer.concat([head, encodeChunkedBody(Buffer.from(xml, 'utf8'), chunkSize)])
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
}

/** An empty-bodied error for requests that are not WS-MAN (wrong path, method, framing). */
export function encodeBareError(status: number, identity: DeviceIdentity, close: boolean): Buffer {
  const headers: [string, string][] = [
    ['Server', serverHeader(identity)],
    ['Content-Length', '0'],
  ]
  if (status === 405) headers.push(['Allow', 'POST'])
  if (close) headers.push(['Connection', 'close'])
  return encodeHttpResponseHead(status, REASONS[status] ?? 'Error', headers)
}
