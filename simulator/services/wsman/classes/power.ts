/**
 * Power: CIM_AssociatedPowerManagementService (also what CIM_ServiceAvailableToElement
 * enumerates) and CIM_PowerManagementService.RequestPowerStateChange, which drives the
 * simulated host (redirection-wsman.md §4.5, §4.6).
 */

import { epr, resourceUriFor, textOf } from '../../../../protocol/wsman/index.js'
import { AMT_SYSTEM, instance, returnValue, type ClassContext, type ResourceClass } from './types.js'

const POWER_SERVICE_NAME = 'Intel(r) AMT Power Management Service'

/**
 * What a console may ask for in each power state. On (2) and sleep (4) are captured; off and
 * hibernate offer power-on only and are [inferred].
 */
export function availablePowerStates(powerState: number): string[] {
  switch (powerState) {
    case 2:
      return ['10', '8', '5', '11', '4', '7', '14', '12']
    case 3:
    case 4:
      return ['8', '2', '5']
    default:
      return ['2']
  }
}

function associatedPower(ctx: ClassContext) {
  return instance('CIM_AssociatedPowerManagementService', {
    AvailableRequestedPowerStates: availablePowerStates(ctx.host.powerState),
    PowerState: String(ctx.host.powerState),
    ServiceProvided: epr(resourceUriFor('CIM_PowerManagementService'), [
      { name: 'CreationClassName', value: 'CIM_PowerManagementService' },
      { name: 'Name', value: POWER_SERVICE_NAME },
      { name: 'SystemCreationClassName', value: 'CIM_ComputerSystem' },
      { name: 'SystemName', value: 'Intel(r) AMT' },
    ]),
    UserOfService: epr(resourceUriFor('CIM_ComputerSystem'), [
      { name: 'CreationClassName', value: 'CIM_ComputerSystem' },
      { name: 'Name', value: 'ManagedSystem' },
    ]),
  })
}

export const associatedPowerManagementService: ResourceClass = {
  className: 'CIM_AssociatedPowerManagementService',
  instances: (ctx) => [associatedPower(ctx)],
}

/** MeshCommander enumerates this association and reads the power items out of it. */
export const serviceAvailableToElement: ResourceClass = {
  className: 'CIM_ServiceAvailableToElement',
  instances: (ctx) => [associatedPower(ctx)],
}

export const powerManagementService: ResourceClass = {
  className: 'CIM_PowerManagementService',
  instances: () => [
    instance('CIM_PowerManagementService', {
      CreationClassName: 'CIM_PowerManagementService',
      ElementName: POWER_SERVICE_NAME,
      EnabledState: '5',
      Name: POWER_SERVICE_NAME,
      RequestedState: '12',
      ...AMT_SYSTEM,
    }),
  ],
  methods: {
    RequestPowerStateChange: ({ host }, input) => {
      const requested = textOf(input, 'PowerState')?.trim() ?? ''
      // CIM ReturnValue 5 = Invalid Parameter; the host answers 0, 1 or 4097 itself.
      if (!/^[0-9]{1,5}$/.test(requested)) return returnValue(5)
      return returnValue(host.requestPowerState(Number(requested)))
    },
  },
}
