/**
 * The simulated KVM screen: a deterministic test pattern computed per pixel (no framebuffer is
 * held, so a KVM session costs one tile of memory). Eight vertical colour bars over the top
 * two thirds, a grey ramp below; every console key or pointer event advances `generation`,
 * which rotates the bars, so a console sees its input change the screen. The pointer is drawn
 * as an 8×8 white square. Consoles (and tests) can compute the expected pixels with the same
 * functions.
 */

import { bytesPerPixel, packPixel, writePixel, type PixelFormat } from '../../../protocol/redirection/rfb.js'

export const SCREEN_WIDTH = 640
export const SCREEN_HEIGHT = 480
const CURSOR = 8

/** White, yellow, cyan, green, magenta, red, blue, black (the classic bars). */
const BARS: readonly (readonly [number, number, number])[] = [
  [255, 255, 255],
  [255, 255, 0],
  [0, 255, 255],
  [0, 255, 0],
  [255, 0, 255],
  [255, 0, 0],
  [0, 0, 255],
  [0, 0, 0],
]

export interface PatternState {
  readonly width: number
  readonly height: number
  /** Advanced by console input. */
  readonly generation: number
  readonly pointerX: number
  readonly pointerY: number
}

/** The 8-bit RGB colour of pixel (x, y). */
export function patternColour(s: PatternState, x: number, y: number): readonly [number, number, number] {
  if (x >= s.pointerX && x < s.pointerX + CURSOR && y >= s.pointerY && y < s.pointerY + CURSOR) return [255, 255, 255]
  if (y < Math.floor((s.height * 2) / 3)) {
    const bar = (Math.floor((x * BARS.length) / s.width) + s.generation) % BARS.length
    return BARS[bar] as readonly [number, number, number]
  }
  const level = Math.floor((x * 255) / Math.max(1, s.width - 1))
  return [level, level, level]
}

/** Pixels of the rectangle in the console's pixel format, row by row. */
export function renderTile(s: PatternState, pf: PixelFormat, x: number, y: number, width: number, height: number): Buffer {
  const bpp = bytesPerPixel(pf)
  const out = Buffer.allocUnsafe(width * height * bpp)
  // A row's colours depend only on the column (bars or ramp) except under the pointer: pack each column once.
  const barRow = packedRow(s, pf, x, width, 0)
  const rampRow = packedRow(s, pf, x, width, s.height - 1)
  const white = packPixel(pf, 255, 255, 255)
  const barsEnd = Math.floor((s.height * 2) / 3)
  let at = 0
  for (let row = y; row < y + height; row++) {
    const values = row < barsEnd ? barRow : rampRow
    const underPointer = row >= s.pointerY && row < s.pointerY + CURSOR
    for (let i = 0; i < width; i++) {
      const col = x + i
      const pointer = underPointer && col >= s.pointerX && col < s.pointerX + CURSOR
      writePixel(out, at, pointer ? white : (values[i] as number), pf)
      at += bpp
    }
  }
  return out
}

function packedRow(s: PatternState, pf: PixelFormat, x: number, width: number, y: number): number[] {
  const values: number[] = []
  const away = { ...s, pointerX: -CURSOR, pointerY: -CURSOR }
  for (let i = 0; i < width; i++) {
    const [r, g, b] = patternColour(away, x + i, y)
    values.push(packPixel(pf, r, g, b))
  }
  return values
}

export interface Tile {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** The ≤64×64 tiles covering a rectangle (clipped to the screen), row-major. */
export function tilesOf(x: number, y: number, width: number, height: number, screenWidth: number, screenHeight: number, size = 64): Tile[] {
  const right = Math.min(x + width, screenWidth)
  const bottom = Math.min(y + height, screenHeight)
  const tiles: Tile[] = []
  for (let ty = y; ty < bottom; ty += size) {
    for (let tx = x; tx < right; tx += size) {
      tiles.push({ x: tx, y: ty, width: Math.min(size, right - tx), height: Math.min(size, bottom - ty) })
    }
  }
  return tiles
}
