import { execFileSync, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { formatHelp, integerOption, parseCommand, type CommandSpec } from './args.js'
import { packageVersion } from './main.js'
import { runCli } from './test-support/run-cli.js'

describe('ciralab main', () => {
  it('prints help listing the commands', async () => {
    const c = await runCli(['--help'])
    expect(c.status).toBe(0)
    expect(c.out).toMatch(/Commands:\n {2}bench/)
  })

  it('prints the package version', async () => {
    const c = await runCli(['--version'])
    expect(c.status).toBe(0)
    expect(c.out).toBe(`ciralab ${packageVersion()}\n`)
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('names an unknown command and exits 2', async () => {
    const c = await runCli(['frobnicate'])
    expect(c.status).toBe(2)
    expect(c.err).toMatch(/unknown command 'frobnicate'/)
  })

  it('turns a bad option into one line and exit status 2', async () => {
    const c = await runCli(['bench', 'codec', '--seconds', 'lots'])
    expect(c.status).toBe(2)
    expect(c.err).toBe("ciralab bench: --seconds must be a whole number from 1 to 3600, got 'lots'\n")
  })

  it('rejects an unknown scenario with the list of scenarios', async () => {
    const c = await runCli(['bench', 'nope'])
    expect(c.status).toBe(2)
    expect(c.err).toMatch(/unknown scenario 'nope' \(scenarios: [a-z, -]*codec/)
  })

  it('runs the compiled command from bin/ when dist/ is built', () => {
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'ignore' })
    const r = spawnSync(process.execPath, ['bin/ciralab.js', '--version'], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^ciralab \d+\.\d+\.\d+/)
  })
})

describe('argument parsing', () => {
  const spec: CommandSpec = {
    name: 'demo',
    summary: 'A demo.',
    usage: ['ciralab demo [options] FILE'],
    positionals: { min: 1, max: 1 },
    options: {
      count: { type: 'string', placeholder: 'N', description: 'how many', defaultText: '3' },
      quiet: { type: 'boolean', short: 'q', description: 'say less' },
    },
  }

  it('parses values and positionals', () => {
    const p = parseCommand(spec, ['--count', '5', '-q', 'file.json'])
    expect(p.positionals).toEqual(['file.json'])
    expect(p.values['quiet']).toBe(true)
    expect(integerOption(p.values, 'count', 3)).toBe(5)
  })

  it('says which option is unknown', () => {
    expect(() => parseCommand(spec, ['--cont', '5', 'f'])).toThrow(/demo: Unknown option '--cont'/)
  })

  it('says when an argument is missing or extra', () => {
    expect(() => parseCommand(spec, [])).toThrow(/missing argument/)
    expect(() => parseCommand(spec, ['a', 'b'])).toThrow(/unexpected argument 'b'/)
  })

  it('lets --help through without the required arguments', () => {
    expect(parseCommand(spec, ['--help']).help).toBe(true)
  })

  it('renders help with defaults', () => {
    const text = formatHelp(spec)
    expect(text).toContain('--count N')
    expect(text).toContain('how many (default: 3)')
    expect(text).toContain('-q, --quiet')
  })
})
