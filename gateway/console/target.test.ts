import { Duplex, PassThrough } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../protocol/errors.js'
import { CiralabError } from '../../protocol/errors.js'
import { resolveConsoleContext } from './context.js'
import { ChannelOpenError, type ConnectedDevice } from './directory.js'
import { findDevice, openChannelWithin } from './target.js'

function device(open: () => Promise<Duplex>): ConnectedDevice {
  return { uuid: '4c4c4544-004b-4210-8033-b6c04f504633', fqdn: 'amt.test', forwardedPorts: new Set([16992]), openChannel: open }
}

describe('openChannelWithin', () => {
  it('times out, and destroys a channel that opens late', async () => {
    const late = new PassThrough()
    let resolveOpen: (d: Duplex) => void = () => undefined
    const d = device(() => new Promise<Duplex>((resolve) => (resolveOpen = resolve)))
    const error = await openChannelWithin(d, 16992, { address: '127.0.0.1', port: 1 }, 20).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChannelOpenError)
    expect((error as ChannelOpenError).kind).toBe('timeout')
    resolveOpen(late)
    await new Promise((resolve) => setImmediate(resolve))
    expect(late.destroyed).toBe(true)
  })

  it('passes ChannelOpenError through and turns anything else into disconnected', async () => {
    const refused = await openChannelWithin(device(() => Promise.reject(new ChannelOpenError('refused', 'no', 1))), 16992, { address: '', port: 0 }, 1000).catch((e: unknown) => e)
    expect((refused as ChannelOpenError).kind).toBe('refused')
    const other = await openChannelWithin(device(() => Promise.reject(new Error('boom'))), 16992, { address: '', port: 0 }, 1000).catch((e: unknown) => e)
    expect((other as ChannelOpenError).kind).toBe('disconnected')
  })
})

describe('console options and device names', () => {
  const d = device(() => Promise.reject(new Error('unused')))
  const directory = { lookup: (name: string) => (name.toLowerCase() === 'amt.test' || name.toLowerCase() === d.uuid ? d : undefined) }
  const base = { directory, allowedPorts: new Set([16992]), logger: pino({ level: 'silent' }) }

  it('finds devices by name (a trailing dot ignored) and by mapped IP in any text form', () => {
    const ctx = resolveConsoleContext({ ...base, addressMap: new Map([['FD00:0:0::1', 'amt.test']]) })
    expect(findDevice(ctx, 'AMT.test.')).toBe(d)
    expect(findDevice(ctx, 'fd00::1')).toBe(d)
    expect(findDevice(ctx, '[fd00:0::1]')).toBe(d)
    expect(findDevice(ctx, '10.0.0.1')).toBeUndefined()
  })

  it('reports every bad option at once as CFG_ERR_INVALID', () => {
    let error: unknown
    try {
      resolveConsoleContext({ ...base, allowedPorts: new Set([0, 16992]), openTimeoutMs: -1, addressMap: new Map([['amt.test', 'x']]) })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CiralabError)
    expect((error as CiralabError).code).toBe(ErrorCode.CFG_ERR_INVALID)
    expect((error as CiralabError).message).toMatch(/openTimeoutMs.*allowed port 0.*address map key "amt.test"/)
  })
})
