import { EVENT_LAYOUTS } from '../../../src/event-fields'
import { SYNC_EVENT_KINDS, type ChangeEvent, type SyncEvent } from '../../../src/types'

/**
 * A change event (received, deduped, echo: nearly every event a busy log holds) as numbers in
 * columns instead of an object with a payload object and a dozen strings: about 80 bytes held
 * instead of about 400. The layout is the event contract's (src/event-fields.ts), in its key
 * order, so an event read back is the event stored, key order included. An event this cannot
 * hold exactly (a field of another type, a key out of order, a payload that is not the
 * realtime_table_events row of the event's own fields, an import's `reason`) is kept as it is.
 */

/** The change kinds' indexes in SYNC_EVENT_KINDS. */
export const CHANGE_KIND_CODES: ReadonlySet<number> = new Set(
  (['received', 'deduped', 'echo'] as const).map((kind) => SYNC_EVENT_KINDS.indexOf(kind)),
)

/**
 * A change's keys in the order the engine and the codec build them (the contract's layout,
 * src/event-fields.ts), but `reason`: only an imported file's events have one, kept as objects.
 */
const CHANGE_KEYS = [
  'seq',
  'at',
  'kind',
  ...EVENT_LAYOUTS.received.fields.filter((name) => name !== 'reason'),
]
const KEY_INDEX = new Map<string, number>(CHANGE_KEYS.map((key, i) => [key, i]))

/** The realtime_table_events columns, in the table's order (supabase/migrations). */
const ROW_COLUMNS = [
  'id',
  'organization_id',
  'table_name',
  'event_type',
  'record_id',
  'actor_id',
  'created_at',
] as const

/** eventId as the table's bigint identity writes it: held as a number, read back the same. */
const CANONICAL_ID = /^(0|[1-9]\d{0,14})$/

/** Strings that repeat across a log (tables, organizations, ops, actors, rules) as small ints. */
export class Interner {
  private readonly ids = new Map<string, number>()
  readonly values: string[] = []

  id(value: string): number {
    let id = this.ids.get(value)
    if (id === undefined) {
      id = this.values.length
      this.values.push(value)
      this.ids.set(value, id)
    }
    return id
  }

  /** The id of `value` if it was ever interned, else -1. */
  find(value: string): number {
    return this.ids.get(value) ?? -1
  }
}

/**
 * Record ids and commit times repeat too, but without bound: one shared copy of each recent
 * value, and the cache starts over when it grows past its size (the values stay with the rows
 * that hold them, so nothing leaks after the rows go).
 */
export class StringShare {
  private seen = new Map<string, string>()

  constructor(private readonly max = 16_384) {}

  share(value: string): string {
    const held = this.seen.get(value)
    if (held !== undefined) return held
    if (this.seen.size >= this.max) this.seen = new Map()
    this.seen.set(value, value)
    return value
  }
}

/** The columns of one chunk that only changes use; `extra` only once a deduped or echo lands. */
export interface ChangeChunk {
  op: Int32Array
  actor: Int32Array
  eventId: Float64Array
  latency: Float64Array
  /**
   * What a duplicate or an echo adds: relatedSeq, ageMs, windowMs and the interned match rule,
   * four per row (NaN: absent), allocated when the chunk's first such change lands.
   */
  extra: Float64Array | undefined
  /** bit 0: replayed present, bit 1: its value; bit 2: the payload is the row of the fields. */
  flags: Uint8Array
  record: (string | undefined)[]
  commit: (string | undefined)[]
  /** A payload that is not the row of the event's fields, as it came (allocated on the first). */
  payload: unknown[] | undefined
}

export function newChangeChunk(size: number): ChangeChunk {
  return {
    op: new Int32Array(size),
    actor: new Int32Array(size),
    eventId: new Float64Array(size),
    latency: new Float64Array(size),
    extra: undefined,
    flags: new Uint8Array(size),
    record: new Array<string | undefined>(size).fill(undefined),
    commit: new Array<string | undefined>(size).fill(undefined),
    payload: undefined,
  }
}

const REPLAYED = 1
const REPLAYED_TRUE = 2
const PAYLOAD_IS_ROW = 4
const NONE = -1
/** Numbers per row in `extra`. */
const EXTRA = 4

/** The interned match rule of slot `i` (-1: none), for the filters. */
export function matchOf(chunk: ChangeChunk, i: number): number {
  const match = chunk.extra?.[i * EXTRA + 3]
  return match === undefined || Number.isNaN(match) ? NONE : match
}

/** What a change shares with every row: written by the caller into its common columns. */
export interface ChangeCommon {
  table: number
  org: number
}

/**
 * Writes `event` into slot `i` of the chunk's change columns and returns its table and
 * organization ids; undefined when the columns cannot hold it exactly (nothing written that
 * matters: the caller keeps the event as an object).
 */
