import { describe, expect, it } from 'vitest'
import { ciralab } from '../cli/test-support/run-cli.js'

describe('ciralab bench', () => {
  it('--help lists every scenario with what it measures', async () => {
    const r = await ciralab('bench', '--help')
    expect(r.status).toBe(0)
    for (const name of ['quick', 'stability', 'redirection-limit', 'latency', 'ider-throughput', 'proxy-throughput', 'connect-storm', 'scale', 'codec']) expect(r.out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
    for (const flag of ['--quick', '--devices N', '--duration SECONDS', '--target FILE', '--compare FILE', '--gate FILE', '--baseline FILE', '--seed S', '--profile']) expect(r.out).toContain(flag)
  })

  it('refuses bad command lines with one line saying what is wrong (exit 2)', async () => {
    const unknown = await ciralab('bench', 'nope')
    expect(unknown.status).toBe(2)
    // Other scenarios may follow ours (cluster); codec is always last.
    expect(unknown.err).toMatch(/^ciralab bench: unknown scenario 'nope' \(scenarios: quick, stability, redirection-limit, latency, ider-throughput, proxy-throughput, connect-storm, scale(, [a-z-]+)*, codec\)\n$/)
    expect(await ciralab('bench', 'scale', '--target', '/no/such.json')).toMatchObject({ status: 2, err: "ciralab bench: --target: no such file '/no/such.json'\n" })
    expect(await ciralab('bench', 'scale', '--gate', '/no/gates.txt')).toMatchObject({ status: 2, err: "ciralab bench: --gate: no such file '/no/gates.txt'\n" })
    expect((await ciralab('bench', 'scale', '--devices', '0')).err).toBe("ciralab bench: --devices must be a whole number from 1 to 60000, got '0'\n")
    expect((await ciralab('bench')).status).toBe(2)
  })
})
