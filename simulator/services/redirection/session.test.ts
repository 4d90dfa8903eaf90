import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../protocol/errors.js'
import { AuthType, encodeRedirectionMessage, RedirectionSessionError, StartStatus } from '../../../protocol/redirection/index.js'
import { expectMessage, openRedirectionSession, RedirectionConnection } from '../../../consoles/redirection-session.js'
import { SolClient } from '../../../consoles/sol-client.js'
import { DeviceRedirectionConnection, serveRedirection } from './index.js'
import { ACCOUNT, byteSplittingPair, startDevice, waitUntil, type TestDevice } from './test-support/harness.js'

let device: TestDevice | null = null
afterEach(async () => {
  await device?.close()
  device = null
})

async function refusal(promise: Promise<unknown>): Promise<RedirectionSessionError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RedirectionSessionError)
  return error as RedirectionSessionError
}

describe('redirection session start and login (loopback)', () => {
  for (const kind of ['sol', 'ider', 'kvm'] as const) {
    it(`starts a ${kind} session: 0x11 success with protocol 1.0, firmware 16.1, IANA 0x157`, async () => {
      device = await startDevice()
      const session = await device.open({ kind })
      expect(session.startReply).toMatchObject({ status: StartStatus.SUCCESS, protocolMajor: 1, protocolMinor: 0, firmwareMajor: 16, firmwareMinor: 1, oemIana: 0x157 })
      expect(session.authTypes).toEqual([AuthType.DIGEST_RFC2069, AuthType.DIGEST])
      await waitUntil(() => device?.host.activeRedirections.has(kind) === true, 5000, 'host session start')
      expect(device.ctx.counters.redirectionSessions).toBe(1)
      session.connection.close()
      await waitUntil(() => device?.host.activeRedirections.size === 0, 5000, 'host session end')
    })
  }

  it('logs in with digest type 4, MeshCommander variant (nc 00000002, 32-hex cnonce)', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'sol', auth: 'digest', variant: 'meshcommander' })
    expect(session.authType).toBe(AuthType.DIGEST)
    expect(session.connection.phase).toBe('sol')
    session.connection.close()
  })

  it('logs in with digest type 4, MPS variant (nc from 00000001, 20-hex cnonce)', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'ider', auth: 'digest', variant: 'mps' })
    expect(session.authType).toBe(AuthType.DIGEST)
    session.connection.close()
  })

  it('logs in with digest type 3 (RFC 2069)', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'kvm', auth: 'digest-rfc2069' })
    expect(session.authType).toBe(AuthType.DIGEST_RFC2069)
    session.connection.close()
  })

  it('logs in with user/password type 1 on AMT 11, which advertises it, with and without a query', async () => {
    device = await startDevice({ identity: { amtVersion: '11.8.79' } })
    const queried = await device.open({ kind: 'sol', auth: 'password' })
    expect(queried.authTypes).toEqual([AuthType.USER_PASSWORD, AuthType.DIGEST_RFC2069, AuthType.DIGEST])
    expect(queried.startReply.firmwareMajor).toBe(11)
    queried.connection.close()
    await waitUntil(() => device?.host.activeRedirections.size === 0, 5000, 'first session end')
    const hamtsolo = await device.open({ kind: 'sol', auth: 'password', query: false })
    expect(hamtsolo.authTypes).toBeNull()
    hamtsolo.connection.close()
  })

  it('answers type 1 with NOT_SUPPORTED on a modern device', async () => {
    device = await startDevice()
    const error = await refusal(device.open({ kind: 'sol', auth: 'password', query: false }))
    expect(error.code).toBe(ErrorCode.REDIR_ERR_AUTH_UNSUPPORTED)
    expect(error.status).toBe(2)
    expect(device.ctx.counters.redirectionAuthFailures).toBe(0)
  })

  it('refuses a wrong digest password with 14 01 … and closes, counted', async () => {
    device = await startDevice()
    const error = await refusal(device.open({ kind: 'sol', password: 'wrong' }))
    expect(error.code).toBe(ErrorCode.REDIR_ERR_AUTH_FAILED)
    expect(error.status).toBe(1)
    expect(device.ctx.counters.redirectionAuthFailures).toBe(1)
    expect(device.ctx.counters.redirectionSessions).toBe(0)
  })

  it('refuses a wrong user/password and a wrong RFC 2069 digest, each counted', async () => {
    device = await startDevice({ identity: { amtVersion: '11.8.79' } })
    expect((await refusal(device.open({ kind: 'sol', auth: 'password', password: 'nope' }))).code).toBe(ErrorCode.REDIR_ERR_AUTH_FAILED)
    expect((await refusal(device.open({ kind: 'sol', auth: 'digest-rfc2069', user: 'root' }))).code).toBe(ErrorCode.REDIR_ERR_AUTH_FAILED)
    expect(device.ctx.counters.redirectionAuthFailures).toBe(2)
  })

  it('closes the stream after a failed login (no second attempt on the same connection)', async () => {
    device = await startDevice()
    const socket = await device.connect()
    const connection = new RedirectionConnection(socket, { deadlineMs: 5000 })
    await connection.send({ type: 'START_REDIRECTION_SESSION', flag: 0, tag: 'SOL ' })
    await expectMessage(connection, 'START_REDIRECTION_SESSION_REPLY')
    await connection.send({ type: 'AUTHENTICATE_SESSION', authType: 1, body: { kind: 'password', user: ACCOUNT.user, password: 'x' } })
    expect(await expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')).toMatchObject({ status: 2 }) // type 1 not offered on AMT 16
    await connection.send({ type: 'AUTHENTICATE_SESSION', authType: 4, body: { kind: 'digest', user: 'admin', realm: 'r', nonce: 'n', uri: '/RedirectionService', cnonce: 'c', nc: '00000002', response: '0'.repeat(32), qop: 'auth' } })
    // A digest answer without a challenge is a first step: the device challenges.
    expect(await expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')).toMatchObject({ status: 1, body: { kind: 'challenge', qop: 'auth' } })
    await connection.send({ type: 'AUTHENTICATE_SESSION', authType: 4, body: { kind: 'digest', user: 'admin', realm: 'r', nonce: 'n', uri: '/RedirectionService', cnonce: 'c', nc: '00000002', response: '0'.repeat(32), qop: 'auth' } })
    expect(await expectMessage(connection, 'AUTHENTICATE_SESSION_REPLY')).toMatchObject({ status: 1, body: { kind: 'none' } })
    const closed = await connection.next().then(
      () => null,
      (e: unknown) => e,
    )
    expect((closed as RedirectionSessionError).code).toBe(ErrorCode.REDIR_ERR_CLOSED)
  })

  it('refuses a second session of the same kind with BUSY, but allows SOL and IDE-R together', async () => {
    device = await startDevice()
    const sol = await device.open({ kind: 'sol' })
    await waitUntil(() => device?.host.activeRedirections.has('sol') === true, 5000, 'sol active')
    const second = await refusal(device.open({ kind: 'sol' }))
    expect([second.code, second.status]).toEqual([ErrorCode.REDIR_ERR_START_REFUSED, StartStatus.BUSY])
    expect(device.ctx.counters.consentRefusals).toBe(0)
    const ider = await device.open({ kind: 'ider' })
    sol.connection.close()
    ider.connection.close()
  })

  it('hangs up on a console that does not log in within the login timeout', async () => {
    device = await startDevice()
    const [deviceEnd, consoleEnd] = byteSplittingPair()
    new DeviceRedirectionConnection(deviceEnd, device.ctx, () => {
      throw new Error('no session expected')
    }).start(100)
    consoleEnd.resume()
    await once(consoleEnd, 'end')
    consoleEnd.destroy()
  })

  it('refuses an unknown session tag with status 1 and closes', async () => {
    device = await startDevice()
    const socket = await device.connect()
    const connection = new RedirectionConnection(socket, { deadlineMs: 5000 })
    await connection.send({ type: 'START_REDIRECTION_SESSION', flag: 0, tag: 'XYZW' })
    expect(await expectMessage(connection, 'START_REDIRECTION_SESSION_REPLY')).toMatchObject({ status: StartStatus.TYPE_UNKNOWN })
    connection.close()
  })
})

