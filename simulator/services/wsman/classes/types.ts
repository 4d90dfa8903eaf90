/**
 * How a simulated CIM class is described: its current instances (read from the device state
 * on every request, so a Get after a power change sees it), an optional Put and methods.
 */

import { FAULTS, makeProperties, type Properties, type PropertyValue, type WsmanFault, type WsmanInstance } from '../../../../protocol/wsman/index.js'
import type { DeviceIdentity } from '../../../identity.js'
import type { SimulatedHost } from '../../host.js'
import type { WsmanDeviceState } from '../state.js'

export interface ClassContext {
  readonly host: SimulatedHost
  readonly identity: DeviceIdentity
  readonly state: WsmanDeviceState
}

/** A method's answer (output properties, ReturnValue among them) or a fault (HTTP 400). */
export type MethodResult = { readonly output: Properties } | { readonly fault: WsmanFault }

export type Method = (ctx: ClassContext, input: Properties) => MethodResult

export interface ResourceClass {
  readonly className: string
  readonly instances: (ctx: ClassContext) => readonly WsmanInstance[]
  /** Apply a Put; null when accepted, a fault (HTTP 400) when refused. */
  readonly put?: (ctx: ClassContext, properties: Properties) => WsmanFault | null
  readonly methods?: Readonly<Record<string, Method>>
}

export function props(record: Readonly<Record<string, PropertyValue>>): Properties {
  return makeProperties(Object.entries(record))
}

export function instance(className: string, record: Readonly<Record<string, PropertyValue>>): WsmanInstance {
  return { className, properties: props(record) }
}

export function bool(value: boolean): string {
  return value ? 'true' : 'false'
}

export function returnValue(value: number, extra: Readonly<Record<string, PropertyValue>> = {}): MethodResult {
  return { output: props({ ...extra, ReturnValue: String(value) }) }
}

/** The refused-Put fault (HTTP 400), with what was wrong in the detail. */
export function invalidRepresentation(detail: string): WsmanFault {
  return { ...FAULTS.invalidRepresentation, detail }
}

/** A Put value read as a boolean; undefined when absent; null when not a boolean. */
export function readBoolean(properties: Properties, name: string): boolean | undefined | null {
  const value = properties[name]
  if (value === undefined) return undefined
  if (value === 'true' || value === 'false') return value === 'true'
  return null
}

/** A Put value read as an integer in [min, max]; undefined when absent; null when invalid. */
export function readInteger(properties: Properties, name: string, min: number, max: number): number | undefined | null {
  const value = properties[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^-?[0-9]{1,10}$/.test(value.trim())) return null
  const n = Number(value.trim())
  return n >= min && n <= max ? n : null
}

/** "16.1.30" → [16, 1] */
export function versionParts(identity: DeviceIdentity): readonly [number, number] {
  const [major = '0', minor = '0'] = identity.amtVersion.split('.')
  return [Number.parseInt(major, 10) || 0, Number.parseInt(minor, 10) || 0]
}

export const AMT_SYSTEM = { SystemCreationClassName: 'CIM_ComputerSystem', SystemName: 'Intel(r) AMT' } as const
