/**
 * What each rule of the field table (src/event-fields.ts) accepts, twice over: as a valibot
 * schema (the wire schema, the export and its JSON Schema) and as a fast test (the panel's
 * ingest, event-check.ts). One table, so the two cannot drift; test/panel/sync-event-check.test.ts
 * holds them to agreement on hostile values. Picklist rules also give the codec their values,
 * which travel as indexes.
 */
import * as v from 'valibot'
import type { FieldRule } from '../../src/event-fields'
import {
  MAX_CHANGED_PATHS,
  MAX_LISTED_ROWS,
  MAX_PATH_CHARS,
  MAX_PREVIEW_CHARS,
} from '../../src/data-diff'
import {
  CHANGE_OPERATIONS,
  CHANNEL_NOTES,
  CHANNEL_STATUSES,
  MALFORMED_INPUTS,
  MALFORMED_PROBLEMS,
  MATCH_RULES,
  PASS_TRIGGERS,
  REFETCH_OUTCOMES,
  RESYNC_FALLBACKS,
  UNCONFIRMED_CAUSES,
  VALUE_TYPES,
} from '../../src/types'

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
  /** rows one write refreshed */
  rows: 10_000,
} as const

/** The rules whose values are one of a list: the codec sends the index. */
export const PICKLISTS = {
  operation: CHANGE_OPERATIONS,
  outcome: REFETCH_OUTCOMES,
  match: MATCH_RULES,
  trigger: PASS_TRIGGERS,
  fallback: RESYNC_FALLBACKS,
  input: MALFORMED_INPUTS,
  problem: MALFORMED_PROBLEMS,
  valueType: VALUE_TYPES,
  note: CHANNEL_NOTES,
  cause: UNCONFIRMED_CAUSES,
} as const satisfies Partial<Record<FieldRule, readonly string[]>>

const shortText = v.pipe(v.string(), v.maxLength(LIMITS.shortText))
const longText = v.pipe(v.string(), v.maxLength(LIMITS.longText))
const count = v.pipe(v.number(), v.integer(), v.minValue(0))
const seq = v.pipe(v.number(), v.integer(), v.minValue(1))
const key = v.pipe(v.array(v.unknown()), v.maxLength(LIMITS.keyParts))
const preview = v.pipe(v.string(), v.maxLength(MAX_PREVIEW_CHARS))
const rowIds = v.pipe(v.array(preview), v.maxLength(MAX_LISTED_ROWS))
/** What a refetch changed (src/data-diff.ts), within the diff's own bounds. */
const changes = v.object({
  paths: v.pipe(
    v.array(
      v.object({
        path: v.pipe(v.string(), v.maxLength(MAX_PATH_CHARS)),
        before: v.optional(preview),
        after: v.optional(preview),
      }),
    ),
    v.maxLength(MAX_CHANGED_PATHS),
  ),
  morePaths: v.optional(count),
  added: v.optional(rowIds),
  removed: v.optional(rowIds),
  moreRows: v.optional(count),
  reordered: v.optional(v.boolean()),
  truncated: v.optional(v.boolean()),
})

/** Each rule as a valibot schema. */
export const RULE_SCHEMAS = {
  text: shortText,
  longText,
  nullableText: v.nullable(shortText),
  timestamp: v.pipe(v.string(), v.maxLength(100)),
  number: v.pipe(v.number(), v.finite()),
  duration: v.pipe(v.number(), v.finite(), v.minValue(0)),
  seq,
  count,
  boolean: v.boolean(),
  seqs: v.pipe(v.array(seq), v.maxLength(LIMITS.causes)),
  key,
  keys: v.pipe(v.array(key), v.maxLength(LIMITS.keys)),
  keyRefs: v.pipe(
    v.array(v.pipe(v.array(v.pipe(count, v.maxValue(LIMITS.keys))), v.maxLength(LIMITS.keys))),
    v.maxLength(LIMITS.causes),
  ),
  // strictTuple: a third item is refused, as the fast test refuses it (a tuple would drop it).
  rows: v.pipe(v.array(v.strictTuple([shortText, shortText])), v.maxLength(LIMITS.rows)),
  channel: v.object({ topic: shortText, status: v.picklist(CHANNEL_STATUSES) }),
  operation: v.picklist(CHANGE_OPERATIONS),
  outcome: v.picklist(REFETCH_OUTCOMES),
  match: v.picklist(MATCH_RULES),
  trigger: v.picklist(PASS_TRIGGERS),
  fallback: v.picklist(RESYNC_FALLBACKS),
  input: v.picklist(MALFORMED_INPUTS),
  problem: v.picklist(MALFORMED_PROBLEMS),
  valueType: v.picklist(VALUE_TYPES),
  note: v.picklist(CHANNEL_NOTES),
  cause: v.picklist(UNCONFIRMED_CAUSES),
  changes,
  any: v.unknown(),
} satisfies Record<FieldRule, v.GenericSchema>

