/**
 * The wire form of an `events` batch. Bytes are the DevTools path's cost: every hop copies the
 * string, and the background's Ports serialize it again. So a batch carries no key names and no
 * value twice:
 *
 *   [BATCH_FORMAT, strings, row, row, …]    row = [head, repeats?, seq?, at, value, value, …]
 *
 * Each kind has its layout, the field table's (src/event-fields.ts): its fields in order. The
 * head holds the kind's index in SYNC_EVENT_KINDS (bits 0–3), four flags, and from bit 8 on one
 * bit per field of the kind's layout: the event has it (not undefined), and its value follows,
 * in that order. The flags shorten what repeats from event to event:
 *   REPEATS       the previous row is of the same kind and some of this event's values are the
 *                 ones it sent (the same organization, operation, actor, commit time, latency,
 *                 payload row…): `repeats` has one bit per field of the layout whose value is
 *                 left out, to be taken from the previous row as it was sent;
 *   SEQ_NEXT      no seq value: it is the previous event's seq + 1 (the usual case);
 *   AT_DELTA      `at` is the difference from the previous event's (integers only, so exact);
 *   PAYLOAD_ROW   the payload is a realtime_table_events row whose leading columns repeat the
 *                 event's own fields (id = eventId, organization_id = orgId, …), sent as
 *                 [columns, value…, rest?]: the low 3 bits of `columns` say how many of
 *                 ROW_COLUMNS lead the row (in that order), the bits above which of those repeat
 *                 the event (left out); the values of the others follow, then an object of the
 *                 remaining columns, if any. The panel rebuilds the same object, key order
 *                 included.
 * A picklist's value (op, outcome, match, …) travels as its index in its list. The value of a
 * text field that repeats (orgId, table, actorId, commitTimestamp, field: INTERNED_FIELDS)
 * travels as its index in the batch's `strings`, each distinct string once per batch: a live
 * batch repeats a few organizations, tables, actors and commit times, and every byte it leaves
 * out is a byte the page's thread does not copy and escape again on each hop (the relay's Port
 * serializes the batch string as JSON, where each of its quotes is escaped).
 *
 * Decoding never throws; a row it cannot decode comes back as undefined, and the panel's event
 * check (event-check.ts) still judges every decoded event.
 */
import { EVENT_FIELDS, EVENT_LAYOUTS, type KindLayout } from '../../src/event-fields'
import { SYNC_EVENT_KINDS, type SyncEvent } from '../../src/types'
import { PICKLISTS } from './field-rules'

/**
 * The first element of every batch: a future change of this form gets a new number. 2: one
 * layout per kind (1 was one 30-bit mask over every field). 3: text values as indexes in the
 * batch's string table.
 */
export const BATCH_FORMAT = 3

/**
 * The text fields whose values repeat from event to event (src/event-fields.ts): sent as indexes
 * in the batch's strings. Not the ids of one event or row (eventId, recordId, firstId, lastId):
 * nearly every one is new within a batch, and an index plus its entry in the table is longer
 * than the string, and slower to write (measured: 1,000 live events, 95 bytes each in format 2,
 * 53 with every text field interned, 44 with these only, encoded in about the same time as
 * format 2).
 */
const INTERNED_FIELDS: ReadonlySet<string> = new Set([
  'orgId',
  'table',
  'actorId',
  'commitTimestamp',
  'field',
])

const KIND_BITS = 4
const KIND_MASK = (1 << KIND_BITS) - 1
const SEQ_NEXT = 1 << KIND_BITS
const AT_DELTA = 1 << (KIND_BITS + 1)
const PAYLOAD_ROW = 1 << (KIND_BITS + 2)
const REPEATS = 1 << (KIND_BITS + 3)
const FIELDS_SHIFT = KIND_BITS + 4
/** The head is a 31-bit integer in JSON and in bit operations. */
const MAX_FIELDS = 31 - FIELDS_SHIFT
const COLUMN_COUNT_BITS = 3

