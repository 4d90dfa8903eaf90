import { describe, expect, it } from 'vitest'
import { DEFAULT_PROFILE, parseProfile } from './profile.js'
import { deviceConfigFactory } from './device-config.js'

describe('the fleet profile', () => {
  it('is the documented default when empty', () => {
    expect(parseProfile({})).toEqual(DEFAULT_PROFILE)
    expect(DEFAULT_PROFILE.firmware.forwardPorts).toEqual([16993, 16992, 664, 623, 16995, 16994, 5900])
    expect(Object.isFrozen(parseProfile({}).firmware)).toBe(true)
  })

  it('keeps defaults for what a section leaves out', () => {
    const p = parseProfile({ firmware: { initialWindow: 499 }, link: { rttMs: 80 } })
    expect(p.firmware.initialWindow).toBe(499)
    expect(p.firmware.maxChannels).toBe(16)
    expect(p.link).toMatchObject({ rttMs: 80, downlinkBytesPerSecond: 0 })
  })

  it('reports every problem at once, each with its field path', () => {
    let message = ''
    try {
      parseProfile(
        {
          identity: { versions: { '10.0': 1 }, modes: { ACM: 0, CCM: 0 }, sharedUuidFraction: 0.8, blankUuidFraction: 0.5 },
          firmware: { keepaliveSeconds: { '30': -1 }, maxTlsVersion: '1.1', forwardPorts: [16992, 70000] },
          policies: { periodic: { intervalSeconds: 0 } },
          services: { solMode: 'loud', iderExpectedImage: { size: 10, sha256: 'nope' } },
          faults: [{ kind: 'reset' }, { kind: 'garbage', atSeconds: [5, 1] }],
          extra: true,
        },
        'p.json',
      )
    } catch (error) {
      expect(error).toMatchObject({ code: 'CFG_ERR_INVALID' })
      message = (error as Error).message
    }
    for (const expected of [
      'p.json: ',
      'identity.versions.10.0 must be a firmware version from 11.x to 19.x',
      'identity.modes needs at least one positive weight',
      'identity sharedUuidFraction + blankUuidFraction must not exceed 1',
      'firmware.keepaliveSeconds.30 weight must be a number ≥ 0',
      'firmware.maxTlsVersion must be "1.2" or "1.3"',
      'firmware.forwardPorts[1] must be a whole number from 1 to 65535',
      'policies.periodic.intervalSeconds must be a number from 0.01',
      'services.solMode must be "interactive" or "stream"',
      'services.iderExpectedImage.sha256 must match',
      'faults[0] needs ratePerHour or atSeconds',
      'faults[1].atSeconds must be in ascending order',
      'extra is not a known field',
    ]) {
      expect(message).toContain(expected)
    }
  })

  it('turns into per-device configs that share what they can', () => {
    const make = deviceConfigFactory(parseProfile({ firmware: { keepaliveSeconds: { '60': 1 } }, identity: { versions: { '12.0': 1 } } }), {
      seed: 's',
      gateways: { primary: { host: '127.0.0.1', port: 4433 }, alternative: null },
      credentials: { username: 'u', password: 'password1' },
      account: { user: 'a', password: 'b' },
      sourceIps: ['127.0.0.2', '127.0.0.3'],
    })
    const [a, b] = [make(0), make(1)]
    expect(a.firmware).toMatchObject({ keepaliveIntervalSeconds: 60, requireNsCertType: true, tlsCeiling: '1.2', receiveWindow: 32768 })
    expect([a.localAddress, b.localAddress]).toEqual(['127.0.0.2', '127.0.0.3'])
    expect(a.policies).toBe(b.policies)
    expect(a.serviceOptions).toBe(b.serviceOptions)
    expect(a.policies.periodicIntervalMs).toBe(25_000)
  })
})