/** A present (not undefined) value's verdict: valid, invalid, or valid but not in the schema's output shape. */
export const ACCEPT = 0
export const REJECT = 1
export const COPY = 2

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)
export const isSeq = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 1
const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0
const isText = (value: unknown, max: number): boolean =>
  typeof value === 'string' && value.length <= max

function every(value: unknown, max: number, test: (item: unknown) => boolean): boolean {
  if (!Array.isArray(value) || value.length > max) return false
  for (let i = 0; i < value.length; i++) if (!test(value[i])) return false
  return true
}

const isKey = (value: unknown): boolean => Array.isArray(value) && value.length <= LIMITS.keyParts
const isKeyRef = (value: unknown): boolean => isCount(value) && value <= LIMITS.keys

function isRow(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    isText(value[0], LIMITS.shortText) &&
    isText(value[1], LIMITS.shortText)
  )
}

const STATUSES: ReadonlySet<unknown> = new Set(CHANNEL_STATUSES)

function isChannel(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const { topic, status } = value as Record<string, unknown>
  return isText(topic, LIMITS.shortText) && STATUSES.has(status)
}

/** Already what the schema makes of a channel: a plain { topic, status }, nothing else. */
function isExactChannel(value: unknown): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false
  const keys = Object.keys(value as object)
  return keys.length === 2 && keys[0] === 'topic' && keys[1] === 'status'
}

const picklistTest = (values: readonly string[]) => {
  const set: ReadonlySet<unknown> = new Set(values)
  return (value: unknown) => (set.has(value) ? ACCEPT : REJECT)
}
const verdict = (test: (value: unknown) => boolean) => (value: unknown) =>
  test(value) ? ACCEPT : REJECT

/** Each rule as a fast test of a present value (the same checks and limits as its schema). */
export const RULE_TESTS: Record<FieldRule, (value: unknown) => number> = {
  text: verdict((x) => isText(x, LIMITS.shortText)),
  longText: verdict((x) => isText(x, LIMITS.longText)),
  nullableText: verdict((x) => x === null || isText(x, LIMITS.shortText)),
  timestamp: verdict((x) => isText(x, 100)),
  number: verdict(isNumber),
  duration: verdict((x) => isNumber(x) && x >= 0),
  seq: verdict(isSeq),
  count: verdict(isCount),
  boolean: verdict((x) => typeof x === 'boolean'),
  seqs: verdict((x) => every(x, LIMITS.causes, isSeq)),
  key: verdict(isKey),
  keys: verdict((x) => every(x, LIMITS.keys, isKey)),
  keyRefs: verdict((x) => every(x, LIMITS.causes, (refs) => every(refs, LIMITS.keys, isKeyRef))),
  rows: verdict((x) => every(x, LIMITS.rows, isRow)),
  channel: (x) => (!isChannel(x) ? REJECT : isExactChannel(x) ? ACCEPT : COPY),
  operation: picklistTest(CHANGE_OPERATIONS),
  outcome: picklistTest(REFETCH_OUTCOMES),
  match: picklistTest(MATCH_RULES),
  trigger: picklistTest(PASS_TRIGGERS),
  fallback: picklistTest(RESYNC_FALLBACKS),
  input: picklistTest(MALFORMED_INPUTS),
  problem: picklistTest(MALFORMED_PROBLEMS),
  valueType: picklistTest(VALUE_TYPES),
  note: picklistTest(CHANNEL_NOTES),
  cause: picklistTest(UNCONFIRMED_CAUSES),
  // Rare (a refetch whose data changed, with diffs on): the schema checks it and copies it
  // to its exact shape.
  changes: (x) => (v.is(changes, x) ? COPY : REJECT),
  any: () => ACCEPT,
}

/** The copy a rule's COPY verdict stands for: its value in the schema's output shape. */
export const RULE_COPIES: Partial<Record<FieldRule, (value: unknown) => unknown>> = {
  channel: (value) => copyChannel(value),
  changes: (value) => v.parse(changes, value),
}

/** A channel as the schema outputs it: only topic and status. */
export function copyChannel(value: unknown): unknown {
  const { topic, status } = value as { topic: unknown; status: unknown }
  return { topic, status }
}
