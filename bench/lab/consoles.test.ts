import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ProxyAgent, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { parseTarget } from '../../conformance/target.js'
import { httpProxyUrl, proxyAuthorizationHeader } from './consoles.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

function targetWith(proxyPort: number, auth: { username: string; password: string } | null) {
  return parseTarget(
    { name: 't', device: { host: '127.0.0.1', port: 1, tls: false }, credentials: { username: 'u', password: 'p' }, console: { httpProxy: `127.0.0.1:${proxyPort}`, socks5: null, auth } },
    'test',
    '.',
  )
}

describe('bench consoles against a gateway with proxy credentials', () => {
  it('gives the proxy URL and header carrying them, and undici sends them to the proxy', async () => {
    const seen: IncomingHttpHeaders[] = []
    const proxy = createServer((req, res) => {
      seen.push(req.headers)
      res.end('ok')
    })
    proxy.listen(0, '127.0.0.1')
    await once(proxy, 'listening')
    closers.push(() => new Promise((resolve) => proxy.close(() => resolve())))
    const port = (proxy.address() as AddressInfo).port
    const target = targetWith(port, { username: 'con sole', password: 'P@ss:w0rd' })
    expect(httpProxyUrl(target)).toBe(`http://con%20sole:P%40ss%3Aw0rd@127.0.0.1:${port}`)
    const basic = `Basic ${Buffer.from('con sole:P@ss:w0rd').toString('base64')}`
    expect(proxyAuthorizationHeader(target)).toEqual({ 'proxy-authorization': basic })
    const agent = new ProxyAgent({ uri: httpProxyUrl(target), proxyTunnel: false })
    closers.push(() => agent.close())
    const res = await request('http://device.example.test:16992/wsman', { dispatcher: agent })
    expect(await res.body.text()).toBe('ok')
    expect(seen[0]?.['proxy-authorization']).toBe(basic)
    expect(httpProxyUrl(targetWith(port, null))).toBe(`http://127.0.0.1:${port}`)
    expect(proxyAuthorizationHeader(targetWith(port, null))).toEqual({})
  })
})
