import http from 'node:http'
import net from 'node:net'
import { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { ConnectedDevice, DeviceDirectory } from './directory.js'
import { eventsOf, startProxy, waitFor, type RunningProxy } from './test-support/harness.js'

const UUID = '4c4c4544-004b-4210-8033-b6c04f504633'

interface Script {
  readonly pieces: readonly string[]
  readonly end: boolean
  /** Answer as soon as the head is in, without waiting for the body (AMT's early 401). */
  readonly early?: boolean
}

/**
 * A device channel that answers from a script chosen by the request path: once the request
 * (head + Content-Length body) is in, it pushes the scripted pieces, then ends if asked.
 * Every write the relay made is kept, so tests see the exact bytes and how they were split.
 */
class ScriptedChannel extends Duplex {
  readonly writes: Buffer[] = []
  private answered = false

  constructor(private readonly scripts: Readonly<Record<string, Script>>) {
    super()
  }

  get request(): string {
    return Buffer.concat(this.writes).toString('latin1')
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writes.push(chunk)
    callback()
    const text = this.request
    const headEnd = text.indexOf('\r\n\r\n')
    if (this.answered || headEnd < 0) return
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1] ?? '0')
    const path = text.slice(0, text.indexOf('\r\n')).split(' ')[1] ?? ''
    const script = this.scripts[path] ?? { pieces: ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'], end: true }
    if (script.early !== true && text.length < headEnd + 4 + length) return
    this.answered = true
    for (const piece of script.pieces) this.push(Buffer.from(piece, 'latin1'))
    if (script.end) this.push(null)
  }

  override _read(): void {}

  override _final(callback: () => void): void {
    callback()
  }
}

