/**
 * `--source-ips 127.0.0.2-127.0.0.9,127.0.1.1`: the addresses devices connect from, used
 * round-robin by device index. One source address has about 28,000 ephemeral ports towards one
 * gateway port; loopback 127.0.0.0/8 works on Linux without setup.
 */

import { isIPv4, isIP } from 'node:net'

export const MAX_SOURCE_IPS = 4096

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0)
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.')
}

/** The addresses, or a message saying what is wrong. */
export function parseSourceIps(text: string): string[] | string {
  const out: string[] = []
  for (const item of text.split(',').map((s) => s.trim())) {
    if (item === '') return `empty item in '${text}'`
    const dash = item.indexOf('-')
    if (dash < 0) {
      if (isIP(item) === 0) return `'${item}' is not an IP address`
      out.push(item)
      continue
    }
    const from = item.slice(0, dash)
    const to = item.slice(dash + 1)
    if (!isIPv4(from) || !isIPv4(to)) return `'${item}' is not an IPv4 range like 127.0.0.2-127.0.0.9`
    const a = toNumber(from)
    const b = toNumber(to)
    if (b < a) return `'${item}' runs backwards`
    if (out.length + (b - a + 1) > MAX_SOURCE_IPS) return `more than ${MAX_SOURCE_IPS} addresses`
    for (let n = a; n <= b; n++) out.push(toIp(n))
  }
  if (out.length > MAX_SOURCE_IPS) return `more than ${MAX_SOURCE_IPS} addresses`
  return out
}
