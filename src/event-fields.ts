/**
 * The event contract as data: every field a SyncEvent can carry with the rule its value keeps,
 * and for each kind which fields it has, in their order, and which it always has. Everything
 * else is derived from these two tables, so adding a field is one edit here:
 *   - the TypeScript types (SyncEvent in types.ts, a union discriminated by `kind`);
 *   - the wire schema and the export's JSON Schema (bridge/protocol/records.ts);
 *   - the panel's fast check (bridge/protocol/event-check.ts);
 *   - the compact codec (bridge/protocol/event-codec.ts), one layout per kind.
 * The engine imports only types from here: none of it ships in the engine's bundle (exportLog's
 * writer, loaded on its first call, takes the layouts' field order).
 *
 * An event holds facts; the sentences people read are rendered from them
 * (src/describe/describe-event.ts), by engine.print(), the panel and the export alike.
 */
import type {
  CHANGE_OPERATIONS,
  CHANNEL_NOTES,
  CHANNEL_STATUSES,
  MALFORMED_INPUTS,
  MALFORMED_PROBLEMS,
  MATCH_RULES,
  PASS_TRIGGERS,
  REFETCH_OUTCOMES,
  RESYNC_FALLBACKS,
  SYNC_EVENT_KINDS,
  UNCONFIRMED_CAUSES,
  VALUE_TYPES,
} from './types'
import type { DataChanges } from './data-diff'

/** What a valid value of a field is; the bounds are the wire's (bridge/protocol/records.ts). */
export interface RuleValues {
  /** An id, a name, a table, a topic. */
  text: string
  /** An error message. */
  longText: string
  nullableText: string | null
  /** An ISO timestamp as Postgres writes it. */
  timestamp: string
  number: number
  /** ≥ 0 */
  duration: number
  /** ≥ 1: an event's seq. */
  seq: number
  /** An integer ≥ 0. */
  count: number
  boolean: boolean
  seqs: readonly number[]
  key: readonly unknown[]
  keys: readonly (readonly unknown[])[]
  /** Per cause of a pass, the indexes of the pass's matchedKeys that cause matched. */
  keyRefs: readonly (readonly number[])[]
  /** [table, record id] pairs. */
  rows: readonly (readonly [string, string])[]
  channel: { readonly topic: string; readonly status: (typeof CHANNEL_STATUSES)[number] }
  operation: (typeof CHANGE_OPERATIONS)[number]
  outcome: (typeof REFETCH_OUTCOMES)[number]
  match: (typeof MATCH_RULES)[number]
  trigger: (typeof PASS_TRIGGERS)[number]
  fallback: (typeof RESYNC_FALLBACKS)[number]
  input: (typeof MALFORMED_INPUTS)[number]
  problem: (typeof MALFORMED_PROBLEMS)[number]
  valueType: (typeof VALUE_TYPES)[number]
  note: (typeof CHANNEL_NOTES)[number]
  cause: (typeof UNCONFIRMED_CAUSES)[number]
  changes: DataChanges
  any: unknown
}
export type FieldRule = keyof RuleValues

export interface FieldSpec {
  rule: FieldRule
  /** What the field says, for the JSON Schema of the export (and for people). */
  doc: string
}

