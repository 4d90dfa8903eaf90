import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ALL_CASES } from './cases/index.js'
import { runCli } from '../cli/test-support/run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'ciralab-conformance-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('ciralab conformance', () => {
  it('lists every case with level, subset and source, without running anything', async () => {
    const r = await runCli(['conformance', '--list'])
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/^tls\/cert\/1 +MUST +quick the certificate verifies as firmware checks it\n/)
    expect(r.out).toMatch(/\n +source: apf\.md §2\.1 step 1\n/)
    expect(r.out).toContain(`\n${ALL_CASES.length} cases\n`)
  })

  it('lists a glob selection', async () => {
    const r = await runCli(['conformance', '--list', '--cases', 'apf/keepalive/*'])
    expect(r.out.trim().split('\n').at(-1)).toBe('4 cases')
  })

  it('says which selection is empty, with exit status 2', async () => {
    const r = await runCli(['conformance', '--cases', 'nope/none'])
    expect(r.status).toBe(2)
    expect(r.err).toBe("ciralab conformance: --cases 'nope/none' selects no case (see 'ciralab conformance --list')\n")
  })

  it('reports every problem of a target file, exit status 1', async () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify({ name: 'x', device: { host: '8.8.8.8', port: 4433, tls: false }, credentials: {} }))
    const r = await runCli(['conformance', '--target', file])
    expect(r.status).toBe(1)
    expect(r.err).toContain(`target ${file} is not valid:`)
    expect(r.err).toContain('  - device: host 8.8.8.8 is not a loopback address')
    expect(r.err).toContain('  - credentials.username is required')
  })

  it('refuses positional targets without --matrix, and a bad peer command', async () => {
    expect((await runCli(['conformance', 'a.json'])).err).toMatch(/targets as arguments need --matrix/)
    const peer = await runCli(['conformance', 'peer', 'meshcentral', 'dance'])
    expect(peer.status).toBe(2)
    expect(peer.err).toMatch(/expected 'peer meshcentral install\|start\|stop'/)
  })

  it('has help with the verdicts explained', async () => {
    const r = await runCli(['conformance', '--help'])
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/NON-STRICT \(a SHOULD is violated\)/)
    expect(r.out).toMatch(/--write-expect FILE/)
  })
})
