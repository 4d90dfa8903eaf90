import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loopbackPki } from '../pki/fixtures.js'
import { MiniGateway } from './test-support/mini-gateway.js'
import { runCli } from '../cli/test-support/run-cli.js'

function simulate(...args: string[]) {
  return runCli(['simulate', ...args])
}

const gateways: MiniGateway[] = []
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()))
})

describe('ciralab simulate: arguments', () => {
  it('has --help with the options and the defaults', async () => {
    const r = await simulate('--help')
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/--gateway HOST:PORT/)
    expect(r.out).toMatch(/--source-ips RANGE/)
    expect(r.out).toMatch(/keepalive 30 s/)
  })

  const cases: [string[], RegExp][] = [
    [[], /--gateway HOST:PORT is required/],
    [['--gateway', 'localhost'], /--gateway must be HOST:PORT/],
    [['--gateway', '127.0.0.1:70000'], /--gateway must be HOST:PORT/],
    [['--gateway', '127.0.0.1:4433', '--devices', '0'], /--devices must be a whole number from 1 to 200000, got '0'/],
    [['--gateway', '127.0.0.1:4433', '--plain', '--insecure'], /--plain .* cannot be combined/],
    [['--gateway', '127.0.0.1:4433', '--insecure', '--ca', 'x.pem'], /--insecure skips certificate checks/],
    [['--gateway', '127.0.0.1:4433', '--ca', '/no/such.pem'], /--ca \/no\/such.pem: ENOENT/],
    [['--gateway', '127.0.0.1:4433', '--source-ips', '127.0.0.9-127.0.0.2'], /--source-ips: '127.0.0.9-127.0.0.2' runs backwards/],
    [['--gateway', '127.0.0.1:4433', '--devices', '20000', '--workers', '0'], /--workers 0 runs every device in this process/],
    [['--gateway', '127.0.0.1:4433', '--duration', 'soon'], /--duration must be a number/],
    [['--gateway', '127.0.0.1:4433', '--frobnicate'], /Unknown option '--frobnicate'/],
  ]
  for (const [args, message] of cases) {
    it(`rejects ${args.join(' ') || 'no arguments'} with one line and status 2`, async () => {
      const r = await simulate(...args)
      expect(r.status).toBe(2)
      expect(r.err).toMatch(message)
      expect(r.err.trim().split('\n')).toHaveLength(1)
    })
  }

  it('names every bad field of a profile at once (status 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-sim-'))
    const file = join(dir, 'profile.json')
    writeFileSync(file, JSON.stringify({ firmware: { keepaliveSeconds: { abc: 1 }, initialWindow: 0 }, faults: [{ kind: 'meteor' }], colour: 'red' }))
    const r = await simulate('--gateway', '127.0.0.1:4433', '--profile', file)
    expect(r.status).toBe(1)
    expect(r.err).toMatch(/colour is not a known field/)
    expect(r.err).toMatch(/firmware\.keepaliveSeconds\.abc must be a whole number of seconds/)
    expect(r.err).toMatch(/firmware\.initialWindow must be a whole number from 1/)
    expect(r.err).toMatch(/faults\[0\]\.kind must be one of reset/)
  })
})

describe('ciralab simulate: runs', () => {
  it('brings a fleet up over TLS, reports progress on stderr and a JSON summary, exit 0', async () => {
    const pki = loopbackPki()
    const gateway = new MiniGateway({ tls: pki.server, transcript: false })
    gateways.push(gateway)
    const { port } = await gateway.listen()
    const dir = mkdtempSync(join(tmpdir(), 'ciralab-sim-'))
    writeFileSync(join(dir, 'ca.pem'), pki.ca.certificatePem)
    const r = await simulate(
      '--gateway', `127.0.0.1:${port}`, '--ca', join(dir, 'ca.pem'), '--servername', pki.serverName,
      '--devices', '30', '--ramp', '0', '--until-connected', '--json', '--source-ips', '127.0.0.1-127.0.0.3',
    )
    expect(r.err).toMatch(/connected 30\/30/)
    expect(r.status).toBe(0)
    const report = JSON.parse(r.out) as { verdict: { ok: boolean }; summary: { everConnected: number; states: { stopped: number } } }
    expect(report.verdict.ok).toBe(true)
    expect(report.summary.everConnected).toBe(30)
    expect(report.summary.states.stopped).toBe(30)
  })

  it('fails (status 1) when devices cannot reach the gateway, saying why', async () => {
    const r = await simulate('--gateway', '127.0.0.1:9', '--plain', '--devices', '3', '--duration', '0.5')
    expect(r.status).toBe(1)
    expect(r.out).toMatch(/simulate: FAILED/)
    expect(r.out).toMatch(/failures +tcp-refused 3/)
    expect(r.out).toMatch(/problem +3 of 3 devices never connected/)
  })
})
