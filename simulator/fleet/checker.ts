/**
 * A tiny validator for JSON configuration: each check returns a usable value (the fallback when
 * the input is wrong) and records a problem naming the field's path, so one pass reports every
 * problem at once.
 */

type Record_ = Record<string, unknown>

export class Checker {
  readonly problems: string[] = []

  problem(path: string, message: string): void {
    this.problems.push(`${path || '(top level)'} ${message}`)
  }

  /** An object with only `allowed` keys; undefined gives an empty object (all defaults). */
  object(value: unknown, path: string, allowed: readonly string[]): Record_ {
    if (value === undefined) return {}
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be an object')
      return {}
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) this.problem(path === '' ? key : `${path}.${key}`, `is not a known field (known: ${allowed.join(', ')})`)
    }
    return value as Record_
  }

  array<T>(value: unknown, path: string, item: (v: unknown, path: string) => T): T[] {
    if (!Array.isArray(value)) {
      this.problem(path, 'must be an array')
      return []
    }
    return value.map((v, i) => item(v, `${path}[${i}]`))
  }

  number(value: unknown, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.problem(path, `must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`)
      return fallback
    }
    return value
  }

  integer(value: unknown, path: string, fallback: number, min: number, max: number): number {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(path, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
      return fallback
    }
    return value
  }

  boolean(value: unknown, path: string, fallback: boolean): boolean {
    if (value === undefined) return fallback
    if (typeof value !== 'boolean') {
      this.problem(path, `must be true or false, got ${JSON.stringify(value)}`)
      return fallback
    }
    return value
  }

  string(value: unknown, path: string, fallback: string, pattern: RegExp): string {
    if (value === undefined) return fallback
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.problem(path, `must match ${pattern}, got ${JSON.stringify(value)}`)
      return fallback
    }
    return value
  }

  /** A mix: choice → non-negative weight, at least one positive, every key accepted by `key`. */
  weights<K extends string>(value: unknown, path: string, fallback: Readonly<Record<K, number>>, key: (k: string) => string | null): Readonly<Record<K, number>> {
    if (value === undefined) return fallback
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(path, 'must be an object of weights, e.g. {"30": 8, "90": 2}')
      return fallback
    }
    let total = 0
    let ok = true
    for (const [k, w] of Object.entries(value)) {
      const wrongKey = key(k)
      if (wrongKey !== null) {
        this.problem(`${path}.${k}`, wrongKey)
        ok = false
      }
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        this.problem(`${path}.${k}`, `weight must be a number ≥ 0, got ${JSON.stringify(w)}`)
        ok = false
      } else total += w
    }
    if (ok && total <= 0) {
      this.problem(path, 'needs at least one positive weight')
      ok = false
    }
    return ok ? (value as Record<K, number>) : fallback
  }
}
