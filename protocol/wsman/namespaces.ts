/**
 * Namespace URIs, action URIs and ResourceURI prefixes of WS-MAN as AMT speaks it
 * (redirection-wsman.md §4.3, §4.4).
 */

import { ErrorCode } from '../errors.js'
import { WsmanError } from './errors.js'

export const NS = {
  SOAP: 'http://www.w3.org/2003/05/soap-envelope',
  ADDRESSING: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  WSMAN: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  TRUST: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  WSS: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  CIMBINDING: 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd',
  ENUMERATION: 'http://schemas.xmlsoap.org/ws/2004/09/enumeration',
  TRANSFER: 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
  EVENTING: 'http://schemas.xmlsoap.org/ws/2004/08/eventing',
  COMMON: 'http://schemas.dmtf.org/wbem/wscim/1/common',
  XSI: 'http://www.w3.org/2001/XMLSchema-instance',
  IDENTITY: 'http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd',
  DASH: 'http://schemas.dmtf.org/wbem/dash/1/dash.xsd',
} as const

export const ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'

export const ACTION = {
  GET: `${NS.TRANSFER}/Get`,
  PUT: `${NS.TRANSFER}/Put`,
  CREATE: `${NS.TRANSFER}/Create`,
  DELETE: `${NS.TRANSFER}/Delete`,
  ENUMERATE: `${NS.ENUMERATION}/Enumerate`,
  PULL: `${NS.ENUMERATION}/Pull`,
  RELEASE: `${NS.ENUMERATION}/Release`,
  ADDRESSING_FAULT: `${NS.ADDRESSING}/fault`,
  WSMAN_FAULT: 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault',
  ENUMERATION_FAULT: `${NS.ENUMERATION}/fault`,
  TRANSFER_FAULT: `${NS.TRANSFER}/fault`,
} as const

/** Class-name prefix → ResourceURI base (MeshCommander `CompleteName`). */
export const RESOURCE_URI_BASES = {
  AMT_: 'http://intel.com/wbem/wscim/1/amt-schema/1/',
  CIM_: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/',
  IPS_: 'http://intel.com/wbem/wscim/1/ips-schema/1/',
} as const

/** `AMT_GeneralSettings` → `http://intel.com/wbem/wscim/1/amt-schema/1/AMT_GeneralSettings`. */
export function resourceUriFor(className: string): string {
  for (const [prefix, base] of Object.entries(RESOURCE_URI_BASES)) {
    if (className.startsWith(prefix)) return base + className
  }
  throw new WsmanError(ErrorCode.WSMAN_ERR_INVALID_VALUE, `class ${JSON.stringify(className)} has no AMT_, CIM_ or IPS_ prefix`)
}

/** A class name or a full ResourceURI → the ResourceURI. */
export function toResourceUri(classOrUri: string): string {
  return classOrUri.includes('://') ? classOrUri : resourceUriFor(classOrUri)
}

/** The class a ResourceURI names (its last path segment), or null when it is not one of AMT's bases. */
export function classNameOf(resourceUri: string): string | null {
  for (const base of Object.values(RESOURCE_URI_BASES)) {
    if (resourceUri.startsWith(base)) {
      const rest = resourceUri.slice(base.length)
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest) ? rest : null
    }
  }
  return null
}
