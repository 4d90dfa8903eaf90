import { describe, expect, it } from 'vitest'
import { parseAbsoluteForm, parseAuthorityForm, withoutHopByHop } from './http-target.js'

describe('absolute-form targets', () => {
  it('splits host, port and origin-form path', () => {
    expect(parseAbsoluteForm('http://4C4C4544-004B-4210-8033-B6C04F504633:16992/wsman')).toEqual({
      ok: true,
      value: { host: '4C4C4544-004B-4210-8033-B6C04F504633', port: 16992, path: '/wsman', authority: '4C4C4544-004B-4210-8033-B6C04F504633:16992' },
    })
    expect(parseAbsoluteForm('HTTP://amt.test:16992?x=1')).toMatchObject({ ok: true, value: { path: '/?x=1' } })
    expect(parseAbsoluteForm('http://amt.test')).toMatchObject({ ok: true, value: { port: 80, path: '/' } })
    expect(parseAbsoluteForm('http://[fd00::5]:16993/a/b?c')).toMatchObject({ ok: true, value: { host: 'fd00::5', port: 16993, path: '/a/b?c' } })
  })

  it('refuses what is not a plain http target', () => {
    for (const url of ['/wsman', 'https://amt.test:16993/', 'http://u:p@amt.test:16992/', 'http://:16992/', 'http://amt.test:0/', 'http://amt.test:65536/', 'http://amt.test:1a/', 'http://fd00::5:16992/', 'http://[fd00::5/', 'http://[::1]x/', 'http://amt.test:16992/#frag']) {
      expect(parseAbsoluteForm(url).ok, url).toBe(false)
    }
  })

  it('takes authority-form for CONNECT, port required', () => {
    expect(parseAuthorityForm('amt.test:16994')).toEqual({ ok: true, value: { host: 'amt.test', port: 16994 } })
    expect(parseAuthorityForm('[::1]:16995')).toEqual({ ok: true, value: { host: '::1', port: 16995 } })
    expect(parseAuthorityForm('amt.test').ok).toBe(false)
    expect(parseAuthorityForm('amt.test:').ok).toBe(false)
  })
})

describe('hop-by-hop headers', () => {
  it('drops the fixed set and what Connection names, keeping case, order and Proxy-Support', () => {
    const raw = ['Host', 'a', 'Connection', 'keep-alive, X-One', 'X-One', '1', 'Proxy-Support', 'Session-Based-Authentication', 'Transfer-Encoding', 'chunked', 'Proxy-Authorization', 'Basic x', 'x-two', '2', 'Upgrade', 'websocket', 'TE', 'trailers', 'Trailer', 'X', 'Keep-Alive', '5', 'Proxy-Connection', 'X-Two', 'Expect', '100-continue']
    expect(withoutHopByHop(raw)).toEqual(['Host', 'a', 'Proxy-Support', 'Session-Based-Authentication'])
  })
})
