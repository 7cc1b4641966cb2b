import type { EventFieldName } from '../../../src/event-fields'
import { SYNC_EVENT_KINDS, type SyncEventKind } from '../../../src/types'
import { CHANGE_KIND_CODES, matchOf } from './change-columns'
import { orgOf, tableOf } from './event-facts'
import type { RowChunk, RowColumns } from './row-columns'
import type { EventRow, LogRow } from './rows'

export interface LogFilters {
  /** Words that must all appear (case-insensitive) in the event's fields or payload. */
  text: string
  /** Kinds shown; empty: all. */
  kinds: readonly SyncEventKind[]
  table?: string
  org?: string
  /** A time range picked on the timeline (epoch ms, the page's clock): events logged in it. */
  range?: { from: number; to: number }
}

export const NO_FILTERS: LogFilters = { text: '', kinds: [] }

export function isFiltering(filters: LogFilters): boolean {
  return (
    filters.text.trim() !== '' ||
    filters.kinds.length > 0 ||
    filters.table !== undefined ||
    filters.org !== undefined ||
    filters.range !== undefined
  )
}

/** A stable string for "did the filters change". */
export function filtersKey(filters: LogFilters): string {
  return JSON.stringify([
    filters.text.trim().toLowerCase(),
    [...filters.kinds].sort(),
    filters.table ?? null,
    filters.org ?? null,
    filters.range ?? null,
  ])
}

/** A payload contributes at most this much text to search (a huge payload is a preview anyway). */
const MAX_PAYLOAD_SEARCH = 2_000

/**
 * The lowercase text a row is searched by, built once per row on first use: seq (`#12`), kind,
 * then its facts of text: org, table, op, record, event id, actor, the codes that say why (a
 * dedup or echo rule, a pass's trigger, a resync's fallback, a channel's note), an error's
 * message, the channel, the batch. The payload's JSON only for malformed events: a change's
 * payload (the realtime_table_events row) repeats the fields above, and skipping it halves the
 * first search over 100k rows.
 */
export function searchText(row: EventRow): string {
  if (row.search !== undefined) return row.search
  const e = row.event
  let text = `#${e.seq} ${e.kind}`
  for (const name of SEARCHED) {
    // Whichever of these facts the event's kind has (a field absent from a kind reads undefined).
    const value: unknown = Reflect.get(e, name)
    if (typeof value === 'string') text += ` ${value}`
  }
  if (e.kind === 'channel' || e.kind === 'resync') text += ` ${e.channel.topic} ${e.channel.status}`
  if (e.kind === 'invalidated' || e.kind === 'refetched') text += ` batch #${e.batchId}`
  if (e.kind === 'malformed' && e.payload !== undefined) {
    try {
      const json = JSON.stringify(e.payload)
      if (json !== undefined) text += ` ${json.slice(0, MAX_PAYLOAD_SEARCH)}`
    } catch {
      // an unserializable payload is not searchable
    }
  }
  row.search = text.toLowerCase()
  return row.search
}

/** The text facts a search reads, whichever kinds have them (src/event-fields.ts). */
const SEARCHED = [
  'orgId',
  'table',
  'op',
  'recordId',
  'eventId',
  'actorId',
  'match',
  'trigger',
  'fallback',
  'input',
  'problem',
  'field',
  'note',
  'error',
] as const satisfies readonly EventFieldName[]

/**
 * The predicate for the filters, or undefined when nothing is filtered. Marker rows (reloads,
 * gaps, ring losses) always pass: they explain what is missing around the filtered rows.
 */