interface Layout {
  kind: string
  fields: readonly string[]
  /** Per field, the values of its picklist (sent as indexes), if it has one. */
  picklists: readonly (readonly string[] | undefined)[]
  indexes: readonly (ReadonlyMap<unknown, number> | undefined)[]
  /** Per field, whether its value travels as an index in the batch's strings. */
  interned: readonly boolean[]
  /** The payload's position in `fields`, or -1; its row form applies to the change kinds. */
  payload: number
  rowPayload: boolean
}

const LAYOUTS: readonly Layout[] = SYNC_EVENT_KINDS.map((kind) => {
  const { fields } = EVENT_LAYOUTS[kind] as KindLayout
  if (fields.length > MAX_FIELDS) {
    throw new Error(`event-codec: kind ${kind} has more than ${MAX_FIELDS} fields`)
  }
  const picklists = fields.map(
    (name) => (PICKLISTS as Record<string, readonly string[]>)[EVENT_FIELDS[name].rule],
  )
  return {
    kind,
    fields,
    picklists,
    indexes: picklists.map((list) => list && new Map<unknown, number>(list.map((x, i) => [x, i]))),
    interned: fields.map((name) => INTERNED_FIELDS.has(name)),
    payload: fields.indexOf('payload'),
    rowPayload: kind === 'received' || kind === 'deduped' || kind === 'echo',
  }
})
if (LAYOUTS.length > KIND_MASK + 1) throw new Error('event-codec: too many kinds for the head')
const LAYOUT_OF = new Map<unknown, number>(LAYOUTS.map((layout, i) => [layout.kind, i]))

type Fields = Record<string, unknown>

/**
 * The realtime_table_events columns a payload may leave out, in the table's column order, with
 * the event field each one repeats and how to tell it does.
 */
const ROW_COLUMNS: readonly {
  column: string
  repeats: (value: unknown, event: Fields) => boolean
  restore: (event: Fields) => unknown
}[] = [
  {
    column: 'id',
    // A bigint identity arrives as a JSON number; the event holds it as a string.
    repeats: (value, event) => typeof value === 'number' && String(value) === event.eventId,
    restore: (event) => (typeof event.eventId === 'string' ? Number(event.eventId) : undefined),
  },
  same('organization_id', 'orgId'),
  same('table_name', 'table'),
  same('event_type', 'op'),
  same('record_id', 'recordId'),
  {
    column: 'actor_id',
    repeats: (value, event) => event.actorId !== undefined && value === event.actorId,
    restore: (event) => event.actorId,
  },
  same('created_at', 'commitTimestamp'),
]

function same(column: string, field: string): (typeof ROW_COLUMNS)[number] {
  return {
    column,
    repeats: (value, event) => typeof value === 'string' && value === event[field],
    restore: (event) => (typeof event[field] === 'string' ? event[field] : undefined),
  }
}

// ─── encoding (the page bridge) ──────────────────────────────────────────────────────────────

/**
 * One batch as its wire string. A value JSON cannot carry (a BigInt in a payload) costs that
 * event its payload, not the batch.
 */
export function encodeEventBatch(events: readonly SyncEvent[]): string {
  const strings = new StringTable(new Sent())
  const rows: unknown[] = [BATCH_FORMAT, strings.list]
  const bases: (Base | undefined)[] = new Array(events.length)
  let previous: Base | undefined
  for (let i = 0; i < events.length; i++) {
    bases[i] = previous
    const row = encodeEvent(events[i]!, previous, strings)
    rows.push(row)
    previous = row[0] === UNREADABLE ? NO_BASE : events[i]
  }
  try {
    return JSON.stringify(rows)
  } catch {
    // Written again from the first row, each in a form JSON can carry; the rows first: one
    // written in a safer form may add strings to the table.
    strings.previous.kind = -1
    const written = events.map((event, i) => `,${stringifyEvent(event, bases[i], strings)}`)
    return `[${BATCH_FORMAT},${JSON.stringify(strings.list)}${written.join('')}]`
  }
}

/** What the previous row sent: its kind and its values as sent, by field of its layout. */
class Sent {
  kind = -1
  values: unknown[] = []
  /** The encoder's next `values`: two arrays take turns, none is made per row. */
  spare: unknown[] = []
}

