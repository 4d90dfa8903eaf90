/**
 * Redirection switches: AMT_RedirectionService (SOL, IDE-R and the 16994 listener),
 * CIM_KVMRedirectionSAP and IPS_KVMRedirectionSettingData (redirection-wsman.md §4.5). The
 * switches live on the host, where the redirection service reads them.
 */

import { textOf, type Properties, type WsmanFault } from '../../../../protocol/wsman/index.js'
import {
  AMT_SYSTEM,
  bool,
  instance,
  invalidRepresentation,
  readBoolean,
  readInteger,
  returnValue,
  versionParts,
  type ClassContext,
  type MethodResult,
  type ResourceClass,
} from './types.js'

const REDIRECTION_NAME = 'Intel(r) AMT Redirection Service'

/** 32768 both off, 32769 IDE-R only, 32770 SOL only, 32771 both. */
function redirectionState({ host }: ClassContext): number {
  return 32768 + (host.features.iderEnabled ? 1 : 0) + (host.features.solEnabled ? 2 : 0)
}

function requestedState(input: Properties): number | null {
  const text = textOf(input, 'RequestedState')?.trim() ?? ''
  return /^[0-9]{1,5}$/.test(text) ? Number(text) : null
}

export const redirectionService: ResourceClass = {
  className: 'AMT_RedirectionService',
  instances: (ctx) => [
    instance('AMT_RedirectionService', {
      CreationClassName: 'AMT_RedirectionService',
      ElementName: REDIRECTION_NAME,
      EnabledState: String(redirectionState(ctx)),
      ListenerEnabled: bool(ctx.host.features.listenerEnabled),
      Name: REDIRECTION_NAME,
      ...AMT_SYSTEM,
    }),
  ],
  put: ({ host }, properties) => {
    const listener = readBoolean(properties, 'ListenerEnabled')
    if (listener === null) return invalidRepresentation('ListenerEnabled must be true or false')
    if (listener !== undefined) host.features.listenerEnabled = listener
    return null
  },
  methods: {
    RequestStateChange: ({ host }, input): MethodResult => {
      const state = requestedState(input)
      // CIM RequestStateChange: 5 = Invalid Parameter.
      if (state === null || state < 32768 || state > 32771) return returnValue(5)
      host.features.iderEnabled = (state & 1) !== 0
      host.features.solEnabled = (state & 2) !== 0
      return returnValue(0)
    },
    TerminateSession: () => returnValue(0),
  },
}

/**
 * 2 enabled with a session, 6 enabled but offline (no session; the Open AMT console counts
 * both as enabled), 3 disabled. [inferred: which of 2/6 AMT reports when]
 */
function kvmEnabledState({ host }: ClassContext): number {
  if (!host.features.kvmEnabled) return 3
  return host.activeRedirections.has('kvm') ? 2 : 6
}

export const kvmRedirectionSap: ResourceClass = {
  className: 'CIM_KVMRedirectionSAP',
  instances: (ctx) => [
    instance('CIM_KVMRedirectionSAP', {
      CreationClassName: 'CIM_KVMRedirectionSAP',
      ElementName: 'KVM Redirection Service Access Point',
      EnabledState: String(kvmEnabledState(ctx)),
      KVMProtocol: '4',
      Name: 'KVM Redirection Service Access Point',
      RequestedState: String(ctx.state.kvmRequestedState),
      SystemCreationClassName: 'CIM_ComputerSystem',
      SystemName: 'ManagedSystem',
    }),
  ],
  methods: {
    RequestStateChange: ({ host, state }, input): MethodResult => {
      const requested = requestedState(input)
      if (requested !== 2 && requested !== 3) return returnValue(5)
      host.features.kvmEnabled = requested === 2
      state.kvmRequestedState = requested
      return returnValue(0)
    },
  },
}

/** RFBPassword rule (MeshCommander #56): exactly 8 characters with an upper-case letter, a digit and a symbol. */
export function isAcceptableRfbPassword(password: string): boolean {
  return password.length === 8 && /[A-Z]/.test(password) && /[0-9]/.test(password) && /[^A-Za-z0-9]/.test(password)
}

function applyKvmSettings(ctx: ClassContext, properties: Properties): WsmanFault | null {
  const kvm = ctx.state.kvm
  const port5900 = readBoolean(properties, 'Is5900PortEnabled')
  const optIn = readBoolean(properties, 'OptInPolicy')
  const optInTimeout = readInteger(properties, 'OptInPolicyTimeout', 1, 65535)
  const session = readInteger(properties, 'SessionTimeout', 0, 65535)
  const screen = readInteger(properties, 'DefaultScreen', 0, 255)
  if (port5900 === null || optIn === null || optInTimeout === null || session === null || screen === null) {
    return invalidRepresentation('a setting has a value of the wrong type')
  }
  const password = textOf(properties, 'RFBPassword') ?? ''
  if (password !== '' && !isAcceptableRfbPassword(password)) return invalidRepresentation('RFBPassword must be 8 characters with upper case, digit and symbol')
  // AMT 16.1 and later refuse to open VNC port 5900 (MeshCommander #98).
  const [major, minor] = versionParts(ctx.identity)
  if (port5900 === true && (major > 16 || (major === 16 && minor >= 1))) return invalidRepresentation('port 5900 is not available on this firmware')
  if (port5900 !== undefined) kvm.is5900PortEnabled = port5900
  if (optIn !== undefined) kvm.optInPolicy = optIn
  if (optInTimeout !== undefined) kvm.optInPolicyTimeout = optInTimeout
  if (session !== undefined) kvm.sessionTimeout = session
  if (screen !== undefined) kvm.defaultScreen = screen
  if (password !== '') kvm.rfbPasswordSet = true
  return null
}

export const kvmRedirectionSettingData: ResourceClass = {
  className: 'IPS_KVMRedirectionSettingData',
  instances: ({ state }) => [
    instance('IPS_KVMRedirectionSettingData', {
      BackToBackFbMode: 'false',
      DefaultScreen: String(state.kvm.defaultScreen),
      ElementName: 'Intel(r) KVM Redirection Settings',
      EnabledByMEBx: 'true',
      InstanceID: 'Intel(r) KVM Redirection Settings',
      Is5900PortEnabled: bool(state.kvm.is5900PortEnabled),
      OptInPolicy: bool(state.kvm.optInPolicy),
      OptInPolicyTimeout: String(state.kvm.optInPolicyTimeout),
      // Never returned, set or not.
      RFBPassword: '',
      SessionTimeout: String(state.kvm.sessionTimeout),
    }),
  ],
  put: applyKvmSettings,
}
