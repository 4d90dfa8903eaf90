/**
 * User consent: IPS_OptInService (redirection-wsman.md §3). The host owns the state machine
 * and its timeouts; this class reads it and forwards the three methods.
 */

import { textOf } from '../../../../protocol/wsman/index.js'
import { OPT_IN_CODE_TIMEOUT_SECONDS, OPT_IN_DISPLAY_TIMEOUT_SECONDS } from '../../host.js'
import { AMT_SYSTEM, instance, returnValue, type ResourceClass } from './types.js'

export const optInService: ResourceClass = {
  className: 'IPS_OptInService',
  instances: ({ host, identity }) => [
    instance('IPS_OptInService', {
      // In CCM consent cannot be turned off (MPS test data pairs 0 with 0xFFFFFFFF). [inferred for CCM]
      CanModifyOptInPolicy: identity.provisioningMode === 'ACM' ? '1' : '0',
      CreationClassName: 'IPS_OptInService',
      ElementName: 'Intel(r) AMT OptIn Service',
      Name: 'Intel(r) AMT OptIn Service',
      OptInCodeTimeout: String(OPT_IN_CODE_TIMEOUT_SECONDS),
      OptInDisplayTimeout: String(OPT_IN_DISPLAY_TIMEOUT_SECONDS),
      OptInRequired: String(identity.consentPolicy),
      OptInState: String(host.consentState),
      ...AMT_SYSTEM,
    }),
  ],
  methods: {
    StartOptIn: ({ host }) => returnValue(host.startOptIn()),
    SendOptInCode: ({ host }, input) => {
      const code = (textOf(input, 'OptInCode') ?? '').trim()
      // A missing or non-numeric code must never match (the host pads codes to 6 digits).
      return returnValue(host.sendOptInCode(/^[0-9]{1,6}$/.test(code) ? code : 'none'))
    },
    CancelOptIn: ({ host }) => returnValue(host.cancelOptIn()),
  },
}
