import { describe, expect, it } from 'vitest'
import { checkBasicAuthorization, createCredentialCheck } from './credentials.js'

describe('proxy credentials', () => {
  const check = createCredentialCheck({ username: 'console', password: 'pa:ss é' })
  const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`

  it('accepts exactly the configured pair', () => {
    expect(check(Buffer.from('console'), Buffer.from('pa:ss é'))).toBe(true)
    expect(check(Buffer.from('console'), Buffer.from('pa:ss e'))).toBe(false)
    expect(check(Buffer.from('Console'), Buffer.from('pa:ss é'))).toBe(false)
    expect(check(Buffer.from(''), Buffer.from(''))).toBe(false)
  })

  it('reads Basic Proxy-Authorization, splitting at the first colon', () => {
    expect(checkBasicAuthorization(basic('console:pa:ss é'), check)).toBe('ok')
    expect(checkBasicAuthorization(`bAsIc   ${Buffer.from('console:pa:ss é').toString('base64')}`, check)).toBe('ok')
    expect(checkBasicAuthorization(undefined, check)).toBe('missing')
    expect(checkBasicAuthorization('', check)).toBe('missing')
    for (const bad of [basic('console:wrong'), basic('no-colon'), 'Bearer abc', 'Basic !!!', `Basic ${'A'.repeat(2000)}`, 'Digest username="x"']) {
      expect(checkBasicAuthorization(bad, check), bad).toBe('invalid')
    }
  })
})
