/**
 * IP address text for SOCKS5 addresses and for configured address maps: one canonical text per
 * address, so `fd00:0::1` in a config file and 16 bytes on the wire find each other.
 *
 * IPv4: strict dotted decimal (no leading zeros: "010" is octal to some parsers). IPv6: RFC 4291
 * §2.2 input (with `::` and a dotted IPv4 tail); RFC 5952 output (lower case, no leading zeros,
 * the longest run of two or more zero groups as `::`, the first on a tie, IPv4-mapped addresses
 * as `::ffff:a.b.c.d`).
 */

const IPV4_PART = /^(0|[1-9][0-9]{0,2})$/
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/

/** 4 bytes at `offset` as dotted decimal. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`
}

/** Dotted decimal to 4 bytes, or null when `text` is not exactly that. */
export function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const out = Buffer.alloc(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string
    if (!IPV4_PART.test(part)) return null
    const value = Number(part)
    if (value > 255) return null
    out[i] = value
  }
  return out
}

/** 16 bytes at `offset` in RFC 5952 canonical text. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = []
  for (let i = 0; i < 8; i++) groups.push(((bytes[offset + 2 * i] as number) << 8) | (bytes[offset + 2 * i + 1] as number))
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`
  }
  const [runStart, runLength] = longestZeroRun(groups)
  const hex = groups.map((g) => g.toString(16))
  if (runLength < 2) return hex.join(':')
  return `${hex.slice(0, runStart).join(':')}::${hex.slice(runStart + runLength).join(':')}`
}

function longestZeroRun(groups: readonly number[]): [start: number, length: number] {
  let bestStart = -1
  let bestLength = 0
  let start = -1
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (start < 0) start = i
      continue
    }
    if (start >= 0 && i - start > bestLength) {
      bestStart = start
      bestLength = i - start
    }
    start = -1
  }
  return [bestStart, bestLength]
}

/** RFC 4291 text (any case, `::`, dotted IPv4 tail; no zone, no brackets) to 16 bytes, or null. */
export function parseIpv6(text: string): Buffer | null {
  if (text.length === 0 || text.length > 45) return null
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = parseGroups(halves[0] as string, halves.length === 1)
  const tail = halves.length === 2 ? parseGroups(halves[1] as string, true) : []
  if (head === null || tail === null) return null
  const total = head.length + tail.length
  if (halves.length === 1 ? total !== 8 : total > 7) return null
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail]
  const out = Buffer.alloc(16)
  groups.forEach((g, i) => out.writeUInt16BE(g, 2 * i))
  return out
}

/** Colon-separated hex groups; the last may be dotted IPv4 (two groups) when `mayEndInIpv4`. */
function parseGroups(text: string, mayEndInIpv4: boolean): number[] | null {
  if (text === '') return []
  const parts = text.split(':')
  const groups: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    if (i === parts.length - 1 && mayEndInIpv4 && part.includes('.')) {
      const v4 = parseIpv4(part)
      if (v4 === null) return null
      groups.push(v4.readUInt16BE(0), v4.readUInt16BE(2))
    } else if (IPV6_GROUP.test(part)) {
      groups.push(parseInt(part, 16))
    } else {
      return null
    }
  }
  return groups
}

/**
 * The canonical text of an IPv4 or IPv6 literal (IPv6 optionally in brackets), or null when
 * `text` is neither: the key under which address maps are stored and looked up.
 */
export function canonicalIpAddress(text: string): string | null {
  const v4 = parseIpv4(text)
  if (v4 !== null) return formatIpv4(v4)
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const v6 = parseIpv6(bare)
  return v6 === null ? null : formatIpv6(v6)
}

/**
 * A SOCKS5 DOMAINNAME we accept: 1–255 printable ASCII characters, no space. AMT devices are
 * named by FQDN or UUID; control bytes or UTF-8 could only ever be an attack on a log line.
 */
export function isValidDomainName(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  const length = end - start
  return length >= 1 && length <= 255 && firstInvalidDomainByte(bytes, start, end) < 0
}

/** Index of the first byte in [start, end) that cannot be in a domain name, or -1. */
export function firstInvalidDomainByte(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number
    if (b < 0x21 || b > 0x7e) return i
  }
  return -1
}
