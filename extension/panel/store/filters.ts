import type { EventFieldName } from '../../../src/event-fields'
import type { SyncEventKind } from '../../../src/types'
import { orgOf, tableOf } from './event-facts'
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
