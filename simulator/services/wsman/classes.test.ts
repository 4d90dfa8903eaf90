import { afterEach, describe, expect, it } from 'vitest'
import type { WsmanClient, WsmanExchange } from '../../../consoles/wsman-client.js'
import { uuidFromPlatformGuid } from '../../../protocol/apf/index.js'
import { epr, listOf, resourceUriFor, textOf, type Properties, type WsmanInstance } from '../../../protocol/wsman/index.js'
import { OptInState } from '../host.js'
import { SIMULATED_CLASSES } from './classes/index.js'
import { clientFor, startDevice, testIdentity, type TestDevice } from './test-support/harness.js'

const open: (TestDevice | WsmanClient)[] = []
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close()
})

async function setup(identity = testIdentity()): Promise<{ d: TestDevice; c: WsmanClient }> {
  const d = await startDevice({ identity })
  const c = clientFor(d, 'mps')
  open.push(d, c)
  return { d, c }
}

function instanceOf(reply: WsmanExchange): WsmanInstance {
  expect(reply.status).toBe(200)
  const r = reply.response
  if (r?.kind !== 'get' && r?.kind !== 'put') throw new Error(`expected an instance, got ${r?.kind ?? reply.status}`)
  return r.instance
}

function outputOf(reply: WsmanExchange): Properties {
  expect(reply.status).toBe(200)
  if (reply.response?.kind !== 'invoke') throw new Error(`expected a method output, got ${reply.response?.kind ?? reply.status}`)
  return reply.response.output
}

const returnValueOf = (reply: WsmanExchange): string | undefined => textOf(outputOf(reply), 'ReturnValue')

