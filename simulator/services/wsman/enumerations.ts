/**
 * Open enumerations of one device. Enumerate snapshots the items; Pull hands them out in pages
 * and forgets the context after the last one (the reply then carries no EnumerationContext,
 * which is how MeshCommander knows to stop, redirection-wsman.md §4.3). Bounded by
 * `maxContexts`; the oldest open enumeration is dropped first.
 */

import { formatEnumerationContext, type WsmanInstance } from '../../../protocol/wsman/index.js'

interface OpenEnumeration {
  readonly items: readonly WsmanInstance[]
  position: number
}

export interface PullPage {
  readonly items: readonly WsmanInstance[]
  /** null when this page was the last. */
  readonly context: string | null
}

export class EnumerationStore {
  private readonly open = new Map<string, OpenEnumeration>()
  private counter: number

  constructor(
    private readonly maxContexts: number,
    firstContext: number,
  ) {
    this.counter = firstContext
  }

  start(items: readonly WsmanInstance[]): string {
    this.counter = (this.counter + 1) >>> 0
    const context = formatEnumerationContext(this.counter)
    this.open.set(context, { items, position: 0 })
    while (this.open.size > this.maxContexts) {
      const oldest = this.open.keys().next().value
      if (oldest === undefined) break
      this.open.delete(oldest)
    }
    return context
  }

  /**
   * The next page, or null for an unknown context. WS-Enumeration's default MaxElements is 1;
   * consoles ask for 999.
   */
  pull(context: string, maxElements: number | null): PullPage | null {
    const entry = this.open.get(context)
    if (entry === undefined) return null
    const count = Math.max(1, maxElements ?? 1)
    const items = entry.items.slice(entry.position, entry.position + count)
    entry.position += items.length
    if (entry.position >= entry.items.length) {
      this.open.delete(context)
      return { items, context: null }
    }
    return { items, context }
  }

  release(context: string): boolean {
    return this.open.delete(context)
  }

  get size(): number {
    return this.open.size
  }
}