/** Every field besides seq, at and kind, once. */
export const EVENT_FIELDS = {
  orgId: { rule: 'text', doc: 'The organization (its channel).' },
  table: { rule: 'text', doc: 'The table the change or pass is of.' },
  op: { rule: 'operation', doc: 'INSERT, UPDATE or DELETE.' },
  recordId: { rule: 'text', doc: "The row's id ('' for a table without one)." },
  eventId: { rule: 'text', doc: 'realtime_table_events.id.' },
  actorId: {
    rule: 'nullableText',
    doc: 'realtime_table_events.actor_id: who made the change (null: no signed-in user).',
  },
  commitTimestamp: { rule: 'timestamp', doc: 'When the change committed (the database clock).' },
  latencyMs: {
    rule: 'number',
    doc: 'From commit to receipt, on the database clock (filled when the event is read).',
  },
  replayed: {
    rule: 'boolean',
    doc: 'received/deduped/echo/malformed: read back from realtime_table_events after a gap, not delivered live. resync: the engine replayed what it missed (absent: it refetched).',
  },
  relatedSeq: {
    rule: 'seq',
    doc: "deduped: the first delivery. echo: this tab's write it echoes. received: this tab's write of the row that it is not an echo of.",
  },
  ageMs: { rule: 'duration', doc: 'How long after relatedSeq this event came.' },
  match: {
    rule: 'match',
    doc: "How relatedSeq was matched: deduped by 'event-id', 'same-change' (no event id) or 'same-row' (dedupBy 'row'); an echo by 'same-actor' or 'no-actor-column'; received with a write of the row by 'other-actor'.",
  },
  windowMs: { rule: 'count', doc: 'deduped: the dedup window it fell in.' },
  batchId: { rule: 'count', doc: 'invalidated: this pass. refetched: the pass that started it.' },
  trigger: {
    rule: 'trigger',
    doc: "invalidated: a 'batch' of changes and resyncs, the refresh after this tab's 'write', or a 'manual' invalidateGlobal().",
  },
  causes: { rule: 'seqs', doc: 'invalidated: the received and resync events this pass served.' },
  causeKeys: {
    rule: 'keyRefs',
    doc: 'invalidated: for each cause, the indexes of the matchedKeys it matched.',
  },
  matchedKeys: { rule: 'keys', doc: 'invalidated: the query keys the pass invalidated.' },
  markedStale: {
    rule: 'count',
    doc: 'invalidated: of those, the inactive queries only marked stale (they refetch when next used).',
  },
  leading: {
    rule: 'boolean',
    doc: "invalidated: ran at once, as no pass ran within batchMs (batchMode 'leading').",
  },
  batchMs: { rule: 'count', doc: 'invalidated: the batch window of the engine then.' },
  writes: { rule: 'rows', doc: "invalidated (trigger 'write'): the rows this tab wrote." },
  channel: { rule: 'channel', doc: 'The channel (topic, status).' },
  note: {
    rule: 'note',
    doc: 'channel: what happened to it besides its status (live, a taken topic, a failed subscribe, …).',
  },
  delayMs: { rule: 'count', doc: 'channel: when the engine tries again.' },
  waitedMs: { rule: 'count', doc: 'channel: from SUBSCRIBED to live.' },
  gapMs: {
    rule: 'count',
    doc: 'resync: how long the channel was not live (the first time: since the oldest loaded data).',
  },
  first: { rule: 'boolean', doc: "resync: the channel's first subscription." },
  replayedCount: { rule: 'count', doc: 'resync: the missed events it replayed.' },
  rereadCount: { rule: 'count', doc: 'resync: events read back that the engine had already seen.' },
  firstId: { rule: 'text', doc: 'resync: the first replayed event id.' },
  lastId: { rule: 'text', doc: 'resync: the last replayed event id.' },
  fallback: {
    rule: 'fallback',
    doc: "resync: why it refetched every query instead of replaying: 'replay-off', 'no-reader', 'past-retention', 'read-failed', 'over-max-replay'.",
  },
  maxReplay: { rule: 'count', doc: "resync ('over-max-replay'): the limit." },
  retentionMs: {
    rule: 'count',
    doc: "resync ('past-retention'): what realtime_table_events keeps.",
  },
  input: {
    rule: 'input',
    doc: 'malformed: what the value was (a change payload, a broadcast message, a subscribe status, a system message).',
  },
  problem: {
    rule: 'problem',
    doc: "malformed: 'invalid-value' (field holds a value of type found that it cannot), 'wrong-organization', or 'engine-error'.",
  },
  field: { rule: 'text', doc: 'malformed: the part that was wrong (table_name, record_id, …).' },
  found: { rule: 'valueType', doc: 'malformed: the type of value found there.' },
  cause: {
    rule: 'cause',
    doc: "unconfirmed: why the write's change never came back: 'write-failed', 'no-live-channel', 'events-unreadable', 'not-delivered' (replayed: its row was then sent down the live path), 'no-event-row'.",
  },
  queryKey: { rule: 'key', doc: 'refetched: the query.' },
  durationMs: { rule: 'duration', doc: "refetched: from the pass's fetch call until it settled." },
  outcome: { rule: 'outcome', doc: 'refetched: how it ended.' },
  error: {
    rule: 'longText',
    doc: "The error's own message (size-capped): a failed refetch, read, subscribe or auth.",
  },
  dataChanged: {
    rule: 'boolean',
    doc: 'refetched (success): whether the data changed: false means nothing on screen changed.',
  },
  observers: { rule: 'count', doc: 'refetched: the places on screen that show the query.' },
  changes: {
    rule: 'changes',
    doc: 'refetched (data changed, with diffs on): what changed: at most 20 paths with before and after previews (200 characters, secrets redacted), the rows added and removed by id, whether rows only moved.',
  },
  payload: {
    rule: 'any',
    doc: 'The realtime_table_events row, or a size-capped preview of what was malformed.',
  },
  reason: {
    rule: 'longText',
    doc: 'The rendered sentence, written into exports for people: no code reads it.',
  },
} as const satisfies Record<string, FieldSpec>

