/** WS-MAN envelopes and their HTTP framing, shared by the simulated device and the consoles. */
export { WsmanError, type WsmanErrorCode } from './errors.js'
export { FAULTS, faultAction, type WsmanFault } from './faults.js'
export {
  DEFAULT_HTTP_LIMITS,
  HttpStreamParser,
  encodeChunkedBody,
  encodeHttpRequest,
  encodeHttpResponseHead,
  headerValue,
  type HttpHeaders,
  type HttpLimits,
  type HttpMessage,
} from './http.js'
export {
  epr,
  listOf,
  makeProperties,
  textOf,
  type EndpointReference,
  type Properties,
  type PropertyValue,
  type ScalarValue,
  type Selector,
  type WsmanInstance,
  type WsmanObject,
} from './model.js'
export { ACTION, ANONYMOUS, NS, RESOURCE_URI_BASES, classNameOf, resourceUriFor, toResourceUri } from './namespaces.js'
export {
  buildWsmanRequest,
  checkMethodName,
  classNameFromUri,
  parseWsmanRequest,
  requestAction,
  type RequestCommon,
  type WsmanRequest,
  type WsmanRequestKind,
} from './request.js'
export {
  AMT_MESSAGE_ID_PREFIX,
  buildWsmanResponse,
  formatAmtMessageId,
  formatEnumerationContext,
  parseWsmanResponse,
  type IdentifyInfo,
  type ResponseHeader,
  type WsmanResponse,
} from './response.js'
export { DEFAULT_XML_LIMITS, parseXml, type XmlAttribute, type XmlElement, type XmlLimits } from './xml-reader.js'
export { escapeXmlAttribute, escapeXmlText } from './xml-writer.js'
