/**
 * Reads the vendor MPS's mps.config so an existing deployment's addresses carry over: the
 * [Network] section, `Key = value` lines. Other sections and keys are left alone (they configure
 * things this gateway does differently), `#` and `;` start comments.
 *
 * Mapping: the vendor's MPS listens for APF in the clear behind stunnel, so AMTListen* is our
 * plain device listener; HttpListen* and SocksListen* are the console proxies; SOAPListen* (the
 * vendor's management interface) is our admin API.
 */

export interface MpsConfigValue {
  /** Setting key in our schema (`listen.devicePlain`, ...). */
  readonly key: string
  /** `HOST:PORT` built from the IP and port lines. */
  readonly value: string
  /** Where it came from, for problem reports: `[Network] AMTListenIP/AMTListenPort`. */
  readonly origin: string
}

export interface MpsConfigResult {
  readonly values: MpsConfigValue[]
  readonly problems: string[]
}

const PAIRS: readonly { readonly prefix: string; readonly key: string; readonly defaultIp: string }[] = [
  { prefix: 'AMTListen', key: 'listen.devicePlain', defaultIp: '127.0.0.1' },
  { prefix: 'HttpListen', key: 'listen.http', defaultIp: '127.0.0.1' },
  { prefix: 'SocksListen', key: 'listen.socks', defaultIp: '127.0.0.1' },
  { prefix: 'SOAPListen', key: 'listen.api', defaultIp: '127.0.0.1' },
]

/** Parse mps.config text. Only the listen pairs of [Network] are used. */
export function readMpsConfig(text: string): MpsConfigResult {
  const network = new Map<string, { value: string; line: number }>()
  const problems: string[] = []
  let section = ''
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.replace(/^\uFEFF/, '').trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) {
      section = (header[1] as string).trim().toLowerCase()
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) {
      if (section === 'network') problems.push(`line ${index + 1}: expected 'Key = value', got '${line}'`)
      continue
    }
    if (section !== 'network') continue
    network.set(line.slice(0, eq).trim().toLowerCase(), { value: line.slice(eq + 1).trim(), line: index + 1 })
  }
  const values: MpsConfigValue[] = []
  for (const pair of PAIRS) {
    const ip = network.get(`${pair.prefix.toLowerCase()}ip`)
    const port = network.get(`${pair.prefix.toLowerCase()}port`)
    if (ip === undefined && port === undefined) continue
    if (port === undefined) {
      problems.push(`line ${ip?.line ?? 0}: ${pair.prefix}IP is set but ${pair.prefix}Port is missing`)
      continue
    }
    const host = ip?.value || pair.defaultIp
    const hostText = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    values.push({ key: pair.key, value: `${hostText}:${port.value}`, origin: `[Network] ${pair.prefix}IP/${pair.prefix}Port (line ${port.line})` })
  }
  return { values, problems }
}
