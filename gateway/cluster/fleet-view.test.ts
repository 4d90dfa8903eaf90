import { describe, expect, it } from 'vitest'
import { FleetView } from './fleet-view.js'
import type { FleetEntry } from './store.js'

const U1 = '4c4c4544-004b-4210-8033-b6c04f504631'
const U2 = '4c4c4544-004b-4210-8033-b6c04f504632'

function entry(uuid: string, instance: string, since: number, fqdn: string | null = 'amt.example'): FleetEntry {
  return { uuid, fqdn, instance, internal: '127.0.0.1:9000', remote: '127.0.0.9:1', since, lastSeen: since, session: `${instance}/b/${String(since).padStart(10, '0')}` }
}

describe('the view of devices other instances hold', () => {
  it('finds a device by UUID in any case and by FQDN, keeps the newest session and ignores stale downs', () => {
    const view = new FleetView('me')
    const old = entry(U1, 'gw1', 100, 'AMT-1.example')
    const fresh = entry(U1, 'gw2', 200, 'amt-1b.example')
    view.apply({ type: 'up', entry: old })
    expect(view.lookup(U1.toUpperCase())).toEqual(old)
    expect(view.lookup('amt-1.EXAMPLE')).toEqual(old)
    view.apply({ type: 'up', entry: fresh })
    view.apply({ type: 'up', entry: old })
    view.apply({ type: 'down', uuid: U1, session: old.session, instance: 'gw1' })
    expect(view.lookup(U1)).toEqual(fresh)
    expect(view.lookup('amt-1.example')).toBeUndefined()
    expect(view.lookup('amt-1b.example')).toEqual(fresh)
    view.apply({ type: 'down', uuid: U1, session: fresh.session, instance: 'gw2' })
    expect(view.size).toBe(0)
  })

  it('never holds its own instance, forgets a device that came here, and drops a dead instance at once', () => {
    const view = new FleetView('me')
    view.apply({ type: 'up', entry: entry(U1, 'me', 1) })
    expect(view.size).toBe(0)
    view.apply({ type: 'up', entry: entry(U1, 'gw1', 1) })
    view.apply({ type: 'up', entry: entry(U2, 'gw1', 1, 'other.example') })
    view.forget(U1)
    expect(view.list().map((e) => e.uuid)).toEqual([U2])
    expect(view.dropInstance('gw1')).toBe(1)
    expect(view.lookup('other.example')).toBeUndefined()
  })

  it('replaces itself with a snapshot, then applies what arrived while it loaded', () => {
    const view = new FleetView('me')
    view.apply({ type: 'up', entry: entry(U2, 'gw1', 1) })
    view.beginLoad()
    const moved = entry(U1, 'gw2', 300)
    view.apply({ type: 'up', entry: moved })
    view.apply({ type: 'down', uuid: U1, session: entry(U1, 'gw1', 100).session, instance: 'gw1' })
    expect(view.lookup(U2)).toBeDefined()
    expect(view.finishLoad([entry(U1, 'gw1', 100)])).toBe(true)
    expect(view.list()).toEqual([moved])
  })
})
