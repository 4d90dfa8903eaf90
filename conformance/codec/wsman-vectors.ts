/**
 * WS-MAN vectors: envelopes captured from AMT firmware (kept as test fixtures by the Open AMT
 * MPS and go-wsman-messages, redirection-wsman.md §0 MPS/GWM) with the value each decodes to,
 * and request shapes as the consoles send them. Every captured response is also built back
 * byte for byte; `chunkedLength` is the length AMT's chunk headers announced for it, an
 * independent check on the transcription.
 */

import { makeProperties, type WsmanRequest, type WsmanResponse } from '../../protocol/wsman/index.js'

const ANON = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'
const AMT = 'http://intel.com/wbem/wscim/1/amt-schema/1/'
const CIM = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/'

// The six declarations every AMT 200 response opens with (a..f), as captured.
const BASE =
  'xmlns:a="http://www.w3.org/2003/05/soap-envelope" xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:c="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:d="http://schemas.xmlsoap.org/ws/2005/02/trust" ' +
  'xmlns:e="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:f="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd"'
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>'

function header(relatesTo: string, action: string, messageId: string, resourceUri: string): string {
  return (
    `<a:Header><b:To>${ANON}</b:To><b:RelatesTo>${relatesTo}</b:RelatesTo><b:Action a:mustUnderstand="true">${action}</b:Action>` +
    `<b:MessageID>${messageId}</b:MessageID><c:ResourceURI>${resourceUri}</c:ResourceURI></a:Header>`
  )
}

export interface ResponseVector {
  readonly name: string
  readonly source: string
  readonly xml: string
  readonly chunkedLength: number | null
  readonly response: WsmanResponse
  /** Whether our builder reproduces `xml` byte for byte (false for pretty-printed fixtures). */
  readonly exact: boolean
}

export const CAPTURED_FAULT_XML =
  `${XML_DECL}<a:Envelope xmlns:g="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:f="http://schemas.xmlsoap.org/ws/2004/08/eventing" ` +
  'xmlns:e="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:d="http://schemas.xmlsoap.org/ws/2004/09/transfer" ' +
  'xmlns:c="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:b="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:a="http://www.w3.org/2003/05/soap-envelope" xmlns:h="http://schemas.xmlsoap.org/ws/2005/02/trust" ' +
  `xmlns:i="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ${XSI}>` +
  `<a:Header><b:To>${ANON}</b:To><b:RelatesTo>2</b:RelatesTo><b:Action a:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/fault</b:Action>` +
  '<b:MessageID>uuid:00000000-8086-8086-8086-00000000211E</b:MessageID></a:Header><a:Body><a:Fault><a:Code><a:Value>a:Sender</a:Value>' +
  '<a:Subcode><a:Value>b:DestinationUnreachable</a:Value></a:Subcode></a:Code><a:Reason><a:Text xml:lang="en-US">No route can be determined ' +
  'to reach the destination role defined by the WSAddressing To.</a:Text></a:Reason><a:Detail></a:Detail></a:Fault></a:Body></a:Envelope>'

const KVM_SETTINGS_PRETTY = `<?xml version= "1.0" encoding= "UTF-8"?>
<a:Envelope xmlns:a= "http://www.w3.org/2003/05/soap-envelope" xmlns:b= "http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:c= "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:d= "http://schemas.xmlsoap.org/ws/2005/02/trust" xmlns:e= "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:f= "http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" xmlns:g= "http://intel.com/wbem/wscim/1/ips-schema/1/IPS_KVMRedirectionSettingData"
    xmlns:xsi= "http://www.w3.org/2001/XMLSchema-instance">
    <a:Header>
        <b:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</b:To>
        <b:RelatesTo>0</b:RelatesTo>
        <b:Action a:mustUnderstand= "true">http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</b:Action>
        <b:MessageID>uuid:00000000-8086-8086-8086-00000000028D</b:MessageID>
        <c:ResourceURI>http://intel.com/wbem/wscim/1/ips-schema/1/IPS_KVMRedirectionSettingData</c:ResourceURI>
    </a:Header>
    <a:Body>
        <g:IPS_KVMRedirectionSettingData>
            <g:BackToBackFbMode>false</g:BackToBackFbMode>
            <g:DefaultScreen>0</g:DefaultScreen>
            <g:ElementName>Intel(r) KVM Redirection Settings</g:ElementName>
            <g:EnabledByMEBx>true</g:EnabledByMEBx>
            <g:InstanceID>Intel(r) KVM Redirection Settings</g:InstanceID>
            <g:Is5900PortEnabled>false</g:Is5900PortEnabled>
            <g:OptInPolicy>true</g:OptInPolicy>
            <g:OptInPolicyTimeout>300</g:OptInPolicyTimeout>
            <g:RFBPassword></g:RFBPassword>
            <g:SessionTimeout>3</g:SessionTimeout>
        </g:IPS_KVMRedirectionSettingData>
    </a:Body>
</a:Envelope>`

