/**
 * The presence store's rules, the same for both stores: Redis (a real redis-server) and the
 * primary process's table behind IPC. Newest session wins whatever order writes land in; only
 * the holder removes; refresh tells ok, missing and superseded apart; entries expire after the
 * TTL; instances that stop heartbeating are reported; every change is an event.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { IpcPresenceHub, IpcStore } from './ipc-store.js'
import { RedisStore } from './redis-store.js'
import type { FleetEntry, PresenceStore, StoreEvent } from './store.js'
import { ipcPair } from './test-support/ipc-pair.js'
import { startTestRedis, type TestRedis } from './test-support/redis-server.js'

const U1 = '4c4c4544-004b-4210-8033-b6c04f504631'
const U2 = '4c4c4544-004b-4210-8033-b6c04f504632'
const TTL = 60_000

function entry(uuid: string, instance: string, since: number, conn = 1): FleetEntry {
  return { uuid, fqdn: `amt-${uuid.slice(-1)}.example`, instance, internal: `127.0.0.1:${9000 + conn}`, remote: '127.0.0.9:5000', since, lastSeen: since, session: `${instance}/b00t/${String(conn).padStart(10, '0')}` }
}

const ref = (e: FleetEntry) => ({ uuid: e.uuid, session: e.session, instance: e.instance })

async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (check(value)) return value
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(value)}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

interface Harness {
  /** Two clients of one store, as two instances would have. */
  readonly a: PresenceStore
  readonly b: PresenceStore
  close(): Promise<void>
}

let redis: TestRedis
let prefixes = 0
beforeAll(async () => {
  redis = await startTestRedis()
})
afterAll(async () => {
  await redis.close()
})

async function redisHarness(): Promise<Harness> {
  const prefix = `t${++prefixes}:`
  const a = new RedisStore({ url: redis.url, prefix, name: 'test-a', onError: () => undefined })
  const b = new RedisStore({ url: redis.url, prefix, name: 'test-b', onError: () => undefined })
  const up = (s: PresenceStore) => new Promise<void>((resolve) => s.watch({ onUp: resolve, onDown: () => undefined }))
  const ready = Promise.all([up(a), up(b)])
  await Promise.all([a.open(), b.open()])
  await ready
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) }
}

async function ipcHarness(): Promise<Harness> {
  const hub = new IpcPresenceHub(50)
  const [workerA, primaryA] = ipcPair()
  const [workerB, primaryB] = ipcPair()
  hub.attach(primaryA)
  hub.attach(primaryB)
  const a = new IpcStore(workerA)
  const b = new IpcStore(workerB)
  await Promise.all([a.open(), b.open()])
  return {
    a,
    b,
    close: async () => {
      await Promise.all([a.close(), b.close()])
      hub.close()
    },
  }
}

describe.each([
  ['redis', redisHarness],
  ['primary process over IPC', ipcHarness],
])('presence store rules (%s)', (_kind, make) => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })

  it('lets the newest session win whatever order the writes land in, and tells the loser', async () => {
    h = await make()
    const older = entry(U1, 'gw-a', 1000, 1)
    const newer = entry(U1, 'gw-b', 2000, 2)
    expect(await h.b.register([newer], TTL)).toEqual(['registered'])
    expect(await h.a.register([older], TTL)).toEqual(['superseded'])
    expect((await h.a.snapshot()).map((e) => e.session)).toEqual([newer.session])
    // Equal times: the session id breaks the tie the same way everywhere.
    const tieLow = entry(U2, 'gw-a', 5000, 1)
    const tieHigh = entry(U2, 'gw-b', 5000, 1)
    expect(await h.a.register([tieHigh], TTL)).toEqual(['registered'])
    expect(await h.b.register([tieLow], TTL)).toEqual(['superseded'])
    // The same session again (a new FQDN, or after a store restart) is not a conflict.
    expect(await h.b.register([{ ...newer, fqdn: 'renamed.example' }], TTL)).toEqual(['registered'])
    const byUuid = new Map((await h.a.snapshot()).map((e) => [e.uuid, e]))
    expect(byUuid.get(U1)?.fqdn).toBe('renamed.example')
    expect(byUuid.get(U2)?.instance).toBe('gw-b')
  })

  it('removes an entry only for the session holding it, and publishes up and down to every client', async () => {
    h = await make()
    const seen: StoreEvent[] = []
    h.b.subscribe((e) => seen.push(e))
    const old = entry(U1, 'gw-a', 1000, 1)
    const fresh = entry(U1, 'gw-a', 3000, 2)
    await h.a.register([old], TTL)
    await h.a.register([fresh], TTL)
    await h.a.unregister([ref(old)])
    expect((await h.b.snapshot()).map((e) => e.session)).toEqual([fresh.session])
    await h.a.unregister([ref(fresh)])
    expect(await h.b.snapshot()).toEqual([])
    await until(async () => seen.length, (n) => n >= 3)
    expect(seen.map((e) => (e.type === 'up' ? `up ${e.entry.session}` : `${e.type} ${e.session}`))).toEqual([`up ${old.session}`, `up ${fresh.session}`, `down ${fresh.session}`])
    expect(seen[0]).toEqual({ type: 'up', entry: old })
  })

  it('tells a refresh apart: ok for the holder, missing once gone, superseded by a newer session', async () => {
    h = await make()
    const mine = entry(U1, 'gw-a', 1000, 1)
    await h.a.register([mine], TTL)
    const item = { ...ref(mine), since: mine.since, lastSeen: 1500 }
    expect(await h.a.refresh([item], TTL)).toEqual(['ok'])
    expect((await h.b.snapshot())[0]?.lastSeen).toBe(1500)
    await h.b.register([entry(U1, 'gw-b', 2000, 2)], TTL)
    expect(await h.a.refresh([item], TTL)).toEqual(['superseded'])
    expect(await h.a.refresh([{ uuid: U2, session: 'gw-a/b00t/0000000009', instance: 'gw-a', since: 1, lastSeen: 1 }], TTL)).toEqual(['missing'])
  })

  it('expires an entry nobody refreshes after the TTL, and reports instances that stopped heartbeating', async () => {
    h = await make()
    await h.a.register([entry(U1, 'gw-a', 1000, 1)], 300)
    await h.a.register([entry(U2, 'gw-a', 1000, 2)], 300)
    expect(await h.a.heartbeat('gw-a', 300)).toEqual([])
    expect(await h.b.heartbeat('gw-b', 300)).toEqual([])
    // gw-a falls silent; gw-b keeps its heartbeat and its own refreshes.
    const keep = { ...ref(entry(U2, 'gw-a', 1000, 2)), since: 1000, lastSeen: 1000 }
    const snapshot = await until(
      async () => {
        await h.a.refresh([keep], 300)
        return h.b.snapshot()
      },
      (s) => s.length === 1,
      3000,
    )
    expect(snapshot.map((e) => e.uuid)).toEqual([U2])
    const dead = await until(() => h.b.heartbeat('gw-b', 300), (d) => d.includes('gw-a'), 3000)
    expect(dead).toEqual(['gw-a'])
  })
})
