import {
  CHANGE_OPERATIONS,
  CHANNEL_STATUSES,
  type ChannelStatus,
  REFETCH_OUTCOMES,
  SYNC_EVENT_KINDS,
  type SyncEvent,
} from '../../src/types'
import { LIMITS } from './records'

/**
 * SyncEventSchema (records.ts) as a table of field rules, for the panel's ingest: every event
 * streamed goes through it, and `v.safeParse` cost as much as the JSON.parse of the batch. The
 * same checks and limits, and the same output (known keys only, in the schema's order; a key
 * present with `undefined` kept, as valibot keeps it). Returns undefined when the schema would
 * reject the value: ask the schema for the reason. The schema stays the source of truth (import,
 * export, JSON Schema); test/panel/sync-event-check.test.ts holds the two to agreement.
 *
 * What the engine sends is already that output: a plain object with known keys, in the schema's
 * order. Such an event is checked and returned as it is, with no copy; anything else (an unknown
 * key, another order, a channel with more than topic and status) is checked and copied field by
 * field. The rules are data and one `switch` reads them, so the hot loop stays monomorphic.
 */
export function checkSyncEvent(value: unknown): SyncEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const input = value as Record<string, unknown>
  if (!isSeq(input.seq) || !isNumber(input.at) || !KINDS.has(input.kind)) return undefined
  // A plain object: for-in sees its own keys only, and V8 reads input[key] from its enum cache.
  if (Object.getPrototypeOf(input) !== Object.prototype) return checkAndCopy(input)
  // Walks the schema's order along with the input's keys: an unknown key, or one out of
  // order, runs off its end (keys are interned strings: each comparison is a pointer's).
  let next = 0
  for (const key in input) {
    while (next < SYNC_EVENT_FIELDS.length && SYNC_EVENT_FIELDS[next] !== key) next++
    if (next === SYNC_EVENT_FIELDS.length) return checkAndCopy(input)
    const index = next++
    if (index < REQUIRED) continue
    const x = input[key]
    if (x === undefined) continue
    const verdict = judge(OPTIONAL_FIELDS[index - REQUIRED]!.rule, x)
    if (verdict === REJECT) return undefined
    if (verdict === COPY) return checkAndCopy(input)
  }
  return input as unknown as SyncEvent
}

/** The slow path, for what is not already in the schema's shape: check, then copy known fields. */
function checkAndCopy(input: Record<string, unknown>): SyncEvent | undefined {
  const out = { seq: input.seq, at: input.at, kind: input.kind } as Record<string, unknown>
  for (let i = 0; i < OPTIONAL_FIELDS.length; i++) {
    const { name, rule } = OPTIONAL_FIELDS[i]!
    const x = input[name]
    if (x !== undefined) {
      if (judge(rule, x) === REJECT) return undefined
      out[name] = rule.type === 'channel' ? copyChannel(x) : x
    } else if (name in input) {
      out[name] = undefined
    }
  }
  return out as unknown as SyncEvent
}

type OptionalField = Exclude<keyof SyncEvent, 'seq' | 'at' | 'kind'>

type FieldRule =
  | { type: 'text'; max: number; nullable?: boolean }
  | {
      type:
        | 'number'
        | 'duration'
        | 'seq'
        | 'count'
        | 'boolean'
        | 'operation'
        | 'outcome'
        | 'seqs'
        | 'key'
        | 'keys'
        | 'channel'
        | 'any'
    }

