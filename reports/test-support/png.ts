/**
 * Just enough of PNG to read a browser screenshot back: 8-bit RGB or RGBA, not interlaced
 * (what Chromium writes). Pixels come out as RGBA rows so a test can look for ink of a colour.
 */

import { inflateSync } from 'node:zlib'

export interface Image {
  readonly width: number
  readonly height: number
  /** RGBA, row by row. */
  readonly rgba: Buffer
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export function decodePng(file: Buffer): Image {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file')
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  for (let at = 8; at < file.length; ) {
    const length = file.readUInt32BE(at)
    const type = file.toString('latin1', at + 4, at + 8)
    const data = file.subarray(at + 8, at + 8 + length)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]]
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`)
      channels = colour === 6 ? 4 : 3
    } else if (type === 'IDAT') idat.push(data)
    at += 12 + length
  }
  return { width, height, rgba: toRgba(unfilter(inflateSync(Buffer.concat(idat)), width, height, channels), width * height, channels) }
}

/** Undoes the per-row filters (PNG spec §9). */
function unfilter(raw: Buffer, width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp
  const out = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const src = y * (stride + 1) + 1
    const row = y * stride
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? (out[row + x - bpp] as number) : 0
      const b = y > 0 ? (out[row - stride + x] as number) : 0
      const c = x >= bpp && y > 0 ? (out[row - stride + x - bpp] as number) : 0
      const v = raw[src + x] as number
      out[row + x] = (v + predictor(filter ?? 0, a, b, c)) & 0xff
    }
  }
  return out
}

function predictor(filter: number, a: number, b: number, c: number): number {
  if (filter === 0) return 0
  if (filter === 1) return a
  if (filter === 2) return b
  if (filter === 3) return (a + b) >> 1
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

function toRgba(pixels: Buffer, count: number, channels: number): Buffer {
  if (channels === 4) return pixels
  const out = Buffer.alloc(count * 4, 0xff)
  for (let i = 0; i < count; i++) pixels.copy(out, i * 4, i * 3, i * 3 + 3)
  return out
}

/** Pixels within `tolerance` of the colour (per channel), e.g. a chart's series line. */
export function countColour(image: Image, hex: string, tolerance = 40): number {
  const r = parseInt(hex.slice(1, 3), 16)
  const g = parseInt(hex.slice(3, 5), 16)
  const b = parseInt(hex.slice(5, 7), 16)
  let n = 0
  for (let i = 0; i < image.rgba.length; i += 4) {
    const px = image.rgba
    if (Math.abs((px[i] as number) - r) <= tolerance && Math.abs((px[i + 1] as number) - g) <= tolerance && Math.abs((px[i + 2] as number) - b) <= tolerance) n++
  }
  return n
}
