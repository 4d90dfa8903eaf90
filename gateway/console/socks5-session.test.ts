import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import { createCredentialCheck } from './credentials.js'
import { stepSocksHandshake } from './socks5-session.js'

const hex = (s: string) => Buffer.from(s, 'hex')
const check = createCredentialCheck({ username: 'u', password: 'p' })

describe('SOCKS5 handshake steps', () => {
  it('without auth: greeting -> request -> connect, reporting what each consumed', () => {
    expect(stepSocksHandshake('greeting', hex('05'), null)).toEqual({ kind: 'need-more' })
    const greeting = stepSocksHandshake('greeting', hex('0502000299'), null)
    expect(greeting).toEqual({ kind: 'continue', phase: 'request', consumed: 4, send: hex('0500') })
    const request = stepSocksHandshake('request', hex('0501000301614260ffee'), null)
    expect(request).toMatchObject({ kind: 'connect', consumed: 8, request: { address: { type: 'domain', host: 'a' }, port: 16992 } })
  })

  it('with auth: only username/password is acceptable, and the credentials are checked', () => {
    expect(stepSocksHandshake('greeting', hex('050100'), check)).toEqual({ kind: 'reject', reason: 'no-method', code: 'no-method', send: hex('05ff') })
    expect(stepSocksHandshake('greeting', hex('05020002'), check)).toEqual({ kind: 'continue', phase: 'credentials', consumed: 4, send: hex('0502') })
    expect(stepSocksHandshake('credentials', hex('0101750170'), check)).toEqual({ kind: 'continue', phase: 'request', consumed: 5, send: hex('0100') })
    expect(stepSocksHandshake('credentials', hex('0101750171'), check)).toEqual({ kind: 'reject', reason: 'auth-failed', code: 'auth-failed', send: hex('0101') })
  })

  it('without auth configured, a client offering only username/password gets 0xFF', () => {
    expect(stepSocksHandshake('greeting', hex('050102'), null)).toMatchObject({ kind: 'reject', reason: 'no-method', send: hex('05ff') })
  })

  it('answers malformed input as the codec says, and BIND / UDP ASSOCIATE with 0x07', () => {
    expect(stepSocksHandshake('greeting', hex('04'), null)).toEqual({ kind: 'reject', reason: 'malformed', code: ErrorCode.SOCKS_ERR_VERSION, send: null })
    expect(stepSocksHandshake('greeting', hex('0500'), null)).toMatchObject({ kind: 'reject', code: ErrorCode.SOCKS_ERR_NO_METHODS, send: hex('05ff') })
    expect(stepSocksHandshake('credentials', hex('05'), check)).toMatchObject({ kind: 'reject', code: ErrorCode.SOCKS_ERR_VERSION, send: hex('0101') })
    expect(stepSocksHandshake('request', hex('050100057f'), null)).toMatchObject({ kind: 'reject', code: ErrorCode.SOCKS_ERR_ADDRESS_TYPE, send: hex('05080001000000000000') })
    for (const command of ['02', '03']) {
      expect(stepSocksHandshake('request', hex(`05${command}0001000000000000`), null)).toEqual({
        kind: 'reject',
        reason: 'command-not-supported',
        code: 'command-not-supported',
        send: hex('05070001000000000000'),
      })
    }
  })
})
