/**
 * AMT UUIDs on the wire are SMBIOS/GUID mixed-endian: the first three groups are
 * little-endian. Wire bytes b0..b15 read as text `b3b2b1b0-b5b4-b7b6-b8b9-b10..b15`, lower-cased
 * (apf.md §1.3 PROTOCOLVERSION; MPS `guidToStr`).
 */

import { ApfEncodeError } from '../errors.js'

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** Text position of each wire byte: wire byte i becomes hex pair ORDER[i] of the 32. */
const WIRE_TO_TEXT_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15] as const

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function isUuidText(text: string): boolean {
  return UUID_TEXT.test(text)
}

/** 16 wire bytes at `offset` to the canonical lower-case text form. */
export function uuidFromWire(bytes: Uint8Array, offset = 0): string {
  const pairs: string[] = new Array<string>(16)
  for (let i = 0; i < 16; i++) {
    pairs[WIRE_TO_TEXT_ORDER[i] as number] = HEX[bytes[offset + i] as number] as string
  }
  const s = pairs.join('')
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`
}

/** Canonical text (any case) to 16 wire bytes, written into `target` at `offset`. */
export function writeUuidToWire(text: string, target: Uint8Array, offset = 0): void {
  if (!UUID_TEXT.test(text)) throw new ApfEncodeError(`not a UUID: ${JSON.stringify(text)}`)
  const hex = text.replace(/-/g, '')
  for (let i = 0; i < 16; i++) {
    const textIndex = WIRE_TO_TEXT_ORDER[i] as number
    target[offset + i] = Number.parseInt(hex.slice(textIndex * 2, textIndex * 2 + 2), 16)
  }
}

export function uuidToWire(text: string): Buffer {
  const out = Buffer.alloc(16)
  writeUuidToWire(text, out, 0)
  return out
}

/** A UUID written as 32 hex digits in wire order (CIM_ComputerSystemPackage.PlatformGUID). */
export function uuidFromPlatformGuid(hex32: string): string {
  if (!/^[0-9a-fA-F]{32}$/.test(hex32)) throw new ApfEncodeError(`not a 32-digit GUID: ${JSON.stringify(hex32)}`)
  return uuidFromWire(Buffer.from(hex32, 'hex'))
}
