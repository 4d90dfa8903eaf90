/**
 * How the device calls home, as Open AMT provisions it (redirection-wsman.md §4.5): the MPS
 * entry, the remote-access policies, and the user-initiated (Fast Call for Help) switch. The
 * gateway address is not part of the device identity, so the MPS entry names the loopback
 * test gateway. [inferred]
 */

import { epr, resourceUriFor, textOf } from '../../../../protocol/wsman/index.js'
import { AMT_SYSTEM, instance, returnValue, type MethodResult, type ResourceClass } from './types.js'

const MPS_NAME = 'Intel(r) AMT:Management Presence Server 0'
const GATEWAY_NAME = 'gateway.ciralab.test'

function policy(name: string, trigger: number, extendedData: string | null) {
  return instance('AMT_RemoteAccessPolicyRule', {
    CreationClassName: 'AMT_RemoteAccessPolicyRule',
    // "Inte(r)" as captured: the firmware string has the typo.
    ElementName: 'Inte(r) AMT:Remote Access Policy',
    ...(extendedData === null ? {} : { ExtendedData: extendedData }),
    PolicyRuleName: name,
    ...AMT_SYSTEM,
    Trigger: String(trigger),
    TunnelLifeTime: '0',
  })
}

export const remoteAccessPolicyRule: ResourceClass = {
  className: 'AMT_RemoteAccessPolicyRule',
  instances: () => [
    policy('User Initiated', 0, null),
    policy('Alert', 1, null),
    // Periodic: 8 bytes base64, u32 BE type 0 + u32 BE interval 25 s (Open AMT's default).
    policy('Periodic', 2, 'AAAAAAAAABk='),
  ],
}

export const managementPresenceRemoteSap: ResourceClass = {
  className: 'AMT_ManagementPresenceRemoteSAP',
  instances: () => [
    instance('AMT_ManagementPresenceRemoteSAP', {
      AccessInfo: GATEWAY_NAME,
      CN: GATEWAY_NAME,
      CreationClassName: 'AMT_ManagementPresenceRemoteSAP',
      ElementName: 'Intel(r) AMT:Management Presence Server',
      InfoFormat: '201',
      Name: MPS_NAME,
      Port: '4433',
      ...AMT_SYSTEM,
    }),
  ],
}

const MPS_EPR = epr(resourceUriFor('AMT_ManagementPresenceRemoteSAP'), [
  { name: 'CreationClassName', value: 'AMT_ManagementPresenceRemoteSAP' },
  { name: 'Name', value: MPS_NAME },
  { name: 'SystemCreationClassName', value: 'CIM_ComputerSystem' },
  { name: 'SystemName', value: 'Intel(r) AMT' },
])

export const remoteAccessService: ResourceClass = {
  className: 'AMT_RemoteAccessService',
  instances: () => [
    instance('AMT_RemoteAccessService', {
      CreationClassName: 'AMT_RemoteAccessService',
      ElementName: 'Intel(r) AMT Remote Access Service',
      Name: 'Intel(r) AMT Remote Access Service',
      ...AMT_SYSTEM,
    }),
  ],
  methods: {
    // Accepted and answered as captured; the simulated device keeps calling its configured gateways.
    AddMpServer: () => returnValue(0, { MpServer: MPS_EPR }),
    AddRemoteAccessPolicyRule: () => returnValue(0),
  },
}

export const userInitiatedConnectionService: ResourceClass = {
  className: 'AMT_UserInitiatedConnectionService',
  instances: ({ state }) => [
    instance('AMT_UserInitiatedConnectionService', {
      CreationClassName: 'AMT_UserInitiatedConnectionService',
      ElementName: 'Intel(r) AMT User Initiated Connection Service',
      EnabledState: String(state.userInitiatedState),
      Name: 'Intel(r) AMT User Initiated Connection Service',
      ...AMT_SYSTEM,
    }),
  ],
  methods: {
    // 32768 all off, 32769 BIOS, 32770 OS, 32771 BIOS and OS.
    RequestStateChange: ({ state }, input): MethodResult => {
      const requested = Number(textOf(input, 'RequestedState')?.trim() ?? '')
      if (!Number.isInteger(requested) || requested < 32768 || requested > 32771) return returnValue(5)
      state.userInitiatedState = requested
      return returnValue(0)
    },
  },
}