describe('simulated WS-MAN classes', () => {
  it('answers Get and Enumerate+Pull for every class it simulates', async () => {
    const { c } = await setup()
    for (const className of SIMULATED_CLASSES.keys()) {
      const got = await c.get(className)
      expect(got.status, className).toBe(200)
      const { items, exchanges } = await c.enumerateAll(className)
      expect(items.length, className).toBeGreaterThan(0)
      const last = exchanges[exchanges.length - 1]?.response
      expect(last?.kind === 'pull' && last.context === null && last.endOfSequence, className).toBe(true)
    }
  })

  it('reports the device identity', async () => {
    const identity = testIdentity({ provisioningMode: 'CCM', amtVersion: '16.1.30', amtBuild: '2049' })
    const { c } = await setup(identity)
    const settings = instanceOf(await c.get('AMT_GeneralSettings')).properties
    expect([textOf(settings, 'DigestRealm'), textOf(settings, 'HostName'), textOf(settings, 'DomainName')]).toEqual([identity.digestRealm, 'dev-000007', 'fleet.test'])
    const setup2 = instanceOf(await c.get('AMT_SetupAndConfigurationService')).properties
    expect(textOf(setup2, 'ProvisioningMode')).toBe('4')
    const pkg = instanceOf(await c.get('CIM_ComputerSystemPackage')).properties
    expect(textOf(pkg, 'PlatformGUID')).toBe('44454C4C4B0010428033B6C04F504633')
    expect(uuidFromPlatformGuid(textOf(pkg, 'PlatformGUID') ?? '')).toBe(identity.uuid)
    const { items } = await c.enumerateAll('CIM_SoftwareIdentity')
    expect(items).toHaveLength(11)
    const version = (id: string) => textOf(items.find((i) => textOf(i.properties, 'InstanceID') === id)?.properties ?? {}, 'VersionString')
    expect([version('AMT'), version('Build Number'), version('Sku')]).toEqual(['16.1.30', '2049', '16392'])
    const uuid = outputOf(await c.invoke('AMT_SetupAndConfigurationService', 'GetUuid'))
    expect(Buffer.from(textOf(uuid, 'UUID') ?? '', 'base64').toString('hex').toUpperCase()).toBe('44454C4C4B0010428033B6C04F504633')
  })

  it('pages a Pull by MaxElements and refuses a finished context', async () => {
    const { c } = await setup()
    const started = await c.enumerate('CIM_SoftwareIdentity')
    const context = started.response?.kind === 'enumerate' ? started.response.context : ''
    expect(context).toMatch(/^[0-9A-F]{8}-0000-0000-0000-000000000000$/)
    const page = await c.pull('CIM_SoftwareIdentity', context, 4)
    expect(page.response).toMatchObject({ kind: 'pull', context, endOfSequence: false })
    const rest = await c.pull('CIM_SoftwareIdentity', context, 999)
    expect(rest.response).toMatchObject({ kind: 'pull', context: null, endOfSequence: true })
    expect(rest.response?.kind === 'pull' && rest.response.items).toHaveLength(7)
    const again = await c.pull('CIM_SoftwareIdentity', context)
    expect(again.status).toBe(400)
    expect(again.response).toMatchObject({ kind: 'fault', fault: { subcode: 'InvalidEnumerationContext' } })
  })

  it('changes the host power state with RequestPowerStateChange', async () => {
    const { d, c } = await setup()
    const managed = { ManagedElement: epr(resourceUriFor('CIM_ComputerSystem'), [{ name: 'Name', value: 'ManagedSystem' }]) }
    expect(returnValueOf(await c.invoke('CIM_PowerManagementService', 'RequestPowerStateChange', { PowerState: '8', ...managed }))).toBe('0')
    expect(d.host.powerState).toBe(8)
    expect(returnValueOf(await c.invoke('CIM_PowerManagementService', 'RequestPowerStateChange', { PowerState: '8', ...managed }))).toBe('4097')
    const power = instanceOf(await c.get('CIM_AssociatedPowerManagementService')).properties
    expect([textOf(power, 'PowerState'), listOf(power, 'AvailableRequestedPowerStates')]).toEqual(['8', ['2']])
    expect(returnValueOf(await c.invoke('CIM_PowerManagementService', 'RequestPowerStateChange', { PowerState: '2', ...managed }))).toBe('0')
    expect(d.host.isPoweredOn).toBe(true)
    expect(returnValueOf(await c.invoke('CIM_PowerManagementService', 'RequestPowerStateChange', { PowerState: 'on' }))).toBe('5')
  })

  it('runs user consent: code on screen, wrong code refused, right code accepted', async () => {
    const { d, c } = await setup()
    const optInState = async () => textOf(instanceOf(await c.get('IPS_OptInService')).properties, 'OptInState')
    expect(textOf(instanceOf(await c.get('IPS_OptInService')).properties, 'OptInRequired')).toBe('4294967295')
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'StartOptIn'))).toBe('0')
    const code = d.host.displayedCode
    expect(code).toMatch(/^[0-9]{6}$/)
    expect(d.host.screen.join('\n')).toContain(code ?? 'no code')
    expect(await optInState()).toBe(String(OptInState.DISPLAYED))
    const wrong = code === '000000' ? '000001' : '000000'
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'SendOptInCode', { OptInCode: wrong }))).not.toBe('0')
    expect(await optInState()).toBe(String(OptInState.DISPLAYED))
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'SendOptInCode', { OptInCode: code ?? '' }))).toBe('0')
    expect(await optInState()).toBe(String(OptInState.RECEIVED))
    expect(d.host.mayStartRedirection('kvm')).toBe(true)
  })

  it('lets the consent code time out (120 s) and cancels', async () => {
    const { d, c } = await setup()
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'StartOptIn'))).toBe('0')
    const code = d.host.displayedCode ?? ''
    d.clock.now += 121_000
    expect(textOf(instanceOf(await c.get('IPS_OptInService')).properties, 'OptInState')).toBe('0')
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'SendOptInCode', { OptInCode: code }))).toBe('2')
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'StartOptIn'))).toBe('0')
    expect(returnValueOf(await c.invoke('IPS_OptInService', 'CancelOptIn'))).toBe('0')
    expect(d.host.displayedCode).toBeNull()
  })

  it('switches redirection features on the host', async () => {
    const { d, c } = await setup()
    expect(textOf(instanceOf(await c.get('AMT_RedirectionService')).properties, 'EnabledState')).toBe('32771')
    expect(returnValueOf(await c.invoke('AMT_RedirectionService', 'RequestStateChange', { RequestedState: '32770' }))).toBe('0')
    expect(d.host.features).toMatchObject({ solEnabled: true, iderEnabled: false })
    const put = instanceOf(await c.put('AMT_RedirectionService', { ListenerEnabled: 'false' }, [{ name: 'Name', value: 'Intel(r) AMT Redirection Service' }]))
    expect([textOf(put.properties, 'ListenerEnabled'), textOf(put.properties, 'EnabledState')]).toEqual(['false', '32770'])
    expect(d.host.features.listenerEnabled).toBe(false)
    expect(returnValueOf(await c.invoke('CIM_KVMRedirectionSAP', 'RequestStateChange', { RequestedState: '3' }))).toBe('0')
    expect(textOf(instanceOf(await c.get('CIM_KVMRedirectionSAP')).properties, 'EnabledState')).toBe('3')
    expect(d.host.features.kvmEnabled).toBe(false)
  })

  it('checks KVM settings on Put: RFBPassword rule and port 5900 on 16.1 give 400', async () => {
    const { d, c } = await setup(testIdentity({ amtVersion: '16.1.30' }))
    const put = (values: Record<string, string>) => c.put('IPS_KVMRedirectionSettingData', values, [{ name: 'InstanceID', value: 'Intel(r) KVM Redirection Settings' }])
    const weak = await put({ RFBPassword: 'password' })
    expect(weak.status).toBe(400)
    expect(weak.response).toMatchObject({ kind: 'fault', fault: { subcode: 'InvalidRepresentation' } })
    expect((await put({ Is5900PortEnabled: 'true' })).status).toBe(400)
    const good = instanceOf(await put({ RFBPassword: 'P@ssw0rd', SessionTimeout: '10', OptInPolicy: 'false' }))
    expect([textOf(good.properties, 'RFBPassword'), textOf(good.properties, 'SessionTimeout'), textOf(good.properties, 'OptInPolicy')]).toEqual(['', '10', 'false'])
    expect(d.ctx.counters.wsmanFaults).toBe(2)
  })

  it('sets up a boot to IDE-R the way MeshCommander does', async () => {
    const { d, c } = await setup()
    expect(returnValueOf(await c.invoke('CIM_BootConfigSetting', 'ChangeBootOrder'))).toBe('0')
    const boot = instanceOf(await c.put('AMT_BootSettingData', { UseIDER: 'true', IDERBootDevice: '1', UseSOL: 'true', BIOSSetup: 'false' })).properties
    expect([textOf(boot, 'UseIDER'), textOf(boot, 'IDERBootDevice'), textOf(boot, 'OptionsCleared')]).toEqual(['true', '1', 'false'])
    expect(d.host.boot).toMatchObject({ useIder: true, iderBootDevice: 1, useSol: true })
    const configuration = epr(resourceUriFor('CIM_BootConfigSetting'), [{ name: 'InstanceID', value: 'Intel(r) AMT: Boot Configuration 0' }])
    expect(returnValueOf(await c.invoke('CIM_BootService', 'SetBootConfigRole', { BootConfigSetting: configuration, Role: '1' }))).toBe('0')
    expect(d.host.bootConfigIsNext).toBe(true)
    const cd = epr(resourceUriFor('CIM_BootSourceSetting'), [{ name: 'InstanceID', value: 'Intel(r) AMT: Force CD/DVD Boot' }])
    expect(returnValueOf(await c.invoke('CIM_BootConfigSetting', 'ChangeBootOrder', { Source: cd }))).toBe('0')
    expect(d.host.bootSource).toBe('Intel(r) AMT: Force CD/DVD Boot')
    expect((await c.put('AMT_BootSettingData', { UseIDER: 'yes' })).status).toBe(400)
  })

  it('describes remote access as Open AMT provisions it', async () => {
    const { c } = await setup()
    const { items: rules } = await c.enumerateAll('AMT_RemoteAccessPolicyRule')
    expect(rules.map((r) => textOf(r.properties, 'Trigger'))).toEqual(['0', '1', '2'])
    expect(textOf(rules[2]?.properties ?? {}, 'ExtendedData')).toBe('AAAAAAAAABk=')
    const { items: servers } = await c.enumerateAll('AMT_ManagementPresenceRemoteSAP')
    expect(textOf(servers[0]?.properties ?? {}, 'Name')).toBe('Intel(r) AMT:Management Presence Server 0')
    expect(returnValueOf(await c.invoke('AMT_UserInitiatedConnectionService', 'RequestStateChange', { RequestedState: '32768' }))).toBe('0')
    expect(textOf(instanceOf(await c.get('AMT_UserInitiatedConnectionService')).properties, 'EnabledState')).toBe('32768')
    expect(outputOf(await c.invoke('AMT_RemoteAccessService', 'AddMpServer', { AccessInfo: 'mps.example', InfoFormat: '201', Port: '4433' }))['MpServer']).toMatchObject({ kind: 'epr' })
  })

  it('answers an unknown method with ActionNotSupported and wrong selectors with InvalidSelectors', async () => {
    const { d, c } = await setup()
    expect((await c.invoke('AMT_GeneralSettings', 'Explode')).response).toMatchObject({ kind: 'fault', fault: { subcode: 'ActionNotSupported' } })
    expect((await c.get('AMT_GeneralSettings', [{ name: 'InstanceID', value: 'nope' }])).response).toMatchObject({ kind: 'fault', fault: { subcode: 'InvalidSelectors' } })
    expect((await c.sendRaw('<not-soap/>')).response).toMatchObject({ kind: 'fault', fault: { subcode: 'SchemaValidationError' } })
    expect(d.ctx.counters.wsmanFaults).toBe(3)
  })
})