/** A batch's distinct strings, in the order they were first met; and its previous row. */
class StringTable {
  readonly list: string[] = []
  private readonly indexes = new Map<string, number>()

  constructor(readonly previous: Sent) {}

  indexOf(value: string): number {
    let index = this.indexes.get(value)
    if (index === undefined) {
      index = this.list.length
      this.indexes.set(value, index)
      this.list.push(value)
    }
    return index
  }
}

/** What the next row's seq and `at` are told relative to. */
type Base = { readonly seq?: number; readonly at?: number }
/** The head of a row the panel cannot decode (a kind of no layout). */
const UNREADABLE = -1
/**
 * After such a row the panel knows no seq or `at` (decodeEventBatch): the next row tells both in
 * full, so one unknown event does not cost the next one too.
 */
const NO_BASE: Base = {}

function stringifyEvent(
  event: SyncEvent,
  previous: Base | undefined,
  strings: StringTable,
): string {
  // A row JSON could not write was never sent: the next attempt is sent whole.
  const unsent = () => {
    strings.previous.kind = -1
  }
  try {
    return JSON.stringify(encodeEvent(event, previous, strings))
  } catch {
    unsent()
    try {
      const rest = { ...event, payload: '[payload not serializable]' }
      return JSON.stringify(encodeEvent(rest, previous, strings))
    } catch {
      unsent()
      // The kind's facts hold a value JSON cannot carry: a malformed event says so.
      const { seq, at } = event
      return JSON.stringify(
        encodeEvent(
          {
            seq,
            at,
            kind: 'malformed',
            input: 'change',
            problem: 'engine-error',
            error: '[event not serializable]',
          },
          previous,
          strings,
        ),
      )
    }
  }
}

function encodeEvent(
  event: SyncEvent,
  previous: Base | undefined,
  strings: StringTable,
): unknown[] {
  const fields = event as unknown as Fields
  const kind = LAYOUT_OF.get(event.kind)
  // Not a kind of ours (the engine writes none): a row the panel counts as unreadable.
  if (kind === undefined) {
    strings.previous.kind = -1
    return [UNREADABLE]
  }
  const layout = LAYOUTS[kind]!
  const row: unknown[] = [0, 0]
  let head = kind
  const sent = strings.previous
  const before = sent.kind === kind ? sent.values : undefined
  const values = sent.spare
  let repeats = 0
  const previousSeq = previous?.seq
  if (previousSeq !== undefined && Number.isInteger(previousSeq) && event.seq === previousSeq + 1) {
    head |= SEQ_NEXT
  } else {
    row.push(event.seq)
  }
  const base: unknown = previous === undefined ? 0 : previous.at
  const at = event.at
  if (
    Number.isSafeInteger(at) &&
    Number.isSafeInteger(base) &&
    Number.isSafeInteger(at - (base as number))
  ) {
    head |= AT_DELTA
    row.push(at - (base as number))
  } else {
    row.push(at)
  }
  const names = layout.fields
  for (let i = 0; i < names.length; i++) {
    let value = fields[names[i]!]
    if (value === undefined) {
      values[i] = undefined
      continue
    }
    const index = layout.indexes[i]
    if (index !== undefined) value = index.get(value) ?? unlikeAnIndex(value)
    else if (layout.interned[i]) {
      value = typeof value === 'string' ? strings.indexOf(value) : unlikeAnIndex(value)
    } else if (i === layout.payload && layout.rowPayload) {
      const payloadRow = encodeRow(value, fields)
      if (payloadRow !== undefined) {
        head |= PAYLOAD_ROW
        value = payloadRow
      }
    }
    head |= 1 << (FIELDS_SHIFT + i)
    values[i] = value
    if (before !== undefined && sameSent(before[i], value)) repeats |= 1 << i
    else row.push(value)
  }
  sent.kind = kind
  sent.spare = sent.values
  sent.values = values
  row[0] = head
  if (repeats === 0) row.splice(1, 1)
  else {
    row[0] = head | REPEATS
    row[1] = repeats
  }
  return row
}

