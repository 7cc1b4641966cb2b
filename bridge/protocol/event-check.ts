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
 * present with `undefined` kept, as valibot keeps it; `causes` and `matchedKeys` are the input's
 * arrays, not copies). Returns undefined when the schema would reject the value: ask the schema
 * for the reason. The schema stays the source of truth (import, export, JSON Schema);
 * test/panel/sync-event-check.test.ts holds the two to agreement: change one, change the other.
 */
export function checkSyncEvent(value: unknown): SyncEvent | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const input = value as Record<string, unknown>
  const { seq, at, kind } = input
  if (!isSeq(seq) || !isNumber(at) || !KINDS.has(kind)) return undefined
  const out = { seq, at, kind } as Record<string, unknown>
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
  },
  payload: { check: () => true },
} satisfies Record<OptionalField, FieldCheck>

const OPTIONAL_FIELDS = Object.entries(FIELD_CHECKS).map(([name, field]) => ({
  name,
  ...(field as FieldCheck),
}))
