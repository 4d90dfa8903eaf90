import { describe, expect, it } from 'vitest'
import { isUuidText } from '../../protocol/apf/index.js'
import { BLANK_UUID, DEFAULT_IDENTITY_MIX, fleetUuid, generateIdentity, resolveVersion } from './identity-gen.js'

describe('device identities', () => {
  it('depend only on the seed and the index', () => {
    expect(generateIdentity('s', 123)).toEqual(generateIdentity('s', 123))
    expect(generateIdentity('s', 123).uuid).not.toBe(generateIdentity('t', 123).uuid)
    expect(generateIdentity('s', 123).uuid).not.toBe(generateIdentity('s', 124).uuid)
  })

  it('have the documented shapes', () => {
    const id = generateIdentity('ciralab', 123)
    expect(id.fqdn).toBe('dev-000123.fleet.test')
    expect(isUuidText(id.uuid)).toBe(true)
    expect(id.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(id.digestRealm).toMatch(/^Digest:[0-9A-F]{32}$/)
    expect(id.amtVersion).toMatch(/^1[1-9]\.\d+\.\d+$/)
    expect([2, 8]).toContain(id.initialPowerState)
  })

  it('follow the mix over a fleet, and CCM devices always ask for consent', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => generateIdentity('mix', i))
    const share = (p: (x: (typeof ids)[number]) => boolean) => ids.filter(p).length / ids.length
    expect(share((x) => x.amtVersion.startsWith('16.1'))).toBeCloseTo(0.25, 1)
    expect(share((x) => x.amtVersion.startsWith('11.8'))).toBeCloseTo(0.05, 1)
    expect(share((x) => x.provisioningMode === 'CCM')).toBeCloseTo(0.3, 1)
    expect(share((x) => x.initialPowerState === 8)).toBeCloseTo(0.1, 1)
    expect(ids.filter((x) => x.provisioningMode === 'CCM').every((x) => x.consentPolicy === 0xffffffff)).toBe(true)
    expect(new Set(ids.map((x) => x.uuid)).size).toBe(4000)
  })

  it('can share UUIDs between neighbours or leave them blank', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => generateIdentity('dup', i, { ...DEFAULT_IDENTITY_MIX, sharedUuidFraction: 0.2, blankUuidFraction: 0.1 }))
    const blank = ids.filter((x) => x.uuid === BLANK_UUID).length
    const shared = ids.filter((x) => x.index > 0 && x.uuid === fleetUuid('dup', x.index - 1)).length
    expect(blank / 1000).toBeCloseTo(0.1, 1)
    expect(shared / 1000).toBeCloseTo(0.2, 1)
  })

  it('fills in patch and build for known versions', () => {
    expect(resolveVersion('16.1')).toEqual({ amtVersion: '16.1.30', amtBuild: '2049' })
    expect(resolveVersion('16.1.7')).toEqual({ amtVersion: '16.1.7', amtBuild: '2049' })
    expect(resolveVersion('13.0')).toEqual({ amtVersion: '13.0.0', amtBuild: '1130' })
  })
})