export type EventFieldName = keyof typeof EVENT_FIELDS

/** The fields of a change: received, deduped and echo share one layout (and one object shape). */
const CHANGE = [
  'orgId',
  'table',
  'op',
  'recordId',
  'eventId',
  'actorId',
  'commitTimestamp',
  'latencyMs',
  'replayed',
  'relatedSeq',
  'ageMs',
  'match',
  'windowMs',
  'payload',
  'reason',
] as const
const CHANGE_REQUIRED = ['orgId', 'table', 'op', 'recordId', 'payload'] as const

export interface KindLayout {
  /** The kind's fields after seq, at and kind, in the order events are built in. */
  readonly fields: readonly EventFieldName[]
  /** Of those, the fields it always has. */
  readonly required: readonly EventFieldName[]
}

export const EVENT_LAYOUTS = {
  received: { fields: CHANGE, required: CHANGE_REQUIRED },
  deduped: {
    fields: CHANGE,
    required: [...CHANGE_REQUIRED, 'relatedSeq', 'ageMs', 'match', 'windowMs'],
  },
  echo: { fields: CHANGE, required: [...CHANGE_REQUIRED, 'relatedSeq', 'ageMs', 'match'] },
  invalidated: {
    fields: [
      'batchId',
      'trigger',
      'table',
      'causes',
      'causeKeys',
      'matchedKeys',
      'markedStale',
      'leading',
      'batchMs',
      'writes',
      'reason',
    ],
    required: ['batchId', 'trigger', 'causes', 'causeKeys', 'matchedKeys', 'markedStale'],
  },
  resync: {
    fields: [
      'orgId',
      'channel',
      'gapMs',
      'first',
      'replayed',
      'replayedCount',
      'rereadCount',
      'firstId',
      'lastId',
      'fallback',
      'maxReplay',
      'retentionMs',
      'error',
      'reason',
    ],
    required: ['orgId', 'channel', 'gapMs'],
  },
  malformed: {
    fields: [
      'orgId',
      'input',
      'problem',
      'field',
      'found',
      'replayed',
      'error',
      'payload',
      'reason',
    ],
    required: ['input', 'problem'],
  },
  channel: {
    fields: ['orgId', 'channel', 'note', 'error', 'delayMs', 'waitedMs', 'reason'],
    required: ['orgId', 'channel'],
  },
  write: { fields: ['table', 'recordId', 'reason'], required: ['table', 'recordId'] },
  refetched: {
    fields: [
      'batchId',
      'table',
      'queryKey',
      'durationMs',
      'outcome',
      'error',
      'dataChanged',
      'observers',
      'changes',
      'reason',
    ],
    required: ['batchId', 'queryKey', 'durationMs', 'outcome', 'observers'],
  },
  unconfirmed: {
    fields: [
      'table',
      'recordId',
      'relatedSeq',
      'ageMs',
      'cause',
      'orgId',
      'replayed',
      'error',
      'reason',
    ],
    required: ['table', 'recordId', 'relatedSeq', 'ageMs', 'cause'],
  },
} as const satisfies Record<(typeof SYNC_EVENT_KINDS)[number], KindLayout>

type Layouts = typeof EVENT_LAYOUTS
type ValueOf<F extends EventFieldName> = RuleValues[(typeof EVENT_FIELDS)[F]['rule']]
type Flatten<T> = { [K in keyof T]: T[K] } & {}

/** The event of one kind: seq, at, kind, the fields it always has, the ones it may have. */
export type EventOfKind<K extends keyof Layouts> = Flatten<
  { readonly seq: number; readonly at: number; readonly kind: K } & {
    readonly [F in Layouts[K]['required'][number]]: ValueOf<F>
  } & {
    readonly [
      F in Exclude<Layouts[K]['fields'][number], Layouts[K]['required'][number]>
    ]?: ValueOf<F>
  }
>
