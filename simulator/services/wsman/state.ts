/**
 * What the simulated firmware remembers for WS-MAN between channels: the Digest nonces it
 * issued, the MessageID counter, open enumerations and the settings consoles Put. One per
 * device, kept on the SimulatedHost and made on the first WS-MAN channel.
 */

import { formatAmtMessageId } from '../../../protocol/wsman/index.js'
import type { DeviceIdentity } from '../../identity.js'
import { ServiceStateKey } from '../host.js'
import { EnumerationStore } from './enumerations.js'
import { NonceStore } from './nonce-store.js'
import type { WsmanServiceOptions } from './options.js'

/** IPS_KVMRedirectionSettingData values a Put may change (captured defaults). */
export interface KvmSettings {
  is5900PortEnabled: boolean
  optInPolicy: boolean
  optInPolicyTimeout: number
  sessionTimeout: number
  defaultScreen: number
  /** Whether an RFB password was set; AMT never returns it. */
  rfbPasswordSet: boolean
}

export class WsmanDeviceState {
  readonly nonces: NonceStore
  readonly enumerations: EnumerationStore
  readonly kvm: KvmSettings
  /** AMT_UserInitiatedConnectionService.EnabledState: 32771 = BIOS and OS may call for help. */
  userInitiatedState = 32771
  /** CIM_KVMRedirectionSAP.RequestedState, last asked for (5 = no change yet). */
  kvmRequestedState = 5
  private messageCounter: number

  constructor(identity: DeviceIdentity, options: WsmanServiceOptions) {
    this.nonces = new NonceStore(options.maxNonces, options.nonceLifetimeMs)
    // Counters start where a device that has been up a while would be, different per device.
    this.messageCounter = 0x100 + ((identity.index * 0x3b) & 0xfff)
    this.enumerations = new EnumerationStore(options.maxEnumerations, identity.index & 0xff)
    this.kvm = {
      is5900PortEnabled: false,
      optInPolicy: identity.consentPolicy !== 0,
      optInPolicyTimeout: 300,
      sessionTimeout: 3,
      defaultScreen: 0,
      rfbPasswordSet: false,
    }
  }

  nextMessageId(): string {
    this.messageCounter += 1
    return formatAmtMessageId(this.messageCounter)
  }
}

export const WSMAN_STATE = new ServiceStateKey<WsmanDeviceState>('wsman')