const SCRIPTS = {
  '/chunked': { pieces: ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4\r\n<a/>\r\n', '0\r\n\r\n'], end: true },
  '/until-close': { pieces: ['HTTP/1.1 200 OK\r\nServer: AMT\r\n\r\nrest of ', 'the body'], end: true },
  '/malformed': { pieces: ['HTTP/1.1 2OO OK\r\n\r\n'], end: false },
  '/big-head': { pieces: [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`], end: false },
  '/no-answer': { pieces: [], end: true },
  '/cut-body': { pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'], end: true },
  '/head': { pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n'], end: false },
  '/early': { pieces: ['HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno'], end: true, early: true },
} satisfies Readonly<Record<string, Script>>

class ScriptedDirectory implements DeviceDirectory {
  readonly channels: ScriptedChannel[] = []
  private readonly device: ConnectedDevice = {
    uuid: UUID,
    fqdn: 'amt-1.ciralab.test',
    forwardedPorts: new Set([16992]),
    openChannel: () => {
      const channel = new ScriptedChannel(SCRIPTS)
      this.channels.push(channel)
      return Promise.resolve(channel)
    },
  }

  lookup(name: string): ConnectedDevice | undefined {
    return name === UUID || name === 'amt-1.ciralab.test' ? this.device : undefined
  }
}

const running: RunningProxy[] = []
const sockets: net.Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(running.splice(0).map((p) => p.listener.close(0)))
})

async function proxy(directory: DeviceDirectory, maxHeaderBytes?: number): Promise<RunningProxy> {
  const p = await startProxy('http', directory, maxHeaderBytes === undefined ? {} : { maxHeaderBytes })
  running.push(p)
  return p
}

/** Send raw requests on one connection; everything received until `until` matches or it closes. */
async function exchange(p: RunningProxy, text: string, until: RegExp): Promise<string> {
  const socket = net.connect({ host: '127.0.0.1', port: p.port })
  sockets.push(socket)
  socket.write(text)
  let received = ''
  await new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      received += c.toString('latin1')
      if (until.test(received)) resolve()
    })
    socket.once('close', () => resolve())
  })
  return received
}

const get = (path: string, extra = '') => `GET http://amt-1.ciralab.test:16992${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`

describe('HTTP relay without node:http client', () => {
  it('writes a small POST to the device as one write, head and body together, exactly', async () => {
    const directory = new ScriptedDirectory()
    const p = await proxy(directory)
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: p.port, method: 'POST', path: `http://${UUID}:16992/chunked`, headers: { 'Content-Type': 'application/soap+xml' } }, (r) => {
        let body = ''
        r.on('data', (c: Buffer) => (body += c.toString()))
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.end('<Envelope/>')
    })
    expect(res).toEqual({ status: 200, body: '<a/>' })
    const channel = directory.channels[0] as ScriptedChannel
    expect(channel.writes).toHaveLength(1)
    expect(channel.request).toBe(
      `POST /chunked HTTP/1.1\r\nHost: ${UUID}:16992\r\nContent-Type: application/soap+xml\r\nContent-Length: 11\r\nConnection: close\r\n\r\n<Envelope/>`,
    )
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    expect(eventsOf(p.events, 'console-closed')[0]).toMatchObject({ bytesToDevice: channel.request.length, aborted: false })
    await waitFor(() => channel.writableEnded, 'the channel to be closed after the response')
  })

  it('relays a body that runs until the channel closes, chunked to the console, keeping it alive', async () => {
    const p = await proxy(new ScriptedDirectory())
    const text = await exchange(p, get('/until-close') + get('/chunked'), /\r\n0\r\n\r\n[\s\S]*\r\n0\r\n\r\n$/)
    const [first, second] = text.split(/(?=HTTP\/1\.1 )/)
    expect(first).toMatch(/^HTTP\/1\.1 200 OK\r\nServer: AMT\r\n[\s\S]*Transfer-Encoding: chunked\r\n\r\n/)
    expect(first?.replace(/^[\s\S]*?\r\n\r\n/, '').replace(/\r\n[0-9a-f]+\r\n|^[0-9a-f]+\r\n|\r\n$/g, '')).toBe('rest of the body')
    expect(first).not.toMatch(/Connection: close/i)
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  })

  it('502 with the reason for a malformed answer, headers over the limit, and no answer', async () => {
    const p = await proxy(new ScriptedDirectory(), 1024)
    const done = /\n$/
    expect(await exchange(p, get('/malformed', 'Connection: close\r\n'), done)).toMatch(/^HTTP\/1\.1 502 [\s\S]*502 device amt-1\.ciralab\.test: sent a malformed response\n$/)
    expect(await exchange(p, get('/big-head', 'Connection: close\r\n'), done)).toMatch(/502 device amt-1\.ciralab\.test: response headers too large\n$/)
    expect(await exchange(p, get('/no-answer', 'Connection: close\r\n'), done)).toMatch(/502 device amt-1\.ciralab\.test: closed the channel before answering\n$/)
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 3, 'three console-closed')
    expect(eventsOf(p.events, 'console-closed').map((e) => e.aborted)).toEqual([true, true, true])
  })

  it('cuts the console response off when the device closes mid-body', async () => {
    const p = await proxy(new ScriptedDirectory())
    const text = await exchange(p, get('/cut-body'), /$^/)
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Length: 100\r\n[\s\S]*\r\n\r\nonly this$/)
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    expect(eventsOf(p.events, 'console-closed')[0]?.aborted).toBe(true)
  })

  it('closes the console connection after an answer that came before the whole request body', async () => {
    const directory = new ScriptedDirectory()
    const p = await proxy(directory)
    const text = await exchange(p, `POST http://amt-1.ciralab.test:16992/early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(1000)}`, /$^/)
    expect(text).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\nContent-Length: 2\r\n[\s\S]*Connection: close\r\n[\s\S]*\r\n\r\nno$/)
    await waitFor(() => eventsOf(p.events, 'console-closed').length === 1, 'console-closed')
    const channel = directory.channels[0] as ScriptedChannel
    expect(channel.writableEnded).toBe(true)
    expect(eventsOf(p.events, 'console-closed')[0]).toMatchObject({ bytesToDevice: channel.request.length, bytesToConsole: SCRIPTS['/early'].pieces.join('').length, aborted: false })
  })

  it('reports console-opened only once the request has gone to the device (the log write waits)', async () => {
    const directory = new ScriptedDirectory()
    const seen: string[] = []
    const p = await startProxy('http', directory, {
      onEvent: (e) => seen.push(`${e.type}:${directory.channels.at(-1)?.writes.length ?? 0}`),
    })
    running.push(p)
    await exchange(p, get('/chunked', 'Connection: close\r\n'), /<a\/>\r\n0\r\n\r\n$/)
    await waitFor(() => seen.length === 2, 'two events')
    expect(seen).toEqual(['console-opened:1', 'console-closed:1'])
  })

  it('expects no body after a HEAD, so the next request on the connection is answered', async () => {
    const p = await proxy(new ScriptedDirectory())
    const head = `HEAD http://amt-1.ciralab.test:16992/head HTTP/1.1\r\nHost: x\r\n\r\n`
    const text = await exchange(p, head + get('/chunked', 'Connection: close\r\n'), /<a\/>\r\n0\r\n\r\n$/)
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Length: 12\r\n[\s\S]*?\r\n\r\nHTTP\/1\.1 200 OK\r\n/)
  })
})
