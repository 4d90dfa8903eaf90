/**
 * Boot control for "boot to IDE-R" (redirection-wsman.md §4.6): AMT_BootSettingData (Get/Put),
 * AMT_BootCapabilities, CIM_BootConfigSetting.ChangeBootOrder, CIM_BootService.SetBootConfigRole
 * and the CIM_BootSourceSetting instances ChangeBootOrder points at. Settings live on the host,
 * where the IDE-R host simulation reads them.
 */

import type { EndpointReference, Properties, WsmanFault } from '../../../../protocol/wsman/index.js'
import { AMT_SYSTEM, bool, instance, invalidRepresentation, readBoolean, readInteger, returnValue, versionParts, type ClassContext, type MethodResult, type ResourceClass } from './types.js'

export const BOOT_SOURCES = [
  'Intel(r) AMT: Force Hard-drive Boot',
  'Intel(r) AMT: Force CD/DVD Boot',
  'Intel(r) AMT: Force PXE Boot',
  'Intel(r) AMT: Force Diagnostic Boot',
] as const

export const bootSettingData: ResourceClass = {
  className: 'AMT_BootSettingData',
  instances: ({ host, identity }) => {
    const b = host.boot
    const [major] = versionParts(identity)
    const cleared = !b.useIder && !b.useSol && !b.biosSetup && !b.biosPause
    return [
      instance('AMT_BootSettingData', {
        BIOSLastStatus: ['2', '0'],
        BIOSPause: bool(b.biosPause),
        BIOSSetup: bool(b.biosSetup),
        BootMediaIndex: '0',
        ConfigurationDataReset: 'false',
        ElementName: 'Intel(r) AMT Boot Configuration Settings',
        EnforceSecureBoot: 'false',
        FirmwareVerbosity: '0',
        ForcedProgressEvents: 'false',
        IDERBootDevice: String(b.iderBootDevice),
        InstanceID: 'Intel(r) AMT:BootSettingData 0',
        LockKeyboard: 'false',
        LockPowerButton: 'false',
        LockResetButton: 'false',
        LockSleepButton: 'false',
        OptionsCleared: bool(cleared),
        OwningEntity: 'Intel(r) AMT',
        ...(major >= 16 ? { PlatformErase: 'false' } : {}),
        ReflashBIOS: 'false',
        SecureErase: 'false',
        UefiBootNumberOfParams: '0',
        UefiBootParametersArray: '',
        UseIDER: bool(b.useIder),
        UseSOL: bool(b.useSol),
        UseSafeMode: 'false',
        UserPasswordBypass: 'false',
      }),
    ]
  },
  put: ({ host }, properties): WsmanFault | null => {
    const values = {
      useIder: readBoolean(properties, 'UseIDER'),
      useSol: readBoolean(properties, 'UseSOL'),
      biosSetup: readBoolean(properties, 'BIOSSetup'),
      biosPause: readBoolean(properties, 'BIOSPause'),
    }
    const device = readInteger(properties, 'IDERBootDevice', 0, 1)
    if (device === null || Object.values(values).some((v) => v === null)) return invalidRepresentation('boot settings must be booleans and IDERBootDevice 0 or 1')
    for (const [key, value] of Object.entries(values) as [keyof typeof values, boolean | undefined | null][]) {
      if (typeof value === 'boolean') host.boot[key] = value
    }
    if (device !== undefined) host.boot.iderBootDevice = device
    return null
  },
}

const CAPABILITIES: Readonly<Record<string, string>> = {
  AMTSecureBootControl: 'false',
  BIOSPause: 'false',
  BIOSReflash: 'true',
  BIOSSecureBoot: 'true',
  BIOSSetup: 'true',
  ConfigurationDataReset: 'false',
  ElementName: 'Intel(r) AMT: Boot Capabilities',
  ForceCDorDVDBoot: 'true',
  ForceDiagnosticBoot: 'true',
  ForceHardDriveBoot: 'true',
  ForceHardDriveSafeModeBoot: 'false',
  ForcePXEBoot: 'true',
  ForcedProgressEvents: 'true',
  IDER: 'true',
  InstanceID: 'Intel(r) AMT:BootCapabilities 0',
  KeyboardLock: 'true',
  PowerButtonLock: 'true',
  ResetButtonLock: 'false',
  SOL: 'true',
  SecureErase: 'true',
  SleepButtonLock: 'false',
  UserPasswordBypass: 'true',
  VerbosityQuiet: 'false',
  VerbosityScreenBlank: 'false',
  VerbosityVerbose: 'false',
}

export const bootCapabilities: ResourceClass = {
  className: 'AMT_BootCapabilities',
  instances: () => [instance('AMT_BootCapabilities', CAPABILITIES)],
}

export const bootSourceSetting: ResourceClass = {
  className: 'CIM_BootSourceSetting',
  instances: () =>
    BOOT_SOURCES.map((id) => instance('CIM_BootSourceSetting', { ElementName: id, FailThroughSupported: '2', InstanceID: id })),
}

function sourceOf(input: Properties): string | null {
  const source = input['Source']
  if (source === undefined || source === '') return ''
  if (typeof source !== 'object' || Array.isArray(source) || (source as EndpointReference).kind !== 'epr') return null
  const id = (source as EndpointReference).selectors.find((s) => s.name === 'InstanceID')?.value
  return typeof id === 'string' && (BOOT_SOURCES as readonly string[]).includes(id) ? id : null
}

export const bootConfigSetting: ResourceClass = {
  className: 'CIM_BootConfigSetting',
  instances: () => [instance('CIM_BootConfigSetting', { ElementName: 'Intel(r) AMT: Boot Configuration', InstanceID: 'Intel(r) AMT: Boot Configuration 0' })],
  methods: {
    // An empty or absent Source clears the order (the first step of every console's boot flow).
    ChangeBootOrder: ({ host }: ClassContext, input): MethodResult => {
      const source = sourceOf(input)
      if (source === null) return returnValue(5) // Invalid Parameter
      host.bootSource = source
      return returnValue(0)
    },
  },
}

export const bootService: ResourceClass = {
  className: 'CIM_BootService',
  instances: () => [
    instance('CIM_BootService', {
      CreationClassName: 'CIM_BootService',
      ElementName: 'Intel(r) AMT Boot Service',
      EnabledState: '2',
      Name: 'Intel(r) AMT Boot Service',
      OperationalStatus: '0',
      RequestedState: '12',
      ...AMT_SYSTEM,
    }),
  ],
  methods: {
    // AMT accepts Role 1 (IsNextSingleUse) and 32768 (IsNotNext).
    SetBootConfigRole: ({ host }, input): MethodResult => {
      const role = input['Role']
      if (role === '1') host.bootConfigIsNext = true
      else if (role === '32768') host.bootConfigIsNext = false
      else return returnValue(5)
      return returnValue(0)
    },
  },
}