/** Every optional field of SyncEvent, in the schema's order (the compiler checks none is missing). */
const FIELD_RULES = {
  orgId: { type: 'text', max: LIMITS.shortText },
  table: { type: 'text', max: LIMITS.shortText },
  op: { type: 'operation' },
  recordId: { type: 'text', max: LIMITS.shortText },
  eventId: { type: 'text', max: LIMITS.shortText },
  actorId: { type: 'text', max: LIMITS.shortText, nullable: true },
  commitTimestamp: { type: 'text', max: 100 },
  latencyMs: { type: 'number' },
  reason: { type: 'text', max: LIMITS.longText },
  relatedSeq: { type: 'seq' },
  batchId: { type: 'count' },
  causes: { type: 'seqs' },
  leading: { type: 'boolean' },
  matchedKeys: { type: 'keys' },
  markedStale: { type: 'count' },
  queryKey: { type: 'key' },
  durationMs: { type: 'duration' },
  outcome: { type: 'outcome' },
  error: { type: 'text', max: LIMITS.longText },
  dataChanged: { type: 'boolean' },
  observers: { type: 'count' },
  replayed: { type: 'boolean' },
  channel: { type: 'channel' },
  payload: { type: 'any' },
} satisfies Record<OptionalField, FieldRule>

const OPTIONAL_FIELDS = Object.entries(FIELD_RULES).map(([name, rule]) => ({
  name,
  rule: rule as FieldRule,
}))

/** seq, at and kind come first in the schema, and are checked before the loop. */
const REQUIRED = 3

/** Every key of SyncEvent, in the schema's order. */
export const SYNC_EVENT_FIELDS: readonly string[] = [
  'seq',
  'at',
  'kind',
  ...OPTIONAL_FIELDS.map((field) => field.name),
]

const ACCEPT = 0
const REJECT = 1
/** Valid, but not in the schema's output shape: the event must be copied. */
const COPY = 2

/** A present (not undefined) value against its field's rule. */
function judge(rule: FieldRule, x: unknown): number {
  switch (rule.type) {
    case 'text':
      return (typeof x === 'string' && x.length <= rule.max) || (rule.nullable && x === null)
        ? ACCEPT
        : REJECT
    case 'number':
      return isNumber(x) ? ACCEPT : REJECT
    case 'duration':
      return isNumber(x) && x >= 0 ? ACCEPT : REJECT
    case 'seq':
      return isSeq(x) ? ACCEPT : REJECT
    case 'count':
      return isCount(x) ? ACCEPT : REJECT
    case 'boolean':
      return typeof x === 'boolean' ? ACCEPT : REJECT
    case 'operation':
      return OPERATIONS.has(x) ? ACCEPT : REJECT
    case 'outcome':
      return OUTCOMES.has(x) ? ACCEPT : REJECT
    case 'seqs':
      return isSeqArray(x) ? ACCEPT : REJECT
    case 'key':
      return isKey(x) ? ACCEPT : REJECT
    case 'keys':
      return isKeyList(x) ? ACCEPT : REJECT
    case 'channel':
      if (!isChannel(x)) return REJECT
      return isExactChannel(x) ? ACCEPT : COPY
    case 'any':
      return ACCEPT
  }
}

const KINDS: ReadonlySet<unknown> = new Set(SYNC_EVENT_KINDS)
const OPERATIONS: ReadonlySet<unknown> = new Set(CHANGE_OPERATIONS)
const OUTCOMES: ReadonlySet<unknown> = new Set(REFETCH_OUTCOMES)
const STATUSES: ReadonlySet<unknown> = new Set(CHANNEL_STATUSES)

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value)
const isSeq = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1
const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0

function isSeqArray(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > LIMITS.causes) return false
  for (let i = 0; i < value.length; i++) if (!isSeq(value[i])) return false
  return true
}

const isKey = (value: unknown): boolean => Array.isArray(value) && value.length <= LIMITS.keyParts

function isKeyList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > LIMITS.keys) return false
  for (let i = 0; i < value.length; i++) if (!isKey(value[i])) return false
  return true
}

function isChannel(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const { topic, status } = value as Record<string, unknown>
  return typeof topic === 'string' && topic.length <= LIMITS.shortText && STATUSES.has(status)
}

/** Already what the schema makes of a channel: a plain { topic, status }, nothing else. */
function isExactChannel(value: unknown): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false
  const keys = Object.keys(value as object)
  return keys.length === 2 && keys[0] === 'topic' && keys[1] === 'status'
}

function copyChannel(value: unknown): { topic: string; status: ChannelStatus } {
  const { topic, status } = value as { topic: string; status: ChannelStatus }
  return { topic, status }
}
