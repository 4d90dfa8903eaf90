/**
 * SOAP faults a device sends. DestinationUnreachable is AMT's captured answer to an unknown
 * resource (redirection-wsman.md §5); the others use the DSP0226 / WS-Addressing /
 * WS-Enumeration subcodes and reason texts, since AMT's own wording for them is not captured.
 */

import { ACTION, NS } from './namespaces.js'

export interface WsmanFault {
  /** soap:Code/Value local name: Sender or Receiver. */
  readonly code: string
  /** soap:Subcode/Value local name, e.g. DestinationUnreachable. */
  readonly subcode: string
  /** Namespace URI of the subcode (addressing, wsman, enumeration …). */
  readonly subcodeNamespace: string
  readonly reason: string
  readonly detail: string
}

function fault(code: string, subcode: string, subcodeNamespace: string, reason: string): WsmanFault {
  return Object.freeze({ code, subcode, subcodeNamespace, reason, detail: '' })
}

export const FAULTS = Object.freeze({
  destinationUnreachable: fault('Sender', 'DestinationUnreachable', NS.ADDRESSING, 'No route can be determined to reach the destination role defined by the WSAddressing To.'),
  actionNotSupported: fault('Sender', 'ActionNotSupported', NS.ADDRESSING, 'The action is not supported by the service.'),
  messageInformationHeaderRequired: fault('Sender', 'MessageInformationHeaderRequired', NS.ADDRESSING, 'A required message information header, To, MessageID, or Action, is not present.'),
  accessDenied: fault('Sender', 'AccessDenied', NS.WSMAN, 'The sender was not authorized to access the resource.'),
  invalidSelectors: fault('Sender', 'InvalidSelectors', NS.WSMAN, 'The Selectors for the resource were not valid.'),
  schemaValidationError: fault('Sender', 'SchemaValidationError', NS.WSMAN, 'The supplied SOAP violates the corresponding XML Schema definition.'),
  internalError: fault('Receiver', 'InternalError', NS.WSMAN, 'The service cannot comply with the request due to internal processing errors.'),
  invalidEnumerationContext: fault('Receiver', 'InvalidEnumerationContext', NS.ENUMERATION, 'The supplied enumeration context is invalid.'),
  invalidRepresentation: fault('Sender', 'InvalidRepresentation', NS.TRANSFER, 'The XML content is invalid.'),
})

/** The wsa:Action of a fault: each specification has its own fault action. */
export function faultAction(f: WsmanFault): string {
  switch (f.subcodeNamespace) {
    case NS.ADDRESSING:
      return ACTION.ADDRESSING_FAULT
    case NS.ENUMERATION:
      return ACTION.ENUMERATION_FAULT
    case NS.TRANSFER:
      return ACTION.TRANSFER_FAULT
    default:
      return ACTION.WSMAN_FAULT
  }
}