export function compileFilter(filters: LogFilters): ((row: LogRow) => boolean) | undefined {
  if (!isFiltering(filters)) return undefined
  const kinds = filters.kinds.length > 0 ? new Set<string>(filters.kinds) : undefined
  const { table, org, range } = filters
  const words = filters.text.trim().toLowerCase().split(/\s+/).filter(Boolean)
  return (row) => {
    if (row.type !== 'event') return true
    const e = row.event
    if (kinds !== undefined && !kinds.has(e.kind)) return false
    if (table !== undefined && tableOf(e) !== table) return false
    if (org !== undefined && orgOf(e) !== org) return false
    if (range !== undefined && (e.at < range.from || e.at > range.to)) return false
    if (words.length === 0) return true
    const text = searchText(row)
    for (const word of words) if (!text.includes(word)) return false
    return true
  }
}

/**
 * The filters as a test of the row in slot `i` of a chunk of `store` (row-columns.ts), or
 * undefined when nothing is filtered. A change held in columns is judged from its columns (no
 * event object is built); any other row by compileFilter's predicate. Same verdicts as
 * compileFilter on the row.
 */
export function compileRowFilter(
  filters: LogFilters,
  store: RowColumns,
): ((chunk: RowChunk, i: number) => boolean) | undefined {
  const onRow = compileFilter(filters)
  if (onRow === undefined) return undefined
  const kinds = new Uint8Array(256).fill(1)
  if (filters.kinds.length > 0) {
    kinds.fill(0)
    for (const kind of filters.kinds) kinds[SYNC_EVENT_KINDS.indexOf(kind)] = 1
  }
  const { interner } = store
  const table = filters.table === undefined ? undefined : interner.find(filters.table)
  const org = filters.org === undefined ? undefined : interner.find(filters.org)
  const { range } = filters
  const words = filters.text
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => new ColumnWord(word, interner.values))
  return (chunk, i) => {
    const kind = chunk.kinds[i]!
    if (!CHANGE_KIND_CODES.has(kind)) return onRow(store.read(chunk, i))
    if (kinds[kind] === 0) return false
    if (table !== undefined && chunk.table[i] !== table) return false
    if (org !== undefined && chunk.org[i] !== org) return false
    if (range !== undefined) {
      const at = chunk.at[i]!
      if (at < range.from || at > range.to) return false
    }
    for (const word of words) if (!word.inChange(chunk, i, kind)) return false
    return true
  }
}

/**
 * One search word against a change's columns. searchText joins a change's facts with spaces and
 * a word has none, so the word is in the text exactly when it is in one of the facts: the
 * interned ones are judged once per distinct value, the record id per row, the seq and event id
 * only for a word that could be part of a number.
 */
class ColumnWord {
  /** Per interned value: 0 not yet judged, 1 contains the word, 2 does not. */
  private interned = new Uint8Array(64)
  private readonly kinds: boolean[]
  private readonly numeric: boolean

  constructor(
    private readonly word: string,
    private readonly values: readonly string[],
  ) {
    this.kinds = SYNC_EVENT_KINDS.map((kind) => kind.includes(word))
    this.numeric = /^#?\d*$/.test(word)
  }

  inChange(chunk: RowChunk, i: number, kind: number): boolean {
    if (this.kinds[kind] === true) return true
    if (this.hasValue(chunk.org[i]!) || this.hasValue(chunk.table[i]!)) return true
    const change = chunk.change!
    if (this.hasValue(change.op[i]!) || this.hasValue(change.actor[i]!)) return true
    if (this.hasValue(matchOf(change, i))) return true
    if (change.record[i]!.toLowerCase().includes(this.word)) return true
    if (!this.numeric) return false
    if (`#${chunk.seq[i]!}`.includes(this.word)) return true
    const eventId = change.eventId[i]!
    return !Number.isNaN(eventId) && String(eventId).includes(this.word)
  }

  private hasValue(id: number): boolean {
    if (id < 0) return false
    if (id >= this.interned.length) {
      const grown = new Uint8Array(Math.max(id + 1, this.interned.length * 2))
      grown.set(this.interned)
      this.interned = grown
    }
    let verdict = this.interned[id]!
    if (verdict === 0) {
      verdict = this.values[id]!.toLowerCase().includes(this.word) ? 1 : 2
      this.interned[id] = verdict
    }
    return verdict === 1
  }
}
