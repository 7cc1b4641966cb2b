/**
 * Valibot schemas of the records the engine writes (src/types.ts), as they cross into the
 * extension: the events the panel receives, the engine state it polls, and the export file.
 * Every string and array is bounded, so a hostile or broken page cannot make the panel hold or
 * render unbounded data. These are the single source of truth for the export's JSON Schema.
 */
import * as v from 'valibot'
import type {
  ChannelState,
  EngineConfig,
  MinuteMetrics,
  SyncEvent,
  SyncEventKind,
} from '../../src/types'

export const SYNC_EVENT_KINDS = [
  'received',
  'deduped',
  'echo',
  'invalidated',
  'resync',
  'malformed',
  'channel',
  'write',
] as const satisfies readonly SyncEventKind[]

/** Bounds on untrusted input. Generous for real data, small enough to stay renderable. */
export const LIMITS = {
  /** ids, names, tables, topics */
  shortText: 1_000,
  /** reasons and errors */
  longText: 10_000,
  /** query keys listed by one invalidation pass */
  keys: 100_000,
  /** elements of one query key */
  keyParts: 100,
  /** events coalesced into one pass */
  causes: 100_000,
} as const

const shortText = v.pipe(v.string(), v.maxLength(LIMITS.shortText))
const longText = v.pipe(v.string(), v.maxLength(LIMITS.longText))
const count = v.pipe(v.number(), v.integer(), v.minValue(0))
const seq = v.pipe(v.number(), v.integer(), v.minValue(1))

export const SyncEventSchema = v.pipe(
  v.object({
    seq: v.pipe(seq, v.description('Strictly increasing per engine; a gap means loss.')),
    at: v.pipe(v.number(), v.description('Epoch ms on the engine clock.')),
    kind: v.picklist(SYNC_EVENT_KINDS),
    orgId: v.optional(shortText),
    table: v.optional(shortText),
    op: v.optional(v.picklist(['INSERT', 'UPDATE', 'DELETE'])),
    recordId: v.optional(shortText),
    eventId: v.optional(shortText),
    actorId: v.optional(v.nullable(shortText)),
    commitTimestamp: v.optional(v.pipe(v.string(), v.maxLength(100))),
    latencyMs: v.optional(v.number()),
    reason: v.optional(longText),
    relatedSeq: v.optional(seq),
    batchId: v.optional(count),
    causes: v.optional(v.pipe(v.array(seq), v.maxLength(LIMITS.causes))),
    matchedKeys: v.optional(
      v.pipe(
        v.array(v.pipe(v.array(v.unknown()), v.maxLength(LIMITS.keyParts))),
        v.maxLength(LIMITS.keys),
      ),
    ),
    channel: v.optional(v.object({ topic: shortText, status: shortText })),
    payload: v.optional(v.unknown()),
  }),
  v.title('SyncEvent'),
)

export const MinuteMetricsSchema = v.object({
  minute: v.pipe(v.number(), v.description('Start of the minute, epoch ms.')),
  received: count,
  processed: count,
  deduped: count,
  echo: count,
  malformed: count,
  invalidations: count,
  keysInvalidated: count,
})

export const EngineConfigSchema = v.object({
  dedupWindowMs: count,
  echoWindowMs: count,
  batchMs: count,
  bufferSize: count,
  dedupBy: v.optional(v.picklist(['event', 'row'])),
})

export const ChannelStateSchema = v.object({
  orgId: shortText,
  topic: shortText,
  status: shortText,
  subscribedCount: count,
  lastResyncAt: v.optional(v.number()),
  lastError: v.optional(longText),
})

/** bridge/engine-state.ts's EngineState, as the `engine-state` message carries it. */
export const EngineStateSchema = v.object({
  config: EngineConfigSchema,
  channels: v.pipe(v.array(ChannelStateSchema), v.maxLength(10_000)),
  metrics: v.pipe(v.array(MinuteMetricsSchema), v.maxLength(100_000)),
  dropped: count,
  lastSeq: count,
})

export type ValidSyncEvent = v.InferOutput<typeof SyncEventSchema>
export type ValidEngineConfig = v.InferOutput<typeof EngineConfigSchema>
export type ValidEngineState = v.InferOutput<typeof EngineStateSchema>

// The schemas' outputs are the contract's types (compile-time check, no runtime cost).
type Assignable<A extends B, B> = A
export type _Checks = [
  Assignable<ValidSyncEvent, SyncEvent>,
  Assignable<v.InferOutput<typeof MinuteMetricsSchema>, MinuteMetrics>,
  Assignable<v.InferOutput<typeof ChannelStateSchema>, ChannelState>,
  Assignable<Required<ValidEngineConfig>, EngineConfig>,
]
