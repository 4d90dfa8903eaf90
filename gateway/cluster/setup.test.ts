import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.js'
import { CLUSTER_SECRET_ENV, loadClusterSecret, workerSecretEnv } from './setup.js'

const config = (flags: Record<string, unknown>) => loadConfig({ flags: { user: 'u', password: 'Passw0rd!', ...flags }, env: {}, readFile: () => '{}' })
const files = (content: Record<string, string>) => (path: string) => {
  const text = content[path]
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  return text
}

describe('cluster secret', () => {
  it('is the trimmed text of the configured file', () => {
    const secret = loadClusterSecret(config({ redis: 'redis://127.0.0.1:6390', 'cluster-secret-file': '/s' }), { env: {}, readFile: files({ '/s': `${'ab'.repeat(32)}\n` }) })
    expect(secret?.toString()).toBe('ab'.repeat(32))
  })

  it('stops the start with one line on a missing or short file', () => {
    const c = config({ 'cluster-secret-file': '/s' })
    expect(() => loadClusterSecret(c, { env: {}, readFile: files({}) })).toThrow('cluster secret file /s: ENOENT')
    expect(() => loadClusterSecret(c, { env: {}, readFile: files({ '/s': 'short\n' }) })).toThrow('cluster secret file /s holds 5 characters; it needs at least 32 (openssl rand -hex 32 > /s)')
  })

  it('is handed to the workers of --processes without Redis, fresh per supervisor, and read back by them', () => {
    const processes = config({ processes: 2 })
    const a = workerSecretEnv(processes)
    expect(a[CLUSTER_SECRET_ENV]).toMatch(/^[0-9a-f]{64}$/)
    expect(workerSecretEnv(processes)[CLUSTER_SECRET_ENV]).not.toBe(a[CLUSTER_SECRET_ENV])
    expect(loadClusterSecret(processes, { env: a, readFile: files({}) })?.toString()).toBe(a[CLUSTER_SECRET_ENV])
    // With Redis, instances elsewhere must share it: only a file can give them the same one.
    expect(workerSecretEnv(config({ processes: 2, redis: 'redis://127.0.0.1:6390' }))).toEqual({})
    expect(loadClusterSecret(config({}), { env: {}, readFile: files({}) })).toBeNull()
  })
})
