/**
 * The evidence a case keeps: one transcript per connection it opened (every APF message both
 * ways, decoded and as hex, with its time), free-form notes, and named timings. Bounded: a case
 * that sends 10,000 messages keeps the first entries and counts the rest.
 */

import { describeApfMessage, type ApfMessage } from '../protocol/apf/index.js'

export type EntryDirection = 'sent' | 'received' | 'event'

export interface TranscriptEntry {
  /** Milliseconds since the case started. */
  readonly t: number
  readonly dir: EntryDirection
  /** The decoded message (describeApfMessage), or what happened (closed, TLS error, ...). */
  readonly text: string
  /** The bytes as hex, cut after HEX_LIMIT bytes. */
  readonly hex?: string
  readonly bytes?: number
}

export interface TranscriptData {
  readonly name: string
  readonly transport: string
  readonly entries: readonly TranscriptEntry[]
}

export interface EvidenceData {
  readonly notes: readonly string[]
  readonly timings: Readonly<Record<string, number>>
  readonly transcripts: readonly TranscriptData[]
  /** Entries not kept because the case passed its entry budget. */
  readonly omittedEntries: number
}

/** Bytes of each message kept as hex; the length is always recorded. */
export const HEX_LIMIT = 256
/** Entries kept per case, over all its transcripts. */
export const ENTRY_BUDGET = 4000
const NOTE_LIMIT = 200

export function hexOf(bytes: Buffer): string {
  return bytes.length <= HEX_LIMIT ? bytes.toString('hex') : `${bytes.subarray(0, HEX_LIMIT).toString('hex')}…`
}

export class Evidence {
  private readonly started: number
  private readonly notesList: string[] = []
  private readonly timingsMap: Record<string, number> = {}
  private readonly transcripts: Transcript[] = []
  private kept = 0
  private omitted = 0

  constructor(startedAtMs: number = performance.now()) {
    this.started = startedAtMs
  }

  /** Milliseconds since the case started. */
  now(): number {
    return Math.round((performance.now() - this.started) * 10) / 10
  }

  note(text: string): void {
    if (this.notesList.length < NOTE_LIMIT) this.notesList.push(text)
  }

  /** Record a named timing in milliseconds (e.g. `handshakeMs`). */
  timing(label: string, ms: number): void {
    this.timingsMap[label] = Math.round(ms * 10) / 10
  }

  transcript(name: string, transport: string): Transcript {
    const t = new Transcript(name, transport, this)
    this.transcripts.push(t)
    return t
  }

  /** Keep a transcript recorded elsewhere (e.g. a session kept only because it went wrong). */
  adopt(data: TranscriptData): void {
    const t = new Transcript(data.name, data.transport, this)
    for (const entry of data.entries) t.restore(entry)
    this.transcripts.push(t)
  }

  /** Called by transcripts: whether one more entry may be kept. */
  admit(): boolean {
    if (this.kept >= ENTRY_BUDGET) {
      this.omitted++
      return false
    }
    this.kept++
    return true
  }

  toJSON(): EvidenceData {
    return {
      notes: [...this.notesList],
      timings: { ...this.timingsMap },
      transcripts: this.transcripts.map((t) => t.toJSON()),
      omittedEntries: this.omitted,
    }
  }
}

export class Transcript {
  readonly name: string
  readonly transport: string
  private readonly owner: Evidence
  private readonly entries: TranscriptEntry[] = []

  constructor(name: string, transport: string, owner: Evidence) {
    this.name = name
    this.transport = transport
    this.owner = owner
  }

  sent(message: ApfMessage, bytes: Buffer, how?: string): void {
    this.push('sent', how === undefined ? describeApfMessage(message) : `${describeApfMessage(message)} [${how}]`, bytes)
  }

  /** Bytes that are not one well-formed message (mutations, over-limit lengths, garbage). */
  sentRaw(label: string, bytes: Buffer): void {
    this.push('sent', label, bytes)
  }

  received(message: ApfMessage, bytes: Buffer | null): void {
    this.push('received', describeApfMessage(message), bytes)
  }

  event(text: string): void {
    if (this.owner.admit()) this.entries.push({ t: this.owner.now(), dir: 'event', text })
  }

  /** Re-add an entry recorded by another Evidence (counted against this one's budget). */
  restore(entry: TranscriptEntry): void {
    if (this.owner.admit()) this.entries.push(entry)
  }

  private push(dir: EntryDirection, text: string, bytes: Buffer | null): void {
    if (!this.owner.admit()) return
    const entry: TranscriptEntry =
      bytes === null ? { t: this.owner.now(), dir, text } : { t: this.owner.now(), dir, text, hex: hexOf(bytes), bytes: bytes.length }
    this.entries.push(entry)
  }

  toJSON(): TranscriptData {
    return { name: this.name, transport: this.transport, entries: [...this.entries] }
  }
}
