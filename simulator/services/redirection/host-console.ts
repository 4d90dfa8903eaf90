/**
 * The simulated host's serial console, as SOL shows it in interactive mode: a BIOS screen when
 * the machine powers on, then a login prompt that echoes what is typed (the password is not
 * echoed, and every login is refused). Pure: bytes in, bytes out; the SOL handler carries them.
 */

import type { DeviceIdentity } from '../../identity.js'

const CR = 0x0d
const LF = 0x0a
const BACKSPACE = 0x08
const DELETE = 0x7f
const CTRL_C = 0x03
/** A line longer than this is cut: the console never buffers without bound. */
const MAX_LINE = 256

export type ConsoleState = 'login' | 'password'

export class HostConsole {
  private readonly hostname: string
  private readonly identity: DeviceIdentity
  private state: ConsoleState = 'login'
  private line = ''
  /** CR LF is one Enter (terminals send CR, some consoles CR LF). */
  private afterCr = false

  constructor(identity: DeviceIdentity) {
    this.identity = identity
    this.hostname = identity.fqdn.split('.')[0] ?? identity.fqdn
  }

  get prompt(): string {
    return `${this.hostname} login: `
  }

  get currentState(): ConsoleState {
    return this.state
  }

  /** What the serial port prints from power-on to the login prompt. */
  boot(): Buffer {
    this.state = 'login'
    this.line = ''
    const lines = [
      '\x1b[2J\x1b[H',
      `Ciralab Simulated BIOS 1.0 - Intel(R) AMT ${this.identity.amtVersion}\r\n`,
      'Copyright (C) ciralab. Serial console redirected over SOL.\r\n',
      '\r\n',
      'CPU: Simulated Intel(R) vPro(TM) processor\r\n',
      'Memory Test: 16384 MB OK\r\n',
      'Press <F2> to enter SETUP, <F12> for the boot menu\r\n',
      '\r\n',
      'Booting from hard disk...\r\n',
      '\r\n',
      `Ciralab Linux 1.0 ${this.identity.fqdn} ttyS0\r\n`,
      '\r\n',
      this.prompt,
    ]
    return Buffer.from(lines.join(''), 'latin1')
  }

  /** Keystrokes in, what the host writes back (echo, prompts). */
  input(keys: Buffer): Buffer {
    let out = ''
    for (const key of keys) out += this.key(key)
    return Buffer.from(out, 'latin1')
  }

  private key(key: number): string {
    const afterCr = this.afterCr
    this.afterCr = key === CR
    if (key === LF && afterCr) return ''
    if (key === CR || key === LF) return this.enter()
    if (key === CTRL_C) {
      this.state = 'login'
      this.line = ''
      return `^C\r\n\r\n${this.prompt}`
    }
    if (key === BACKSPACE || key === DELETE) {
      if (this.line.length === 0) return ''
      this.line = this.line.slice(0, -1)
      return this.state === 'login' ? '\b \b' : ''
    }
    if (key < 0x20 || this.line.length >= MAX_LINE) return ''
    this.line += String.fromCharCode(key)
    return this.state === 'login' ? String.fromCharCode(key) : ''
  }

  private enter(): string {
    const typed = this.line
    this.line = ''
    if (this.state === 'login') {
      if (typed.length === 0) return `\r\n${this.prompt}`
      this.state = 'password'
      return '\r\nPassword: '
    }
    this.state = 'login'
    return `\r\n\r\nLogin incorrect\r\n${this.prompt}`
  }
}
