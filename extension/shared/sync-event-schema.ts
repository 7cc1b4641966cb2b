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

// ─── the panel's hot path ────────────────────────────────────────────────────────────────────

const KINDS: ReadonlySet<unknown> = new Set(SYNC_EVENT_KINDS)
const OPS: ReadonlySet<unknown> = new Set(['INSERT', 'UPDATE', 'DELETE'])

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value)
const isSeq = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1
const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0
const isText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length <= max

function isSeqArray(value: unknown): value is number[] {
  if (!Array.isArray(value) || value.length > LIMITS.causes) return false
  for (let i = 0; i < value.length; i++) if (!isSeq(value[i])) return false
  return true
}

function isKeyList(value: unknown): value is unknown[][] {
  if (!Array.isArray(value) || value.length > LIMITS.keys) return false
  for (let i = 0; i < value.length; i++) {
    const key: unknown = value[i]
    if (!Array.isArray(key) || key.length > LIMITS.keyParts) return false
  }
  return true
}

/**
 * SyncEventSchema, hand-written for the panel's ingest (every event streamed goes through it, and
 * `v.safeParse` cost as much as the JSON.parse of the batch): the same checks and limits, and the
 * same output (known keys only, in the schema's order; a key present with `undefined` kept, as
 * valibot keeps it; `causes` and `matchedKeys` are the input's arrays, not copies). Returns
 * undefined when the schema would reject the value: ask the schema for the reason. The schema
 * stays the source of truth (import, export, JSON Schema); test/panel/sync-event-check.test.ts
 * holds the two to agreement: change one, change the other.
 */
export function checkSyncEvent(value: unknown): SyncEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const input = value as Record<string, unknown>
  const { seq, at, kind } = input
  if (!isSeq(seq) || !isNumber(at) || !KINDS.has(kind)) return undefined
  const out: SyncEvent = { seq, at, kind: kind as SyncEvent['kind'] }
  // Each optional field: absent, or present with undefined (kept), or valid.
  let x = input.orgId
  if (x !== undefined) {
    if (!isText(x, LIMITS.shortText)) return undefined
    out.orgId = x
  } else if ('orgId' in input) out.orgId = undefined
  x = input.table
  if (x !== undefined) {
    if (!isText(x, LIMITS.shortText)) return undefined
    out.table = x
  } else if ('table' in input) out.table = undefined
  x = input.op
  if (x !== undefined) {
    if (!OPS.has(x)) return undefined
    out.op = x as SyncEvent['op']
  } else if ('op' in input) out.op = undefined
  x = input.recordId
  if (x !== undefined) {
    if (!isText(x, LIMITS.shortText)) return undefined
    out.recordId = x
  } else if ('recordId' in input) out.recordId = undefined
  x = input.eventId
  if (x !== undefined) {
    if (!isText(x, LIMITS.shortText)) return undefined
    out.eventId = x
  } else if ('eventId' in input) out.eventId = undefined
  x = input.actorId
  if (x !== undefined) {
    if (x !== null && !isText(x, LIMITS.shortText)) return undefined
    out.actorId = x
  } else if ('actorId' in input) out.actorId = undefined
  x = input.commitTimestamp
  if (x !== undefined) {
    if (!isText(x, 100)) return undefined
    out.commitTimestamp = x
  } else if ('commitTimestamp' in input) out.commitTimestamp = undefined
  x = input.latencyMs
  if (x !== undefined) {
    if (!isNumber(x)) return undefined
    out.latencyMs = x
  } else if ('latencyMs' in input) out.latencyMs = undefined
  x = input.reason
  if (x !== undefined) {
    if (!isText(x, LIMITS.longText)) return undefined
    out.reason = x
  } else if ('reason' in input) out.reason = undefined
  x = input.relatedSeq
  if (x !== undefined) {
    if (!isSeq(x)) return undefined
    out.relatedSeq = x
  } else if ('relatedSeq' in input) out.relatedSeq = undefined
  x = input.batchId
  if (x !== undefined) {
    if (!isCount(x)) return undefined
    out.batchId = x
  } else if ('batchId' in input) out.batchId = undefined
  x = input.causes
  if (x !== undefined) {
    if (!isSeqArray(x)) return undefined
    out.causes = x
  } else if ('causes' in input) out.causes = undefined
  x = input.matchedKeys
  if (x !== undefined) {
    if (!isKeyList(x)) return undefined
    out.matchedKeys = x
  } else if ('matchedKeys' in input) out.matchedKeys = undefined
  x = input.channel
  if (x !== undefined) {
    if (typeof x !== 'object' || x === null) return undefined
    const { topic, status } = x as Record<string, unknown>
    if (!isText(topic, LIMITS.shortText) || !isText(status, LIMITS.shortText)) return undefined
    out.channel = { topic, status }
  } else if ('channel' in input) out.channel = undefined
  if ('payload' in input) out.payload = input.payload
  return out
}
