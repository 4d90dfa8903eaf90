import { describe, expect, it } from 'vitest'
import { digestAnswerBody, digestStartBody, type AuthenticateSession, type RedirectionMessage } from '../../../protocol/redirection/index.js'
import { advertisedAuthTypes, stepDeviceSession, type DeviceSessionState, type SessionEnv } from './session-step.js'

const env: SessionEnv = {
  account: { user: 'admin', password: 'pw' },
  realm: 'Digest:00112233445566778899AABBCCDDEEFF',
  authTypes: [3, 4],
  firmwareMajor: 16,
  firmwareMinor: 1,
  mayStart: () => true,
  isBusy: () => false,
  newNonce: () => 'a'.repeat(32),
}

const challenged: DeviceSessionState = { name: 'challenged', kind: 'sol', authType: 4, nonce: 'a'.repeat(32) }
const answer = (overrides: Partial<Parameters<typeof digestAnswerBody>[0]> = {}, authType = 4): AuthenticateSession => ({
  type: 'AUTHENTICATE_SESSION',
  authType,
  body: digestAnswerBody({ user: 'admin', password: 'pw', realm: env.realm, nonce: 'a'.repeat(32), qop: 'auth', nc: '00000002', cnonce: 'c'.repeat(32), ...overrides }),
})

describe('stepDeviceSession', () => {
  it('accepts a correct digest answer to its own challenge', () => {
    const step = stepDeviceSession(challenged, answer(), env)
    expect(step.state).toEqual({ name: 'authenticated', kind: 'sol' })
    expect(step.effects).toEqual([{ kind: 'authenticated', session: 'sol' }])
  })

  const bad: [string, AuthenticateSession][] = [
    ['another nonce', answer({ nonce: 'b'.repeat(32) })],
    ['another realm', answer({ realm: 'Digest:FFFF' })],
    ['qop auth-int', answer({ qop: 'auth-int' })],
    ['another user', answer({ user: 'root' })],
  ]
  for (const [name, m] of bad) {
    it(`refuses an answer with ${name}, counted and closed`, () => {
      const step = stepDeviceSession(challenged, m, env)
      expect(step.state.name).toBe('closed')
      expect(step.send).toEqual([{ type: 'AUTHENTICATE_SESSION_REPLY', status: 1, authType: 4, body: { kind: 'none' } }])
      expect(step.effects.map((e) => e.kind)).toEqual(['auth-failed', 'close'])
    })
  }

  it('challenges again on a new first step, with a fresh nonce', () => {
    let n = 0
    const step = stepDeviceSession(challenged, { type: 'AUTHENTICATE_SESSION', authType: 4, body: digestStartBody('admin', 4) }, { ...env, newNonce: () => `nonce${++n}` })
    expect(step.state).toMatchObject({ name: 'challenged', nonce: 'nonce1' })
  })

  it('closes on anything but 0x10 first, and on 0x12 at any time', () => {
    const other: RedirectionMessage = { type: 'AUTHENTICATE_SESSION', authType: 0, body: { kind: 'none' } }
    expect(stepDeviceSession({ name: 'awaiting-start' }, other, env).state.name).toBe('closed')
    expect(stepDeviceSession(challenged, { type: 'END_REDIRECTION_SESSION' }, env).effects).toEqual([{ kind: 'close' }])
  })

  it('advertises user/password only on AMT 11', () => {
    expect(advertisedAuthTypes(11)).toEqual([1, 3, 4])
    expect(advertisedAuthTypes(12)).toEqual([3, 4])
  })
})
