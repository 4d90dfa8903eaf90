import { describe, expect, it } from 'vitest'
import { HostConsole } from './host-console.js'
import { makeIdentity } from './test-support/harness.js'

const text = (b: Buffer): string => b.toString('latin1')

describe('HostConsole (the simulated serial console)', () => {
  it('boots to a login prompt naming the host', () => {
    const console = new HostConsole(makeIdentity({ fqdn: 'dev-000123.fleet.test' }))
    const screen = text(console.boot())
    expect(screen.startsWith('\x1b[2J\x1b[H')).toBe(true)
    expect(screen.endsWith('dev-000123 login: ')).toBe(true)
  })

  it('echoes the login name, handles backspace, hides the password and refuses the login', () => {
    const console = new HostConsole(makeIdentity())
    console.boot()
    expect(text(console.input(Buffer.from('rooo')))).toBe('rooo')
    expect(text(console.input(Buffer.from([0x7f, 0x08])))).toBe('\b \b\b \b')
    expect(text(console.input(Buffer.from('t\r\n')))).toBe('t\r\nPassword: ')
    expect(console.currentState).toBe('password')
    expect(text(console.input(Buffer.from('hunter2\r')))).toBe('\r\n\r\nLogin incorrect\r\ndev-000007 login: ')
    expect(text(console.input(Buffer.from('\r')))).toBe('\r\ndev-000007 login: ')
  })

  it('bounds the line it holds and starts over on Ctrl-C', () => {
    const console = new HostConsole(makeIdentity())
    console.boot()
    expect(console.input(Buffer.alloc(1000, 0x41)).length).toBe(256)
    expect(text(console.input(Buffer.from([0x03])))).toBe('^C\r\n\r\ndev-000007 login: ')
    expect(text(console.input(Buffer.from('\x1b')))).toBe('')
  })
})
