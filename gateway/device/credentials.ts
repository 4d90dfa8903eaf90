/**
 * Device credentials: username/password pairs, passwords in the clear or as scrypt hashes,
 * optionally tied to device UUIDs. Comparisons are constant-time: plain passwords are compared
 * as SHA-256 digests (equal length whatever the input), hashes with timingSafeEqual.
 *
 * scrypt is deliberately slow, and a fleet shares one MPS password: a successful check is
 * remembered (by username and a SHA-256 of the password, never the password) so 10,000 devices
 * connecting at once cost one scrypt, not 10,000. Failures are never remembered.
 */

import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import type { CredentialSetting } from '../config.js'

interface ScryptHash {
  readonly N: number
  readonly r: number
  readonly p: number
  readonly salt: Buffer
  readonly hash: Buffer
}

interface Entry {
  readonly username: string
  readonly uuids: ReadonlySet<string> | null
  readonly plainDigest: Buffer | null
  readonly scrypt: ScryptHash | null
}

const VERIFIED_CACHE_LIMIT = 4096
const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1 } as const

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

function parseScrypt(text: string): ScryptHash {
  const [, n, r, p, salt, hash] = text.split('$')
  return { N: Number(n), r: Number(r), p: Number(p), salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') }
}

function runScrypt(password: string, h: Pick<ScryptHash, 'N' | 'r' | 'p' | 'salt'>, length: number): Promise<Buffer> {
  const options: ScryptOptions = { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password, h.salt, length, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

/** `scrypt$N$r$p$salt$hash` for a config file (`ciralab gateway --hash-password`). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await runScrypt(password, { ...DEFAULT_SCRYPT, salt }, 32)
  return `scrypt$${DEFAULT_SCRYPT.N}$${DEFAULT_SCRYPT.r}$${DEFAULT_SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

export class CredentialStore {
  private readonly byUser = new Map<string, Entry[]>()
  private readonly verified = new Set<string>()
  private readonly decoy = sha256('decoy')

  constructor(settings: readonly CredentialSetting[]) {
    for (const s of settings) {
      const entry: Entry = {
        username: s.username,
        uuids: s.uuids === null ? null : new Set(s.uuids.map((u) => u.toLowerCase())),
        plainDigest: s.password === null ? null : sha256(s.password),
        scrypt: s.passwordHash === null ? null : parseScrypt(s.passwordHash),
      }
      const list = this.byUser.get(s.username) ?? []
      list.push(entry)
      this.byUser.set(s.username, list)
    }
  }

  get size(): number {
    let n = 0
    for (const list of this.byUser.values()) n += list.length
    return n
  }

  /** True when some pair with this username, allowed for this UUID, has this password. */
  async verify(uuid: string, username: string, password: string): Promise<boolean> {
    const entries = this.byUser.get(username)
    const digest = sha256(password)
    if (entries === undefined) {
      timingSafeEqual(digest, this.decoy)
      return false
    }
    for (const entry of entries) {
      if (entry.uuids !== null && !entry.uuids.has(uuid.toLowerCase())) continue
      if (await this.matches(entry, password, digest)) return true
    }
    return false
  }

  private async matches(entry: Entry, password: string, digest: Buffer): Promise<boolean> {
    if (entry.plainDigest !== null) return timingSafeEqual(digest, entry.plainDigest)
    const h = entry.scrypt as ScryptHash
    const cacheKey = `${entry.username}\0${h.salt.toString('base64')}\0${digest.toString('base64')}`
    if (this.verified.has(cacheKey)) return true
    const key = await runScrypt(password, h, h.hash.length)
    const ok = key.length === h.hash.length && timingSafeEqual(key, h.hash)
    if (ok) {
      if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear()
      this.verified.add(cacheKey)
    }
    return ok
  }
}