export function writeChange(
  event: SyncEvent,
  chunk: ChangeChunk,
  i: number,
  interner: Interner,
  share: StringShare,
): ChangeCommon | undefined {
  if (!fitsColumns(event)) return undefined
  const e = event as ChangeEvent & Record<string, unknown>
  const payloadIsRow = isRowOf(e.payload, e)
  chunk.op[i] = interner.id(e.op)
  chunk.actor[i] = typeof e.actorId === 'string' ? interner.id(e.actorId) : NONE
  chunk.eventId[i] = e.eventId === undefined ? Number.NaN : Number(e.eventId)
  chunk.latency[i] = e.latencyMs ?? Number.NaN
  const extra =
    e.relatedSeq !== undefined ||
    e.ageMs !== undefined ||
    e.windowMs !== undefined ||
    e.match !== undefined
  if (extra) chunk.extra ??= new Float64Array(chunk.op.length * EXTRA).fill(Number.NaN)
  if (chunk.extra !== undefined) {
    chunk.extra[i * EXTRA] = e.relatedSeq ?? Number.NaN
    chunk.extra[i * EXTRA + 1] = e.ageMs ?? Number.NaN
    chunk.extra[i * EXTRA + 2] = e.windowMs ?? Number.NaN
    chunk.extra[i * EXTRA + 3] = e.match === undefined ? Number.NaN : interner.id(e.match)
  }
  chunk.flags[i] =
    (e.replayed === undefined ? 0 : REPLAYED | (e.replayed ? REPLAYED_TRUE : 0)) |
    (payloadIsRow ? PAYLOAD_IS_ROW : 0)
  chunk.record[i] = share.share(e.recordId)
  chunk.commit[i] = e.commitTimestamp === undefined ? undefined : share.share(e.commitTimestamp)
  if (!payloadIsRow) {
    chunk.payload ??= new Array<unknown>(chunk.op.length).fill(undefined)
    chunk.payload[i] = e.payload
  } else if (chunk.payload !== undefined) {
    chunk.payload[i] = undefined
  }
  return { table: interner.id(e.table), org: interner.id(e.orgId) }
}

/** The event stored in slot `i`, rebuilt in the contract's key order. */
export function readChange(
  chunk: ChangeChunk,
  i: number,
  common: { seq: number; at: number; kind: number; table: number; org: number },
  interner: Interner,
): SyncEvent {
  const names = interner.values
  const event: Record<string, unknown> = {
    seq: common.seq,
    at: common.at,
    kind: SYNC_EVENT_KINDS[common.kind],
    orgId: names[common.org],
    table: names[common.table],
    op: names[chunk.op[i]!],
    recordId: chunk.record[i],
  }
  const eventId = chunk.eventId[i]!
  if (!Number.isNaN(eventId)) event.eventId = String(eventId)
  const actor = chunk.actor[i]!
  if (actor !== NONE) event.actorId = names[actor]
  const commit = chunk.commit[i]
  if (commit !== undefined) event.commitTimestamp = commit
  const latency = chunk.latency[i]!
  if (!Number.isNaN(latency)) event.latencyMs = latency
  const flags = chunk.flags[i]!
  if (flags & REPLAYED) event.replayed = (flags & REPLAYED_TRUE) !== 0
  const extra = chunk.extra
  if (extra !== undefined) {
    const at = i * EXTRA
    if (!Number.isNaN(extra[at]!)) event.relatedSeq = extra[at]
    if (!Number.isNaN(extra[at + 1]!)) event.ageMs = extra[at + 1]
    if (!Number.isNaN(extra[at + 3]!)) event.match = names[extra[at + 3]!]
    if (!Number.isNaN(extra[at + 2]!)) event.windowMs = extra[at + 2]
  }
  event.payload = flags & PAYLOAD_IS_ROW ? rowOf(event) : chunk.payload![i]
  return event as unknown as SyncEvent
}

/** Whether `event` is a change the columns hold exactly. */
function fitsColumns(event: SyncEvent): boolean {
  let next = 0
  for (const key in event) {
    const index = KEY_INDEX.get(key)
    if (index === undefined || index < next) return false
    next = index + 1
    if (!fitsValue(key, (event as unknown as Record<string, unknown>)[key])) return false
  }
  // The required facts (the contract's): a change without them is not one the engine writes.
  const e = event as unknown as Record<string, unknown>
  return (
    typeof e.orgId === 'string' &&
    typeof e.table === 'string' &&
    typeof e.op === 'string' &&
    typeof e.recordId === 'string' &&
    'payload' in e
  )
}

function fitsValue(key: string, value: unknown): boolean {
  switch (key) {
    case 'seq':
    case 'at':
      return typeof value === 'number'
    case 'kind':
      return true
    case 'eventId':
      return typeof value === 'string' && CANONICAL_ID.test(value)
    case 'latencyMs':
    case 'relatedSeq':
    case 'ageMs':
    case 'windowMs':
      return typeof value === 'number' && !Number.isNaN(value)
    case 'replayed':
      return typeof value === 'boolean'
    case 'payload':
      return value !== undefined
    default:
      return typeof value === 'string'
  }
}

/** The payload is the realtime_table_events row the event was read from, column for column. */
function isRowOf(payload: unknown, e: Record<string, unknown>): boolean {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false
  if (Object.getPrototypeOf(payload) !== Object.prototype || e.eventId === undefined) return false
  const row = payload as Record<string, unknown>
  let n = 0
  for (const key in row) {
    if (key !== ROW_COLUMNS[n]) return false
    n++
  }
  return (
    n === ROW_COLUMNS.length &&
    row.id === Number(e.eventId) &&
    row.organization_id === e.orgId &&
    row.table_name === e.table &&
    row.event_type === e.op &&
    row.record_id === e.recordId &&
    row.actor_id === (e.actorId ?? null) &&
    row.created_at === e.commitTimestamp &&
    typeof row.created_at === 'string'
  )
}

function rowOf(e: Record<string, unknown>): Record<string, unknown> {
  return {
    id: Number(e.eventId),
    organization_id: e.orgId,
    table_name: e.table,
    event_type: e.op,
    record_id: e.recordId,
    actor_id: e.actorId ?? null,
    created_at: e.commitTimestamp,
  }
}
