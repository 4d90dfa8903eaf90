/** Every class the simulated firmware answers for, by class name. */

import { bootCapabilities, bootConfigSetting, bootService, bootSettingData, bootSourceSetting } from './boot.js'
import { optInService } from './consent.js'
import { computerSystemPackage, generalSettings, setupAndConfiguration, softwareIdentity } from './general.js'
import { associatedPowerManagementService, powerManagementService, serviceAvailableToElement } from './power.js'
import { kvmRedirectionSap, kvmRedirectionSettingData, redirectionService } from './redirection.js'
import { managementPresenceRemoteSap, remoteAccessPolicyRule, remoteAccessService, userInitiatedConnectionService } from './remote-access.js'
import type { ResourceClass } from './types.js'

export const SIMULATED_CLASSES: ReadonlyMap<string, ResourceClass> = new Map(
  [
    generalSettings,
    softwareIdentity,
    setupAndConfiguration,
    computerSystemPackage,
    serviceAvailableToElement,
    associatedPowerManagementService,
    powerManagementService,
    optInService,
    redirectionService,
    kvmRedirectionSap,
    kvmRedirectionSettingData,
    bootSettingData,
    bootCapabilities,
    bootConfigSetting,
    bootService,
    bootSourceSetting,
    remoteAccessPolicyRule,
    managementPresenceRemoteSap,
    remoteAccessService,
    userInitiatedConnectionService,
  ].map((c) => [c.className, c]),
)

export type { ClassContext, ResourceClass } from './types.js'
