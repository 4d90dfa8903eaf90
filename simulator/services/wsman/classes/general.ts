/**
 * Who the device says it is: AMT_GeneralSettings, CIM_SoftwareIdentity,
 * AMT_SetupAndConfigurationService, CIM_ComputerSystemPackage. Values as captured from AMT 15
 * (MPS fixtures, redirection-wsman.md §4.5), varied by the device identity.
 */

import { isUuidText, uuidToWire } from '../../../../protocol/apf/index.js'
import { epr, resourceUriFor, type WsmanInstance } from '../../../../protocol/wsman/index.js'
import type { DeviceIdentity } from '../../../identity.js'
import { AMT_SYSTEM, bool, instance, returnValue, versionParts, type ResourceClass } from './types.js'

const BLANK_UUID = '00000000-0000-0000-0000-000000000000'

function uuidOf(identity: DeviceIdentity): string {
  return isUuidText(identity.uuid) ? identity.uuid : BLANK_UUID
}

/** The UUID as 32 hex digits in wire (SMBIOS mixed-endian) order, e.g. 44454C4C4B00…. */
export function platformGuid(identity: DeviceIdentity): string {
  return uuidToWire(uuidOf(identity)).toString('hex').toUpperCase()
}

function hostAndDomain(fqdn: string): [string, string] {
  const dot = fqdn.indexOf('.')
  return dot === -1 ? [fqdn, ''] : [fqdn.slice(0, dot), fqdn.slice(dot + 1)]
}

export const generalSettings: ResourceClass = {
  className: 'AMT_GeneralSettings',
  instances: ({ identity }) => {
    const [hostName, domainName] = hostAndDomain(identity.fqdn)
    const [major] = versionParts(identity)
    return [
      instance('AMT_GeneralSettings', {
        AMTNetworkEnabled: '1',
        DDNSPeriodicUpdateInterval: '1440',
        DDNSTTL: '900',
        DDNSUpdateByDHCPServerEnabled: 'true',
        DDNSUpdateEnabled: 'false',
        DHCPv6ConfigurationTimeout: '0',
        DigestRealm: identity.digestRealm,
        DomainName: domainName,
        ElementName: 'Intel(r) AMT: General Settings',
        HostName: hostName,
        HostOSFQDN: identity.fqdn,
        IdleWakeTimeout: '65535',
        InstanceID: 'Intel(r) AMT: General Settings',
        NetworkInterfaceEnabled: 'true',
        PingResponseEnabled: 'true',
        PowerSource: '0',
        PreferredAddressFamily: '0',
        PresenceNotificationInterval: '0',
        PrivacyLevel: '0',
        RmcpPingResponseEnabled: 'true',
        SharedFQDN: 'true',
        // Thunderbolt dock support appeared in later firmware. [inferred: from 14 on]
        ...(major >= 14 ? { ThunderboltDockEnabled: '0' } : {}),
        WsmanOnlyMode: 'false',
      }),
    ]
  },
}

export const softwareIdentity: ResourceClass = {
  className: 'CIM_SoftwareIdentity',
  instances: ({ identity }) => {
    const version = identity.amtVersion
    const rows: readonly (readonly [string, string])[] = [
      ['Flash', version],
      ['Netstack', version],
      ['AMTApps', version],
      ['AMT', version],
      ['Sku', '16392'],
      ['VendorID', '8086'],
      ['Build Number', identity.amtBuild],
      ['Recovery Version', version],
      ['Recovery Build Num', identity.amtBuild],
      ['Legacy Mode', 'False'],
      ['AMT FW Core Version', version],
    ]
    return rows.map(([id, value]) => instance('CIM_SoftwareIdentity', { InstanceID: id, IsEntity: 'true', VersionString: value }))
  },
}

export const setupAndConfiguration: ResourceClass = {
  className: 'AMT_SetupAndConfigurationService',
  instances: ({ identity }) => [
    instance('AMT_SetupAndConfigurationService', {
      CreationClassName: 'AMT_SetupAndConfigurationService',
      ElementName: 'Intel(r) AMT Setup and Configuration Service',
      EnabledState: '5',
      Name: 'Intel(r) AMT Setup and Configuration Service',
      PasswordModel: '1',
      ProvisioningMode: identity.provisioningMode === 'ACM' ? '1' : '4',
      ProvisioningServerOTP: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      ProvisioningState: '2',
      RequestedState: '12',
      ...AMT_SYSTEM,
      ZeroTouchConfigurationEnabled: bool(identity.provisioningMode === 'ACM'),
    }),
  ],
  methods: {
    // GetUuid returns the 16 UUID bytes as AMT holds them, base64. [inferred: wire order]
    GetUuid: ({ identity }) => returnValue(0, { UUID: uuidToWire(uuidOf(identity)).toString('base64') }),
  },
}

const CIM = (name: string): string => resourceUriFor(name)

export const computerSystemPackage: ResourceClass = {
  className: 'CIM_ComputerSystemPackage',
  instances: ({ identity }): WsmanInstance[] => [
    instance('CIM_ComputerSystemPackage', {
      Antecedent: epr(CIM('CIM_Chassis'), [
        { name: 'CreationClassName', value: 'CIM_Chassis' },
        { name: 'Tag', value: 'CIM_Chassis' },
      ]),
      Dependent: epr(CIM('CIM_ComputerSystem'), [
        { name: 'CreationClassName', value: 'CIM_ComputerSystem' },
        { name: 'Name', value: 'ManagedSystem' },
      ]),
      PlatformGUID: platformGuid(identity),
    }),
  ],
}