const POWER_SERVICE_EPR = {
  kind: 'epr' as const,
  address: ANON,
  resourceUri: `${CIM}CIM_PowerManagementService`,
  selectors: [
    { name: 'CreationClassName', value: 'CIM_PowerManagementService' },
    { name: 'Name', value: 'Intel(r) AMT Power Management Service' },
    { name: 'SystemCreationClassName', value: 'CIM_ComputerSystem' },
    { name: 'SystemName', value: 'Intel(r) AMT' },
  ],
}

const COMPUTER_SYSTEM_EPR = {
  kind: 'epr' as const,
  address: ANON,
  resourceUri: `${CIM}CIM_ComputerSystem`,
  selectors: [
    { name: 'CreationClassName', value: 'CIM_ComputerSystem' },
    { name: 'Name', value: 'ManagedSystem' },
  ],
}

export const RESPONSE_VECTORS: readonly ResponseVector[] = [
  {
    name: 'DestinationUnreachable fault for an unknown resource',
    source: 'MPS src/amt CIRAConfigurator test, chunks 04EC + 0007 (AMT 15)',
    xml: CAPTURED_FAULT_XML,
    chunkedLength: 0x04ec + 0x0007,
    exact: true,
    response: {
      kind: 'fault',
      header: { relatesTo: '2', messageId: 'uuid:00000000-8086-8086-8086-00000000211E', resourceUri: null },
      fault: {
        code: 'Sender',
        subcode: 'DestinationUnreachable',
        subcodeNamespace: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
        reason: 'No route can be determined to reach the destination role defined by the WSAddressing To.',
        detail: '',
      },
    },
  },
  {
    name: 'DeleteResponse for AMT_RemoteAccessPolicyRule',
    source: 'MPS CIRAConfigurator test, chunk 038B',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} ${XSI}>` +
      header('3', 'http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse', 'uuid:00000000-8086-8086-8086-000000000148', `${AMT}AMT_RemoteAccessPolicyRule`) +
      '<a:Body></a:Body></a:Envelope>',
    chunkedLength: 0x038b,
    exact: true,
    response: { kind: 'delete', header: { relatesTo: '3', messageId: 'uuid:00000000-8086-8086-8086-000000000148', resourceUri: `${AMT}AMT_RemoteAccessPolicyRule` } },
  },
  {
    name: 'empty last PullResponse for AMT_PublicKeyCertificate',
    source: 'MPS CIRAConfigurator test, chunk 041D',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration" ${XSI}>` +
      header('7', 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse', 'uuid:00000000-8086-8086-8086-000000002123', `${AMT}AMT_PublicKeyCertificate`) +
      '<a:Body><g:PullResponse><g:Items></g:Items><g:EndOfSequence></g:EndOfSequence></g:PullResponse></a:Body></a:Envelope>',
    chunkedLength: 0x041d,
    exact: true,
    response: {
      kind: 'pull',
      header: { relatesTo: '7', messageId: 'uuid:00000000-8086-8086-8086-000000002123', resourceUri: `${AMT}AMT_PublicKeyCertificate` },
      items: [],
      context: null,
      endOfSequence: true,
    },
  },
  {
    name: 'GetResponse for AMT_EnvironmentDetectionSettingData',
    source: 'MPS CIRAConfigurator test, chunk 04F9',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} xmlns:g="${AMT}AMT_EnvironmentDetectionSettingData" ${XSI}>` +
      header('8', 'http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse', 'uuid:00000000-8086-8086-8086-00000000212B', `${AMT}AMT_EnvironmentDetectionSettingData`) +
      '<a:Body><g:AMT_EnvironmentDetectionSettingData><g:DetectionAlgorithm>0</g:DetectionAlgorithm><g:ElementName>Intel(r) AMT Environment Detection Settings</g:ElementName>' +
      '<g:InstanceID>Intel(r) AMT Environment Detection Settings</g:InstanceID></g:AMT_EnvironmentDetectionSettingData></a:Body></a:Envelope>',
    chunkedLength: 0x04f9,
    exact: true,
    response: {
      kind: 'get',
      header: { relatesTo: '8', messageId: 'uuid:00000000-8086-8086-8086-00000000212B', resourceUri: `${AMT}AMT_EnvironmentDetectionSettingData` },
      instance: {
        className: 'AMT_EnvironmentDetectionSettingData',
        properties: makeProperties([
          ['DetectionAlgorithm', '0'],
          ['ElementName', 'Intel(r) AMT Environment Detection Settings'],
          ['InstanceID', 'Intel(r) AMT Environment Detection Settings'],
        ]),
      },
    },
  },
  {
    name: 'AddMpServer output with an EPR value',
    source: 'MPS CIRAConfigurator test, chunks 0508 + 017A',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} xmlns:g="${AMT}AMT_RemoteAccessService" ${XSI}>` +
      header('10', `${AMT}AMT_RemoteAccessService/AddMpServerResponse`, 'uuid:00000000-8086-8086-8086-00000000212D', `${AMT}AMT_RemoteAccessService`) +
      `<a:Body><g:AddMpServer_OUTPUT><g:MpServer><b:Address>${ANON}</b:Address><b:ReferenceParameters><c:ResourceURI>${AMT}AMT_ManagementPresenceRemoteSAP</c:ResourceURI>` +
      '<c:SelectorSet><c:Selector Name="CreationClassName">AMT_ManagementPresenceRemoteSAP</c:Selector><c:Selector Name="Name">Intel(r) AMT:Management Presence Server 0</c:Selector>' +
      '<c:Selector Name="SystemCreationClassName">CIM_ComputerSystem</c:Selector><c:Selector Name="SystemName">Intel(r) AMT</c:Selector></c:SelectorSet></b:ReferenceParameters></g:MpServer>' +
      '<g:ReturnValue>0</g:ReturnValue></g:AddMpServer_OUTPUT></a:Body></a:Envelope>',
    chunkedLength: 0x0508 + 0x017a,
    exact: true,
    response: {
      kind: 'invoke',
      header: { relatesTo: '10', messageId: 'uuid:00000000-8086-8086-8086-00000000212D', resourceUri: `${AMT}AMT_RemoteAccessService` },
      method: 'AddMpServer',
      output: makeProperties([
        [
          'MpServer',
          {
            kind: 'epr',
            address: ANON,
            resourceUri: `${AMT}AMT_ManagementPresenceRemoteSAP`,
            selectors: [
              { name: 'CreationClassName', value: 'AMT_ManagementPresenceRemoteSAP' },
              { name: 'Name', value: 'Intel(r) AMT:Management Presence Server 0' },
              { name: 'SystemCreationClassName', value: 'CIM_ComputerSystem' },
              { name: 'SystemName', value: 'Intel(r) AMT' },
            ],
          },
        ],
        ['ReturnValue', '0'],
      ]),
    },
  },
  {
    name: 'GetResponse for IPS_KVMRedirectionSettingData, pretty-printed',
    source: 'GWM wsmantesting/responses/ips/kvmredirection/settings/get.xml',
    xml: KVM_SETTINGS_PRETTY,
    chunkedLength: null,
    exact: false,
    response: {
      kind: 'get',
      header: { relatesTo: '0', messageId: 'uuid:00000000-8086-8086-8086-00000000028D', resourceUri: 'http://intel.com/wbem/wscim/1/ips-schema/1/IPS_KVMRedirectionSettingData' },
      instance: {
        className: 'IPS_KVMRedirectionSettingData',
        properties: makeProperties([
          ['BackToBackFbMode', 'false'],
          ['DefaultScreen', '0'],
          ['ElementName', 'Intel(r) KVM Redirection Settings'],
          ['EnabledByMEBx', 'true'],
          ['InstanceID', 'Intel(r) KVM Redirection Settings'],
          ['Is5900PortEnabled', 'false'],
          ['OptInPolicy', 'true'],
          ['OptInPolicyTimeout', '300'],
          ['RFBPassword', ''],
          ['SessionTimeout', '3'],
        ]),
      },
    },
  },
  {
    name: 'PullResponse of CIM_AssociatedPowerManagementService (array + two EPRs)',
    source: 'GWM wsmantesting/responses/cim/associatedpower/managementservice/pull.xml, re-serialized on one line',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:h="${CIM}CIM_AssociatedPowerManagementService" ` +
      `xmlns:i="http://schemas.dmtf.org/wbem/wscim/1/common" ${XSI}>` +
      header('1', 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse', 'uuid:00000000-8086-8086-8086-000000007A95', `${CIM}CIM_AssociatedPowerManagementService`) +
      '<a:Body><g:PullResponse><g:Items><h:CIM_AssociatedPowerManagementService>' +
      ['10', '8', '5', '11', '4', '7', '14', '12'].map((s) => `<h:AvailableRequestedPowerStates>${s}</h:AvailableRequestedPowerStates>`).join('') +
      `<h:PowerState>2</h:PowerState><h:ServiceProvided><b:Address>${ANON}</b:Address><b:ReferenceParameters><c:ResourceURI>${CIM}CIM_PowerManagementService</c:ResourceURI>` +
      '<c:SelectorSet><c:Selector Name="CreationClassName">CIM_PowerManagementService</c:Selector><c:Selector Name="Name">Intel(r) AMT Power Management Service</c:Selector>' +
      '<c:Selector Name="SystemCreationClassName">CIM_ComputerSystem</c:Selector><c:Selector Name="SystemName">Intel(r) AMT</c:Selector></c:SelectorSet></b:ReferenceParameters></h:ServiceProvided>' +
      `<h:UserOfService><b:Address>${ANON}</b:Address><b:ReferenceParameters><c:ResourceURI>${CIM}CIM_ComputerSystem</c:ResourceURI><c:SelectorSet>` +
      '<c:Selector Name="CreationClassName">CIM_ComputerSystem</c:Selector><c:Selector Name="Name">ManagedSystem</c:Selector></c:SelectorSet></b:ReferenceParameters></h:UserOfService>' +
      '</h:CIM_AssociatedPowerManagementService></g:Items><g:EndOfSequence></g:EndOfSequence></g:PullResponse></a:Body></a:Envelope>',
    chunkedLength: null,
    exact: true,
    response: {
      kind: 'pull',
      header: { relatesTo: '1', messageId: 'uuid:00000000-8086-8086-8086-000000007A95', resourceUri: `${CIM}CIM_AssociatedPowerManagementService` },
      items: [
        {
          className: 'CIM_AssociatedPowerManagementService',
          properties: makeProperties([
            ['AvailableRequestedPowerStates', ['10', '8', '5', '11', '4', '7', '14', '12']],
            ['PowerState', '2'],
            ['ServiceProvided', POWER_SERVICE_EPR],
            ['UserOfService', COMPUTER_SYSTEM_EPR],
          ]),
        },
      ],
      context: null,
      endOfSequence: true,
    },
  },
  {
    name: 'EnumerateResponse with a captured context',
    source: 'GWM wsmantesting/responses/cim/associatedpower/managementservice/enumerate.xml, re-serialized',
    xml:
      `${XML_DECL}<a:Envelope ${BASE} xmlns:g="http://schemas.xmlsoap.org/ws/2004/09/enumeration" ${XSI}>` +
      header('0', 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/EnumerateResponse', 'uuid:00000000-8086-8086-8086-000000007A94', `${CIM}CIM_AssociatedPowerManagementService`) +
      '<a:Body><g:EnumerateResponse><g:EnumerationContext>5E1A0000-0000-0000-0000-000000000000</g:EnumerationContext></g:EnumerateResponse></a:Body></a:Envelope>',
    chunkedLength: null,
    exact: true,
    response: {
      kind: 'enumerate',
      header: { relatesTo: '0', messageId: 'uuid:00000000-8086-8086-8086-000000007A94', resourceUri: `${CIM}CIM_AssociatedPowerManagementService` },
      context: '5E1A0000-0000-0000-0000-000000000000',
    },
  },
]

export interface RequestVector {
  readonly name: string
  readonly source: string
  readonly xml: string
  readonly request: WsmanRequest
}

const SOAP = 'http://www.w3.org/2003/05/soap-envelope'
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing'
const WSMAN = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'

export const REQUEST_VECTORS: readonly RequestVector[] = [
  {
    name: 'Identify (wsmid prefixes, empty header)',
    source: 'redirection-wsman.md §4.4',
    xml: `<s:Envelope xmlns:s="${SOAP}" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>`,
    request: { kind: 'identify' },
  },
  {
    name: 'Get, pretty-printed with other prefixes and mustUnderstand (pyws style)',
    source: 'redirection-wsman.md §4.3 (pyws adds mustUnderstand)',
    xml: `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="${SOAP}" xmlns:wsa="${WSA}" xmlns:wsman="${WSMAN}">
  <s:Header>
    <wsa:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</wsa:Action>
    <wsa:To s:mustUnderstand="true">http://127.0.0.1:16992/wsman</wsa:To>
    <wsman:ResourceURI s:mustUnderstand="true">${AMT}AMT_GeneralSettings</wsman:ResourceURI>
    <wsa:MessageID s:mustUnderstand="true">uuid:9f2c1e4a-0000-4000-8000-000000000001</wsa:MessageID>
    <wsa:ReplyTo><wsa:Address>${ANON}</wsa:Address></wsa:ReplyTo>
  </s:Header>
  <s:Body/>
</s:Envelope>`,
    request: { kind: 'get', resourceUri: `${AMT}AMT_GeneralSettings`, messageId: 'uuid:9f2c1e4a-0000-4000-8000-000000000001', selectors: [], operationTimeout: null },
  },
  {
    name: 'RequestPowerStateChange with an EPR argument in default-namespace form',
    source: 'wsman-messages (TWM) layout: Address/ReferenceParameters redeclare their namespaces',
    xml:
      `<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="${SOAP}" xmlns:a="${WSA}" xmlns:w="${WSMAN}"><Header>` +
      `<a:Action>${CIM}CIM_PowerManagementService/RequestPowerStateChange</a:Action><a:To>/wsman</a:To><w:ResourceURI>${CIM}CIM_PowerManagementService</w:ResourceURI>` +
      `<a:MessageID>4</a:MessageID><a:ReplyTo><a:Address>${ANON}</a:Address></a:ReplyTo><w:OperationTimeout>PT60S</w:OperationTimeout></Header>` +
      `<Body><h:RequestPowerStateChange_INPUT xmlns:h="${CIM}CIM_PowerManagementService"><h:PowerState>8</h:PowerState><h:ManagedElement>` +
      `<Address xmlns="${WSA}">${WSA}</Address><ReferenceParameters xmlns="${WSA}"><ResourceURI xmlns="${WSMAN}">${CIM}CIM_ComputerSystem</ResourceURI>` +
      `<SelectorSet xmlns="${WSMAN}"><Selector Name="CreationClassName">CIM_ComputerSystem</Selector><Selector Name="Name">ManagedSystem</Selector></SelectorSet>` +
      '</ReferenceParameters></h:ManagedElement></h:RequestPowerStateChange_INPUT></Body></Envelope>',
    request: {
      kind: 'invoke',
      resourceUri: `${CIM}CIM_PowerManagementService`,
      messageId: '4',
      selectors: [],
      operationTimeout: 'PT60S',
      method: 'RequestPowerStateChange',
      input: makeProperties([
        ['PowerState', '8'],
        ['ManagedElement', { ...COMPUTER_SYSTEM_EPR, address: WSA }],
      ]),
    },
  },
  {
    name: 'Pull with MaxElements and MaxCharacters',
    source: 'redirection-wsman.md §4.3 (999 / 99999)',
    xml:
      `<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="${SOAP}" xmlns:a="${WSA}" xmlns:w="${WSMAN}"><Header>` +
      `<a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull</a:Action><a:To>/wsman</a:To><w:ResourceURI>${CIM}CIM_SoftwareIdentity</w:ResourceURI>` +
      `<a:MessageID>2</a:MessageID><a:ReplyTo><a:Address>${ANON}</a:Address></a:ReplyTo><w:OperationTimeout>PT60S</w:OperationTimeout></Header>` +
      '<Body><Pull xmlns="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><EnumerationContext>17000000-0000-0000-0000-000000000000</EnumerationContext>' +
      '<MaxElements>999</MaxElements><MaxCharacters>99999</MaxCharacters></Pull></Body></Envelope>',
    request: {
      kind: 'pull',
      resourceUri: `${CIM}CIM_SoftwareIdentity`,
      messageId: '2',
      selectors: [],
      operationTimeout: 'PT60S',
      context: '17000000-0000-0000-0000-000000000000',
      maxElements: 999,
      maxCharacters: 99999,
    },
  },
  {
    name: 'Get with a plain selector and an EPR selector',
    source: 'redirection-wsman.md §4.3 (selector values may be EPRs)',
    xml:
      `<?xml version="1.0" encoding="utf-8"?><Envelope xmlns="${SOAP}" xmlns:a="${WSA}" xmlns:w="${WSMAN}"><Header>` +
      `<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action><a:To>/wsman</a:To><w:ResourceURI>${CIM}CIM_ServiceAvailableToElement</w:ResourceURI>` +
      `<a:MessageID>7</a:MessageID><a:ReplyTo><a:Address>${ANON}</a:Address></a:ReplyTo><w:OperationTimeout>PT60S</w:OperationTimeout>` +
      '<w:SelectorSet><w:Selector Name="Tag">a&amp;b</w:Selector><w:Selector Name="UserOfService"><a:EndpointReference>' +
      `<a:Address>${ANON}</a:Address><a:ReferenceParameters><w:ResourceURI>${CIM}CIM_ComputerSystem</w:ResourceURI><w:SelectorSet>` +
      '<w:Selector Name="CreationClassName">CIM_ComputerSystem</w:Selector><w:Selector Name="Name">ManagedSystem</w:Selector></w:SelectorSet>' +
      '</a:ReferenceParameters></a:EndpointReference></w:Selector></w:SelectorSet></Header><Body></Body></Envelope>',
    request: {
      kind: 'get',
      resourceUri: `${CIM}CIM_ServiceAvailableToElement`,
      messageId: '7',
      selectors: [
        { name: 'Tag', value: 'a&b' },
        { name: 'UserOfService', value: COMPUTER_SYSTEM_EPR },
      ],
      operationTimeout: 'PT60S',
    },
  },
]

/** Inputs that must fail with exactly this code. */
export const XML_ERROR_VECTORS: readonly { readonly name: string; readonly input: string | Buffer; readonly code: string }[] = [
  { name: 'DOCTYPE (entity expansion refused)', input: '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'unclosed element', input: '<a><b></b>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'mismatched end tag', input: '<a><b></a></b>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'undeclared prefix', input: '<x:a/>', code: 'WSMAN_ERR_XML_NAMESPACE' },
  { name: 'unknown entity', input: '<a>&nbsp;</a>', code: 'WSMAN_ERR_XML_ENTITY' },
  { name: 'character reference to NUL', input: '<a>&#0;</a>', code: 'WSMAN_ERR_XML_ENTITY' },
  { name: 'bare ampersand', input: '<a>fish & chips</a>', code: 'WSMAN_ERR_XML_ENTITY' },
  { name: 'invalid UTF-8', input: Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]), code: 'WSMAN_ERR_XML_ENCODING' },
  { name: 'two roots', input: '<a/><b/>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'text after the root', input: '<a/>tail', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'duplicate attribute', input: '<a x="1" x="2"/>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'unquoted attribute', input: '<a x=1/>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'nesting deeper than the limit', input: `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`, code: 'WSMAN_ERR_XML_TOO_DEEP' },
  { name: 'NUL character', input: '<a>\u0000</a>', code: 'WSMAN_ERR_XML_MALFORMED' },
  { name: 'empty document', input: '', code: 'WSMAN_ERR_XML_MALFORMED' },
]

/** Envelopes that parse as XML but are not usable requests. */
export const REQUEST_ERROR_VECTORS: readonly { readonly name: string; readonly input: string; readonly code: string }[] = [
  { name: 'not a SOAP envelope', input: '<Envelope><Body/></Envelope>', code: 'WSMAN_ERR_NOT_ENVELOPE' },
  { name: 'SOAP 1.1 namespace', input: '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>', code: 'WSMAN_ERR_NOT_ENVELOPE' },
  { name: 'no Body', input: `<Envelope xmlns="${SOAP}"><Header/></Envelope>`, code: 'WSMAN_ERR_NOT_ENVELOPE' },
  {
    name: 'no Action',
    input: `<Envelope xmlns="${SOAP}" xmlns:w="${WSMAN}" xmlns:a="${WSA}"><Header><w:ResourceURI>x</w:ResourceURI><a:MessageID>1</a:MessageID></Header><Body/></Envelope>`,
    code: 'WSMAN_ERR_MISSING_HEADER',
  },
  {
    name: 'Pull without a context',
    input:
      `<Envelope xmlns="${SOAP}" xmlns:w="${WSMAN}" xmlns:a="${WSA}"><Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull</a:Action>` +
      '<w:ResourceURI>x</w:ResourceURI><a:MessageID>1</a:MessageID></Header><Body><Pull xmlns="http://schemas.xmlsoap.org/ws/2004/09/enumeration"/></Body></Envelope>',
    code: 'WSMAN_ERR_INVALID_BODY',
  },
]
