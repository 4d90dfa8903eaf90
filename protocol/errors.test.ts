/*
 * The one error-code catalogue: codes are stable strings (tests, logs, metrics and reports key
 * on them), unique, and each base class carries what goes on the wire because of it.
 */

import { describe, expect, it } from 'vitest'
import { ApfDecodeError, ApfDisconnectReason, ApfEncodeError, CiralabError, ErrorCode, UsageError } from './errors.js'

describe('ErrorCode catalogue', () => {
  it('every code is its own name, so a serialised code reads back as the same key', () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(code).toBe(name)
  })

  it('every code starts with its area prefix and *_ERR_', () => {
    for (const code of Object.values(ErrorCode)) expect(code).toMatch(/^[A-Z0-9]+_ERR_[A-Z0-9_]+$/)
  })

  it('keeps published codes (a rename breaks every consumer)', () => {
    expect(ErrorCode).toMatchObject({
      APF_ERR_UNKNOWN_MESSAGE_TYPE: 'APF_ERR_UNKNOWN_MESSAGE_TYPE',
      SOCKS_ERR_VERSION: 'SOCKS_ERR_VERSION',
      DIGEST_ERR_MALFORMED: 'DIGEST_ERR_MALFORMED',
      WSMAN_ERR_HTTP_MALFORMED: 'WSMAN_ERR_HTTP_MALFORMED',
      REDIR_ERR_UNKNOWN_COMMAND: 'REDIR_ERR_UNKNOWN_COMMAND',
      CLI_ERR_USAGE: 'CLI_ERR_USAGE',
    })
  })
})

describe('APF disconnect reasons (apf.md §1.3)', () => {
  it('uses the SSH numbering', () => {
    expect(ApfDisconnectReason.PROTOCOL_ERROR).toBe(2)
    expect(ApfDisconnectReason.SERVICE_NOT_AVAILABLE).toBe(7)
    expect(ApfDisconnectReason.BY_APPLICATION).toBe(11)
    expect(ApfDisconnectReason.TEMPORARILY_UNAVAILABLE).toBe(18)
    expect(new Set(Object.values(ApfDisconnectReason)).size).toBe(18)
  })
})

describe('error classes', () => {
  it('CiralabError keeps code, message and cause', () => {
    const cause = new Error('root')
    expect(new CiralabError('X_ERR_Y', 'm', { cause })).toMatchObject({ name: 'CiralabError', code: 'X_ERR_Y', message: 'm', cause })
  })

  it('ApfDecodeError defaults to PROTOCOL_ERROR at offset 0 and shifts into the stream', () => {
    const e = new ApfDecodeError(ErrorCode.APF_ERR_MALFORMED, 'bad')
    expect(e).toMatchObject({ name: 'ApfDecodeError', offset: 0, messageType: null, disconnectReason: ApfDisconnectReason.PROTOCOL_ERROR })
    expect(e.shifted(0)).toBe(e)
    const placed = new ApfDecodeError(ErrorCode.APF_ERR_BUFFER_LIMIT, 'big', { offset: 4, messageType: 94, disconnectReason: ApfDisconnectReason.BY_APPLICATION })
    expect(placed.shifted(10)).toMatchObject({ code: ErrorCode.APF_ERR_BUFFER_LIMIT, offset: 14, messageType: 94, disconnectReason: ApfDisconnectReason.BY_APPLICATION })
  })

  it('ApfEncodeError and UsageError carry their fixed codes', () => {
    expect(new ApfEncodeError('x')).toMatchObject({ name: 'ApfEncodeError', code: ErrorCode.APF_ERR_INVALID_FIELD })
    const usage = new UsageError('--count: expected an integer, got "x"')
    expect(usage).toBeInstanceOf(CiralabError)
    expect(usage).toMatchObject({ name: 'UsageError', code: ErrorCode.CLI_ERR_USAGE, message: '--count: expected an integer, got "x"' })
  })
})
