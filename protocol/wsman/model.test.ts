/*
 * The WS-MAN value model as consoles read it (redirection-wsman.md §4.3): a list of one reads
 * back as the single value, any XML name is a safe key, and EPRs default to the anonymous role.
 */

import { describe, expect, it } from 'vitest'
import { epr, listOf, makeProperties, textOf, type ScalarValue } from './model.js'

describe('makeProperties', () => {
  it('keeps document order and treats __proto__ and constructor as plain names', () => {
    const p = makeProperties(
      JSON.parse('[["__proto__","x"],["constructor","y"],["ElementName","Intel(r) AMT: General Settings"]]') as [string, string][],
    )
    expect(Object.keys(p)).toEqual(['__proto__', 'constructor', 'ElementName'])
    expect(textOf(p, '__proto__')).toBe('x')
    expect(textOf(p, 'constructor')).toBe('y')
    expect(Object.getPrototypeOf(p)).toBeNull()
  })

  it('the last entry of a repeated name wins (callers group repeated elements into lists first)', () => {
    expect(makeProperties([['A', '1'], ['A', '2']])).toEqual(makeProperties([['A', '2']]))
  })
})

describe('epr', () => {
  it('defaults the address to the WS-Addressing anonymous role', () => {
    const selectors = [{ name: 'CreationClassName', value: 'CIM_ComputerSystem' }, { name: 'Name', value: 'ManagedSystem' }]
    expect(epr('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ComputerSystem', selectors)).toEqual({
      kind: 'epr',
      address: 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
      resourceUri: 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ComputerSystem',
      selectors,
    })
    expect(epr('uri', [], '/wsman').address).toBe('/wsman')
  })
})

describe('textOf and listOf', () => {
  const ref = epr('http://intel.com/wbem/wscim/1/amt-schema/1/AMT_ManagementPresenceRemoteSAP', [{ name: 'Name', value: 'Intel(r) AMT:Management Presence Server 0' }])
  const nested: ScalarValue = { kind: 'object', properties: makeProperties([['Datetime', '2026-11-27T10:00:00Z']]) }
  const p = makeProperties([
    ['PowerState', '2'],
    ['AvailableRequestedPowerStates', ['10', '8', '5']],
    ['ServiceProvided', ref],
    ['ReleaseDate', nested],
    ['Empty', ''],
  ])

  it('textOf gives text only: undefined for lists, EPRs, objects and absent names', () => {
    expect(textOf(p, 'PowerState')).toBe('2')
    expect(textOf(p, 'Empty')).toBe('')
    expect(textOf(p, 'AvailableRequestedPowerStates')).toBeUndefined()
    expect(textOf(p, 'ServiceProvided')).toBeUndefined()
    expect(textOf(p, 'ReleaseDate')).toBeUndefined()
    expect(textOf(p, 'Missing')).toBeUndefined()
  })

  it('listOf makes a single value a list of one and an absent name an empty list', () => {
    expect(listOf(p, 'AvailableRequestedPowerStates')).toEqual(['10', '8', '5'])
    expect(listOf(p, 'PowerState')).toEqual(['2'])
    expect(listOf(p, 'ServiceProvided')).toEqual([ref])
    expect(listOf(p, 'ReleaseDate')).toEqual([nested])
    expect(listOf(p, 'Missing')).toEqual([])
  })

  it('does not see names inherited from Object.prototype on a plain record', () => {
    const plain: Record<string, string> = { A: '1' }
    expect(textOf(plain, 'toString')).toBeUndefined()
    expect(listOf(plain, 'hasOwnProperty')).toEqual([])
  })
})
