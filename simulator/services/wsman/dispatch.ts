/**
 * One parsed WS-MAN request → the envelope the simulated firmware answers with, and its HTTP
 * status (200, or 400 for a fault). Pure over the device state: no I/O.
 */

import {
  classNameOf,
  FAULTS,
  type IdentifyInfo,
  type Properties,
  type ResponseHeader,
  type Selector,
  type WsmanFault,
  type WsmanInstance,
  type WsmanRequest,
  type WsmanResponse,
} from '../../../protocol/wsman/index.js'
import type { DeviceIdentity } from '../../identity.js'
import { SIMULATED_CLASSES, type ClassContext, type ResourceClass } from './classes/index.js'
import { versionParts } from './classes/types.js'

export interface DispatchResult {
  readonly status: 200 | 400
  readonly response: WsmanResponse
}

export function identifyInfo(identity: DeviceIdentity): IdentifyInfo {
  const [major, minor] = versionParts(identity)
  return {
    protocolVersion: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    productVendor: 'Intel(r)',
    productVersion: `AMT ${major}.${minor}`,
    dashVersion: '1.0.0',
    // [inferred] the Digest profiles, over HTTP (16992) and HTTPS (16993).
    securityProfiles: [
      'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/digest',
      'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/digest',
    ],
  }
}

/** A fault reply. Like the captured DestinationUnreachable, it carries no ResourceURI. */
export function faultResult(ctx: ClassContext, relatesTo: string, fault: WsmanFault): DispatchResult {
  return { status: 400, response: { kind: 'fault', header: { relatesTo, messageId: ctx.state.nextMessageId(), resourceUri: null }, fault } }
}

/** The first instance whose key properties match every plain selector (unknown names are ignored). */
function selectInstance(instances: readonly WsmanInstance[], selectors: readonly Selector[]): WsmanInstance | undefined {
  return instances.find((i) =>
    selectors.every((s) => typeof s.value !== 'string' || !Object.prototype.hasOwnProperty.call(i.properties, s.name) || i.properties[s.name] === s.value),
  )
}

type Addressed = Exclude<WsmanRequest, { kind: 'identify' }>

function handleWithClass(request: Addressed, cls: ResourceClass, ctx: ClassContext, header: () => ResponseHeader): DispatchResult {
  const fault = (f: WsmanFault): DispatchResult => faultResult(ctx, request.messageId, f)
  switch (request.kind) {
    case 'get': {
      const found = selectInstance(cls.instances(ctx), request.selectors)
      return found === undefined ? fault(FAULTS.invalidSelectors) : { status: 200, response: { kind: 'get', header: header(), instance: found } }
    }
    case 'put':
      return put(request.properties, request.selectors, cls, ctx, header, fault)
    case 'enumerate':
      return { status: 200, response: { kind: 'enumerate', header: header(), context: ctx.state.enumerations.start(cls.instances(ctx)) } }
    case 'pull': {
      const page = ctx.state.enumerations.pull(request.context, request.maxElements)
      if (page === null) return fault(FAULTS.invalidEnumerationContext)
      return { status: 200, response: { kind: 'pull', header: header(), items: page.items, context: page.context, endOfSequence: page.context === null } }
    }
    case 'release':
      return ctx.state.enumerations.release(request.context) ? { status: 200, response: { kind: 'release', header: header() } } : fault(FAULTS.invalidEnumerationContext)
    case 'invoke': {
      const method = cls.methods?.[request.method]
      if (method === undefined) return fault(FAULTS.actionNotSupported)
      const result = method(ctx, request.input)
      if ('fault' in result) return fault(result.fault)
      return { status: 200, response: { kind: 'invoke', header: header(), method: request.method, output: result.output } }
    }
    case 'delete':
    case 'create':
    case 'other':
      return fault(FAULTS.actionNotSupported)
    default: {
      const never: never = request
      return fault({ ...FAULTS.internalError, detail: JSON.stringify(never).slice(0, 80) })
    }
  }
}

function put(
  properties: Properties,
  selectors: readonly Selector[],
  cls: ResourceClass,
  ctx: ClassContext,
  header: () => ResponseHeader,
  fault: (f: WsmanFault) => DispatchResult,
): DispatchResult {
  if (cls.put === undefined) return fault(FAULTS.actionNotSupported)
  if (selectInstance(cls.instances(ctx), selectors) === undefined) return fault(FAULTS.invalidSelectors)
  const refused = cls.put(ctx, properties)
  if (refused !== null) return fault(refused)
  const updated = selectInstance(cls.instances(ctx), selectors) ?? cls.instances(ctx)[0]
  if (updated === undefined) return fault(FAULTS.internalError)
  return { status: 200, response: { kind: 'put', header: header(), instance: updated } }
}

export function dispatchWsman(request: WsmanRequest, ctx: ClassContext): DispatchResult {
  if (request.kind === 'identify') return { status: 200, response: { kind: 'identify', identity: identifyInfo(ctx.identity) } }
  const className = classNameOf(request.resourceUri)
  const cls = className === null ? undefined : SIMULATED_CLASSES.get(className)
  // Unknown resources get AMT's captured answer (redirection-wsman.md §5).
  if (cls === undefined) return faultResult(ctx, request.messageId, FAULTS.destinationUnreachable)
  const header = (): ResponseHeader => ({ relatesTo: request.messageId, messageId: ctx.state.nextMessageId(), resourceUri: request.resourceUri })
  return handleWithClass(request, cls, ctx, header)
}
