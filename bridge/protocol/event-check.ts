import {
  CHANGE_OPERATIONS,
  CHANNEL_STATUSES,
  type ChannelStatus,
  SYNC_EVENT_KINDS,
  type SyncEvent,
} from '../../src/types'
import { LIMITS } from './records'

/**
 * SyncEventSchema (records.ts) as a table of field checks, for the panel's ingest: every event
 * streamed goes through it, and `v.safeParse` cost as much as the JSON.parse of the batch. The
 * same checks and limits, and the same output (known keys only, in the schema's order; a key
 * present with `undefined` kept, as valibot keeps it). Returns undefined when the schema would
 * reject the value: ask the schema for the reason. The schema stays the source of truth (import,
 * export, JSON Schema); test/panel/sync-event-check.test.ts holds the two to agreement.
 *
 * What the engine sends is already that output: a plain object with known keys, in the schema's
 * order. Such an event is checked and returned as it is, with no copy; anything else (an unknown
 * key, another order, a channel with more than topic and status) is copied field by field.
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
    while (next < FIELD_ORDER.length && FIELD_ORDER[next] !== key) next++
    if (next === FIELD_ORDER.length) return checkAndCopy(input)
    const index = next++
    if (index < REQUIRED) continue
    const field = OPTIONAL_FIELDS[index - REQUIRED]!
    const x = input[key]
    if (x === undefined) continue
    if (!field.check(x)) return undefined
    if (field.isExact !== undefined && !field.isExact(x)) return checkAndCopy(input)
  }
  return input as unknown as SyncEvent
}

/** The slow path, for what is not already in the schema's shape: check, then copy known fields. */
function checkAndCopy(input: Record<string, unknown>): SyncEvent | undefined {
  const out = { seq: input.seq, at: input.at, kind: input.kind } as Record<string, unknown>
  for (let i = 0; i < OPTIONAL_FIELDS.length; i++) {
    const field = OPTIONAL_FIELDS[i]!
    const x = input[field.name]
    if (x !== undefined) {
      if (!field.check(x)) return undefined
      out[field.name] = field.copy === undefined ? x : field.copy(x)
    } else if (field.name in input) {
      out[field.name] = undefined
    }
  }
  return out as unknown as SyncEvent
}

type OptionalField = Exclude<keyof SyncEvent, 'seq' | 'at' | 'kind'>

interface FieldCheck {
  check(value: unknown): boolean
  /** A fresh object with the known keys only, where the schema builds one. */
  copy?(value: unknown): unknown
  /** With `copy`: the value already is what `copy` would make. */
  isExact?(value: unknown): boolean
}

const KINDS: ReadonlySet<unknown> = new Set(SYNC_EVENT_KINDS)
const OPERATIONS: ReadonlySet<unknown> = new Set(CHANGE_OPERATIONS)
const STATUSES: ReadonlySet<unknown> = new Set(CHANNEL_STATUSES)

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value)
const isSeq = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1
const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0
const isText = (max: number) => (value: unknown) => typeof value === 'string' && value.length <= max
const shortText = isText(LIMITS.shortText)

function isSeqArray(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > LIMITS.causes) return false
  for (let i = 0; i < value.length; i++) if (!isSeq(value[i])) return false
  return true
}

function isKeyList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length > LIMITS.keys) return false
  for (let i = 0; i < value.length; i++) {
    const key: unknown = value[i]
    if (!Array.isArray(key) || key.length > LIMITS.keyParts) return false
  }
  return true
}

function isChannel(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const { topic, status } = value as Record<string, unknown>
  return shortText(topic) && STATUSES.has(status)
}

/** Every optional field of SyncEvent, in the schema's order (the compiler checks none is missing). */
const FIELD_CHECKS = {
  orgId: { check: shortText },
  table: { check: shortText },
  op: { check: (value) => OPERATIONS.has(value) },
  recordId: { check: shortText },
  eventId: { check: shortText },
  actorId: { check: (value) => value === null || shortText(value) },
  commitTimestamp: { check: isText(100) },
  latencyMs: { check: isNumber },
  reason: { check: isText(LIMITS.longText) },
  relatedSeq: { check: isSeq },
  batchId: { check: isCount },
  causes: { check: isSeqArray },
  matchedKeys: { check: isKeyList },
  channel: {
    check: isChannel,
    copy: (value) => {
      const { topic, status } = value as { topic: string; status: ChannelStatus }
      return { topic, status }
    },
    isExact: (value) => {
      const keys = Object.keys(value as object)
      return (
        Object.getPrototypeOf(value) === Object.prototype &&
        keys.length === 2 &&
        keys[0] === 'topic' &&
        keys[1] === 'status'
      )
    },
  },
  payload: { check: () => true },
} satisfies Record<OptionalField, FieldCheck>

const OPTIONAL_FIELDS = Object.entries(FIELD_CHECKS).map(([name, field]) => ({
  name,
  ...(field as FieldCheck),
}))

/** seq, at and kind come first in the schema, and are checked before the loop. */
const REQUIRED = 3

/** Every key of SyncEvent, in the schema's order. */
const FIELD_ORDER = ['seq', 'at', 'kind', ...OPTIONAL_FIELDS.map((field) => field.name)]