describe('user consent', () => {
  it('refuses sessions while consent is required and not given, then accepts after OptIn', async () => {
    device = await startDevice({ identity: { consentPolicy: 0xffffffff } })
    const refused = await refusal(device.open({ kind: 'sol' }))
    expect(refused.code).toBe(ErrorCode.REDIR_ERR_START_REFUSED)
    expect(refused.status).toBe(StartStatus.BUSY)
    expect((await refusal(device.open({ kind: 'ider' }))).code).toBe(ErrorCode.REDIR_ERR_START_REFUSED)
    expect(device.ctx.counters.consentRefusals).toBe(2)

    expect(device.host.startOptIn()).toBe(0)
    // Code displayed but not yet entered: still refused.
    expect((await refusal(device.open({ kind: 'kvm' }))).code).toBe(ErrorCode.REDIR_ERR_START_REFUSED)
    expect(device.host.sendOptInCode(device.host.displayedCode ?? '')).toBe(0)

    const session = await device.open({ kind: 'sol' })
    expect(session.startReply.status).toBe(0)
    await waitUntil(() => device?.host.consentState === 4, 5000, 'consent in session')
    expect(device.ctx.counters.consentRefusals).toBe(3)
    session.connection.close()
    // Closing the last session returns consent to "not started".
    await waitUntil(() => device?.host.consentState === 0, 5000, 'consent reset')
  })

  it('with policy KVM-only, SOL needs no consent but KVM does', async () => {
    device = await startDevice({ identity: { consentPolicy: 1 } })
    const sol = await device.open({ kind: 'sol' })
    sol.connection.close()
    expect((await refusal(device.open({ kind: 'kvm' }))).code).toBe(ErrorCode.REDIR_ERR_START_REFUSED)
  })
})

describe('messages split at every byte', () => {
  it('runs a whole SOL login and echo with every byte delivered alone, both ways', async () => {
    device = await startDevice()
    const [deviceEnd, consoleEnd] = byteSplittingPair()
    serveRedirection(deviceEnd, device.ctx)
    const session = await openRedirectionSession(consoleEnd, { kind: 'sol', user: ACCOUNT.user, password: ACCOUNT.password, deadlineMs: 10_000 })
    const sol = await SolClient.start(session)
    await sol.readUntil('dev-000007 login: ')
    await sol.sendKeys('root')
    await sol.readUntil('login: root')
    expect(sol.powerOn).toBe(true)
    await sol.end()
    expect(device.ctx.counters.solBytesFromConsole).toBe(4)
  })

  it('a device that receives a garbage byte after login closes the stream', async () => {
    device = await startDevice()
    const session = await device.open({ kind: 'sol' })
    const closed = once(session.connection.stream, 'close')
    await session.connection.send(Buffer.concat([encodeRedirectionMessage({ type: 'SOL_HEARTBEAT', seq: 1 }), Buffer.from([0x99])]))
    await closed
    await waitUntil(() => device?.host.activeRedirections.size === 0, 5000, 'session end')
  })
})
