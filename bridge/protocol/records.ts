/**
 * The records inside the protocol's `data` strings, as valibot schemas: the events a batch
 * carries (SyncEvent, src/types.ts), and the EngineState an `engine-state` message carries.
 * Every string and array is bounded, so a hostile or broken page cannot make the panel hold or
 * render unbounded data. They are also the single source of truth of the export file and its
 * JSON Schema (extension/shared/export-format.ts).
 */
import * as v from 'valibot'
import { BATCH_MODES, DEDUP_MODES, TUNABLE_OPTIONS, type TunableName } from '../../src/options'
import { QUERY_REACHES, type QuerySummary } from '../../src/query-summaries'
import { RECORD_SCOPE_LIMITS } from '../../src/query-keys'
import type { DatabaseClockState } from '../../src/database-clock'
import {
  EVENT_FIELDS,
  EVENT_LAYOUTS,
  type EventOfKind,
  type KindLayout,
} from '../../src/event-fields'
import {
  CHANNEL_NOTES,
  CHANNEL_STATUSES,
  type ChannelState,
  REFETCH_OUTCOMES,
  REPLICATION_STATES,
  TRANSPORTS,
  type EngineConfig,
  type MinuteMetrics,
  SYNC_EVENT_KINDS,
  type SyncEvent,
  type SyncEventKind,
} from '../../src/types'
import { LIMITS, RULE_SCHEMAS } from './field-rules'

export { LIMITS } from './field-rules'

const { text: shortText, longText, count, seq } = RULE_SCHEMAS

/** One kind's event: seq, at, kind, then its fields in the table's order, as the table says. */
function kindSchema<K extends SyncEventKind>(kind: K) {
  const { fields, required } = EVENT_LAYOUTS[kind] as KindLayout
  const entries: Record<string, v.GenericSchema> = {
    seq: v.pipe(seq, v.description('Strictly increasing per engine; a gap means loss.')),
    at: v.pipe(RULE_SCHEMAS.number, v.description('Epoch ms on the engine clock.')),
    kind: v.literal(kind),
  }
  for (const name of fields) {
    const { rule, doc } = EVENT_FIELDS[name]
    const schema = v.pipe(RULE_SCHEMAS[rule] as v.GenericSchema, v.description(doc))
    entries[name] = required.includes(name) ? schema : v.optional(schema)
  }
  return v.object(entries) as unknown as v.GenericSchema<EventOfKind<K>>
}

/** A SyncEvent: one object schema per kind (src/event-fields.ts), told apart by `kind`. */
export const SyncEventSchema = v.pipe(
  v.variant(
    'kind',
    // The variant's typing wants literal object schemas; the kinds' types come from the table.
    SYNC_EVENT_KINDS.map((kind) => kindSchema(kind)) as never,
  ),
  v.title('SyncEvent'),
) as unknown as v.GenericSchema<SyncEvent>

export const MinuteMetricsSchema = v.object({
  minute: v.pipe(v.number(), v.description('Start of the minute, epoch ms.')),
  received: count,
  processed: count,
  deduped: count,
  echo: count,
  malformed: count,
  invalidations: count,
  keysInvalidated: count,
  // Optional on the wire: engines of 0.2.0 do not count refetches.
  refetches: v.optional(count, 0),
  refetchErrors: v.optional(count, 0),
  unchangedRefetches: v.optional(count, 0),
  // Engines of 0.2.0 do not follow writes.
  unconfirmed: v.optional(count, 0),
  refetchP50Ms: v.optional(v.pipe(v.number(), v.minValue(0))),
  refetchP95Ms: v.optional(v.pipe(v.number(), v.minValue(0))),
})

/** An option's value, within the limits of the options table (src/options.ts). */
function optionSchema(name: TunableName) {
  const { min, max, description } = TUNABLE_OPTIONS[name]
  return v.pipe(
    v.number(),
    v.integer(),
    v.minValue(min),
    v.maxValue(max),
    v.description(description),
  )
}

export const EngineConfigSchema = v.object({
  dedupWindowMs: optionSchema('dedupWindowMs'),
  echoWindowMs: optionSchema('echoWindowMs'),
  batchMs: optionSchema('batchMs'),
  bufferSize: optionSchema('bufferSize'),
  // Optional on the wire: an engine of 0.2.0 does not follow its writes (0: off).
  writeConfirmMs: v.optional(optionSchema('writeConfirmMs'), 0),
  dedupBy: v.optional(v.picklist(DEDUP_MODES)),
  batchMode: v.optional(v.picklist(BATCH_MODES)),
  // Optional on the wire: engines of 0.2.0 do not send it (they know only 'record').
  recordScopes: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(RECORD_SCOPE_LIMITS.length))),
      v.minLength(1),
      v.maxLength(RECORD_SCOPE_LIMITS.scopes),
      v.description(
        "The second key elements that mark a single-row key [table, scope, id]: refetched only by a change of that row. Default ['record'].",
      ),
    ),
  ),
})

