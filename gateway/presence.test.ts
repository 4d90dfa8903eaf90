import { describe, expect, it } from 'vitest'
import { InMemoryPresence, type PresenceEvent } from './presence.js'

interface D {
  readonly uuid: string
  fqdn: string | null
  readonly id: number
}

describe('in-memory presence', () => {
  it('finds devices by UUID in any case and by FQDN case-insensitively', () => {
    const p = new InMemoryPresence<D>()
    const d: D = { uuid: '4c4c4544-004b-4210-8033-b6c04f504633', fqdn: null, id: 1 }
    p.register(d)
    d.fqdn = 'AMT-1.example'
    p.rename(d, d.fqdn)
    expect(p.lookup('4C4C4544-004B-4210-8033-B6C04F504633')).toBe(d)
    expect(p.lookup('amt-1.EXAMPLE')).toBe(d)
    expect(p.lookup('other')).toBeUndefined()
    expect(p.list()).toEqual([d])
  })

  it('lets a new session replace the old one, and ignores the old one leaving late', () => {
    const p = new InMemoryPresence<D>()
    const events: PresenceEvent<D>['type'][] = []
    p.subscribe((e) => events.push(e.type))
    const old: D = { uuid: '4c4c4544-004b-4210-8033-b6c04f504633', fqdn: 'amt', id: 1 }
    const fresh: D = { uuid: old.uuid, fqdn: 'amt', id: 2 }
    p.register(old)
    expect(p.register(fresh)).toBe(old)
    expect(p.unregister(old)).toBe(false)
    expect(p.lookup('amt')).toBe(fresh)
    expect(p.size).toBe(1)
    expect(p.unregister(fresh)).toBe(true)
    expect(p.lookup('amt')).toBeUndefined()
    expect(events).toEqual(['registered', 'registered', 'unregistered'])
  })
})
