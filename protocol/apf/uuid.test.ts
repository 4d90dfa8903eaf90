import { describe, expect, it } from 'vitest'
import { ApfEncodeError } from '../errors.js'
import { isUuidText, uuidFromPlatformGuid, uuidFromWire, uuidToWire } from './uuid.js'

describe('mixed-endian UUIDs', () => {
  it('reads wire bytes as MPS guidToStr does (apf.md §5.1)', () => {
    expect(uuidFromWire(Buffer.from('44454C4C4B0010428033B6C04F504633', 'hex'))).toBe('4c4c4544-004b-4210-8033-b6c04f504633')
    expect(uuidFromWire(Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex'))).toBe('33221100-5544-7766-8899-aabbccddeeff')
  })

  it('reads at an offset', () => {
    const buf = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from('00112233445566778899aabbccddeeff', 'hex')])
    expect(uuidFromWire(buf, 3)).toBe('33221100-5544-7766-8899-aabbccddeeff')
  })

  it('writes text (any case) back to the same wire bytes', () => {
    expect(uuidToWire('4C4C4544-004B-4210-8033-B6C04F504633').toString('hex')).toBe('44454c4c4b0010428033b6c04f504633')
    expect(uuidToWire('33221100-5544-7766-8899-aabbccddeeff').toString('hex')).toBe('00112233445566778899aabbccddeeff')
  })

  it('reads PlatformGUID (32 hex digits in wire order)', () => {
    expect(uuidFromPlatformGuid('44454C4C4B0010428033B6C04F504633')).toBe('4c4c4544-004b-4210-8033-b6c04f504633')
    expect(() => uuidFromPlatformGuid('44454C4C')).toThrow(ApfEncodeError)
  })

  it('refuses text that is not a UUID', () => {
    expect(isUuidText('not-a-uuid')).toBe(false)
    expect(isUuidText('4c4c4544-004b-4210-8033-b6c04f504633')).toBe(true)
    expect(() => uuidToWire('4c4c4544004b42108033b6c04f504633')).toThrow(ApfEncodeError)
    try {
      uuidToWire('x')
    } catch (e) {
      expect((e as ApfEncodeError).code).toBe('APF_ERR_INVALID_FIELD')
    }
  })
})