export const ChannelStateSchema = v.object({
  orgId: shortText,
  topic: shortText,
  status: v.picklist(CHANNEL_STATUSES),
  subscribedCount: count,
  replication: v.optional(v.picklist(REPLICATION_STATES)),
  subscribedAt: v.optional(v.number()),
  liveAt: v.optional(v.number()),
  lastResyncAt: v.optional(v.number()),
  lastNote: v.optional(
    v.object({
      note: v.optional(v.picklist(CHANNEL_NOTES)),
      error: v.optional(longText),
      delayMs: v.optional(count),
      waitedMs: v.optional(count),
    }),
  ),
  transport: v.optional(v.picklist(TRANSPORTS)),
})

/** The engine's estimate of the page's clock against the database's (src/database-clock.ts). */
export const DatabaseClockSchema = v.object({
  pageAheadMs: v.pipe(v.number(), v.finite()),
  uncertaintyMs: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0))),
  samples: count,
  corrected: v.boolean(),
})

/** What an `engine-state` message carries (as JSON) besides the events. */
export interface EngineState {
  config: EngineConfig
  channels: readonly ChannelState[]
  /** Absent until the engine saw a database time, and from engines of 0.2.0. */
  clock?: DatabaseClockState
  metrics: MinuteMetrics[]
  /** Events that fell off the engine's ring: never silent loss. */
  dropped: number
  lastSeq: number
}

export const EngineStateSchema = v.object({
  config: EngineConfigSchema,
  channels: v.pipe(v.array(ChannelStateSchema), v.maxLength(10_000)),
  clock: v.optional(DatabaseClockSchema),
  metrics: v.pipe(v.array(MinuteMetricsSchema), v.maxLength(100_000)),
  dropped: count,
  lastSeq: count,
})

export const QuerySummarySchema = v.object({
  queryHash: longText,
  queryKey: v.pipe(v.array(v.unknown()), v.maxLength(LIMITS.keyParts)),
  table: v.optional(shortText),
  recordId: v.optional(shortText),
  reach: v.picklist(QUERY_REACHES),
  tableSeen: v.optional(v.boolean()),
  observers: count,
  active: v.boolean(),
  status: v.picklist(['pending', 'success', 'error']),
  fetchStatus: v.picklist(['fetching', 'paused', 'idle']),
  dataUpdatedAt: v.number(),
  invalidatedBySeq: v.optional(seq),
  invalidatedAt: v.optional(v.number()),
  refetches: count,
  lastRefetch: v.optional(
    v.object({
      at: v.number(),
      durationMs: v.pipe(v.number(), v.minValue(0)),
      outcome: v.picklist(REFETCH_OUTCOMES),
      dataChanged: v.optional(v.boolean()),
    }),
  ),
})

/** What a `queries` message carries: the summaries sent, and how many the cache holds. */
export interface QueryList {
  total: number
  queries: QuerySummary[]
  /** The engine (0.2.0) cannot list its queries. */
  unsupported?: boolean
}

export const QueryListSchema = v.object({
  total: count,
  unsupported: v.optional(v.boolean()),
  queries: v.pipe(v.array(QuerySummarySchema), v.maxLength(10_000)),
})

/** One record of the page's Realtime sockets: socket-record-schema.ts. */
export { SocketRecordSchema } from './socket-record-schema'

export type ValidEngineConfig = v.InferOutput<typeof EngineConfigSchema>
export type ValidEngineState = v.InferOutput<typeof EngineStateSchema>

// The schemas' outputs are the contract's types (compile-time check, no runtime cost).
type Assignable<A extends B, B> = A
export type _Checks = [
  Assignable<v.InferOutput<typeof MinuteMetricsSchema>, MinuteMetrics>,
  Assignable<v.InferOutput<typeof ChannelStateSchema>, ChannelState>,
  Assignable<v.InferOutput<typeof QuerySummarySchema>, QuerySummary>,
  Assignable<Required<ValidEngineConfig>, EngineConfig>,
]