/**
 * A value sent as the previous row sent it: the same number or string, or a short array of them
 * (a payload row whose columns all repeat its event, a one-element wrapper).
 */
function sameSent(before: unknown, value: unknown): boolean {
  if (before === value) return typeof value !== 'object' || value === null
  if (!Array.isArray(before) || !Array.isArray(value)) return false
  if (before.length !== value.length || value.length > 4) return false
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i]
    if (item !== before[i] || (typeof item === 'object' && item !== null)) return false
  }
  return true
}

/** The payload in its row form, when its leading columns repeat the event; else undefined. */
function encodeRow(payload: unknown, event: Fields): unknown[] | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined
  if (Object.getPrototypeOf(payload) !== Object.prototype) return undefined
  const source = payload as Fields
  const out: unknown[] = [0]
  let leading = 0
  let repeated = 0
  let rest: Fields | undefined
  for (const key in source) {
    const column = ROW_COLUMNS[leading]
    if (rest === undefined && column !== undefined && key === column.column) {
      const value = source[key]
      if (column.repeats(value, event)) {
        repeated |= 1 << leading
        leading++
        continue
      }
      // In an array JSON writes null where an object drops the key: such a value ends the run.
      if (value !== undefined && typeof value !== 'function' && typeof value !== 'symbol') {
        out.push(value)
        leading++
        continue
      }
    }
    rest ??= {}
    setOwn(rest, key, source[key])
  }
  if (repeated === 0) return undefined
  out[0] = leading | (repeated << COLUMN_COUNT_BITS)
  if (rest !== undefined) out.push(rest)
  return out
}

/** A kind or op the lists do not know (or a text field's value that is no string) travels as
 * is; a number (or array) is wrapped, so it is never read as an index. */
function unlikeAnIndex(value: unknown): unknown {
  return typeof value === 'number' || Array.isArray(value) ? [value] : value
}

function fromIndex(value: unknown, names: readonly string[]): unknown {
  if (typeof value === 'number') return names[value]
  return Array.isArray(value) && value.length === 1 ? value[0] : value
}

// ─── decoding (the panel) ────────────────────────────────────────────────────────────────────

export type DecodedBatch =
  { ok: true; events: (SyncEvent | undefined)[] } | { ok: false; error: string }

/**
 * A parsed batch (JSON.parse of the wire string) back into events, in their order. An event that
 * is not a well-formed row is undefined at its place; the batch as a whole fails only when it is
 * not one of ours (or its string table is no array of strings).
 */
export function decodeEventBatch(json: unknown): DecodedBatch {
  if (!Array.isArray(json) || json.length === 0) {
    return { ok: false, error: 'a batch is not an array of events' }
  }
  if (json[0] !== BATCH_FORMAT) {
    return { ok: false, error: `a batch is not in format ${BATCH_FORMAT} (${describe(json[0])})` }
  }
  const strings: unknown = json[1]
  if (!Array.isArray(strings) || !strings.every((value) => typeof value === 'string')) {
    return { ok: false, error: "a batch's string table is not an array of strings" }
  }
  const events: (SyncEvent | undefined)[] = new Array(Math.max(0, json.length - 2))
  let previous: Fields | undefined
  const sent = new Sent()
  for (let i = 2; i < json.length; i++) {
    const event = decodeRow(json[i], previous, strings as string[], sent)
    // Nothing repeats a row that failed.
    if (event === undefined) sent.kind = -1
    events[i - 2] = event as SyncEvent | undefined
    // After a row that failed, a seq or `at` told relative to it cannot be known.
    previous = event ?? {}
  }
  return { ok: true, events }
}

function decodeRow(
  row: unknown,
  previous: Fields | undefined,
  strings: readonly string[],
  sent: Sent,
): Fields | undefined {
  if (!Array.isArray(row)) return undefined
  const head: unknown = row[0]
  if (!Number.isInteger(head) || (head as number) < 0 || (head as number) > 0x7fffffff)
    return undefined
  const bits = head as number
  const kind = bits & KIND_MASK
  const layout = LAYOUTS[kind]
  if (layout === undefined || bits >>> FIELDS_SHIFT >= 2 ** layout.fields.length) return undefined
  // Built in the layout's key order, so the panel's check takes its no-copy path.
  const event: Fields = {}
  let next = 1
  let repeats = 0
  if (bits & REPEATS) {
    const mask: unknown = row[next++]
    // Only fields the row has, from a previous row of the same kind.
    if (
      sent.kind !== kind ||
      !Number.isInteger(mask) ||
      (mask as number) <= 0 ||
      ((mask as number) & (bits >>> FIELDS_SHIFT)) !== mask
    )
      return undefined
    repeats = mask as number
  }
  const values: unknown[] = new Array(layout.fields.length)
  if (bits & SEQ_NEXT) {
    if (typeof previous?.seq !== 'number') return undefined
    event.seq = previous.seq + 1
  } else {
    event.seq = row[next++]
  }
  let at: unknown = row[next++]
  if (bits & AT_DELTA) {
    const base = previous === undefined ? 0 : previous.at
    if (typeof at !== 'number' || typeof base !== 'number') return undefined
    at = base + at
  }
  event.at = at
  event.kind = layout.kind
  const names = layout.fields
  for (let i = 0; i < names.length; i++) {
    if ((bits & (1 << (FIELDS_SHIFT + i))) === 0) continue
    let value: unknown
    if (repeats & (1 << i)) {
      value = sent.values[i]
      if (value === undefined) return undefined
    } else {
      if (next >= row.length) return undefined
      value = row[next++]
    }
    values[i] = value
    const list = layout.picklists[i]
    if (list !== undefined) value = fromIndex(value, list)
    else if (layout.interned[i]) {
      if (typeof value === 'number') {
        // An index the table does not hold is no row of ours (a string is taken as it is).
        if (!Number.isInteger(value) || value < 0 || value >= strings.length) return undefined
        value = strings[value]
      } else if (Array.isArray(value) && value.length === 1) value = value[0]
    } else if (i === layout.payload && bits & PAYLOAD_ROW) {
      value = decodePayloadRow(value, event)
      if (value === undefined) return undefined
    }
    event[names[i]!] = value
  }
  if (next !== row.length) return undefined
  if (
    bits & PAYLOAD_ROW &&
    (layout.payload < 0 || !(bits & (1 << (FIELDS_SHIFT + layout.payload))))
  )
    return undefined
  sent.kind = kind
  sent.values = values
  return event
}

function decodePayloadRow(value: unknown, event: Fields): Fields | undefined {
  if (!Array.isArray(value) || !Number.isInteger(value[0]) || value[0] < 0) return undefined
  const leading = value[0] & ((1 << COLUMN_COUNT_BITS) - 1)
  const repeated = value[0] >> COLUMN_COUNT_BITS
  if (leading > ROW_COLUMNS.length || repeated >= 1 << leading) return undefined
  const payload: Fields = {}
  let next = 1
  for (let i = 0; i < leading; i++) {
    const { column, restore } = ROW_COLUMNS[i]!
    let cell: unknown
    if (repeated & (1 << i)) {
      cell = restore(event)
      if (cell === undefined) return undefined
    } else {
      if (next >= value.length) return undefined
      cell = value[next++]
    }
    payload[column] = cell
  }
  if (next < value.length) {
    const rest: unknown = value[next++]
    if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) return undefined
    for (const key of Object.keys(rest)) {
      // A rest naming a leading column would reorder the row: not something we encode.
      if (Object.hasOwn(payload, key)) return undefined
      setOwn(payload, key, (rest as Fields)[key])
    }
  }
  return next === value.length ? payload : undefined
}

/** A key of untrusted data as an own property: `__proto__` must not set a prototype. */
function setOwn(target: Fields, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    target[key] = value
  }
}

function describe(value: unknown): string {
  return typeof value === 'number' || typeof value === 'string'
    ? `first element ${JSON.stringify(value).slice(0, 20)}`
    : `first element ${value === null ? 'null' : typeof value}`
}
