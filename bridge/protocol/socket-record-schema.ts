/**
 * One record of the page's Realtime sockets (bridge/socket/socket-records.ts) as a bounded
 * valibot schema, one variant per kind: what the panel accepts from the page, and the export
 * file's `socket.records` (extension/shared/export-format.ts). Re-exported by records.ts.
 */
import * as v from 'valibot'
import type { SocketRecord } from '../socket/socket-records'
import { MAX_WRITE_IDS } from '../writes/write-records'

import { RULE_SCHEMAS } from './field-rules'

// The bounded pieces every record schema shares (field-rules.ts, with LIMITS).
const { text: shortText, longText, count, seq, changes } = RULE_SCHEMAS

export const TokenFactsSchema = v.object({
  role: v.optional(v.pipe(v.string(), v.maxLength(64))),
  exp: v.optional(v.number()),
  iat: v.optional(v.number()),
})

/** The fields of every kind. */
const base = {
  seq,
  at: v.number(),
  socket: v.pipe(v.number(), v.integer(), v.minValue(0)),
  tokens: v.optional(v.pipe(v.array(TokenFactsSchema), v.maxLength(8))),
}

const QueryEventSchema = v.object({
  client: v.pipe(v.number(), v.integer(), v.minValue(1)),
  event: v.picklist(['invalidated', 'fetching', 'fetched', 'failed', 'set', 'added', 'removed']),
  hash: longText,
  key: v.unknown(),
  durationMs: v.optional(v.pipe(v.number(), v.minValue(0))),
  dataChanged: v.optional(v.boolean()),
  changes: v.optional(changes),
  error: v.optional(longText),
})

const WriteFactsSchema = v.object({
  method: v.picklist(['POST', 'PATCH', 'PUT', 'DELETE']),
  table: v.optional(shortText),
  fn: v.optional(shortText),
  ids: v.pipe(v.array(shortText), v.maxLength(MAX_WRITE_IDS)),
  moreIds: v.optional(v.boolean()),
  status: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999)),
  durationMs: v.pipe(v.number(), v.minValue(0)),
  rows: v.optional(count),
  error: v.optional(v.object({ code: v.optional(shortText), message: longText })),
})

export const SocketRecordSchema = v.variant('kind', [
  v.object({
    ...base,
    kind: v.literal('open'),
    url: v.pipe(v.string(), v.maxLength(4_096)),
    vsn: v.picklist(['1.0.0', '2.0.0']),
    refused: v.optional(v.boolean()),
  }),
  v.object({
    ...base,
    kind: v.literal('frame'),
    direction: v.picklist(['in', 'out']),
    size: count,
    topic: v.optional(shortText),
    event: v.optional(shortText),
    ref: v.optional(v.nullable(shortText)),
    joinRef: v.optional(v.nullable(shortText)),
    binary: v.optional(v.picklist(['user-broadcast-push', 'user-broadcast'])),
    payload: v.optional(v.unknown()),
    malformed: v.optional(longText),
    fault: v.optional(v.picklist(['withheld', 'delayed', 'delivered-again'])),
    delayMs: v.optional(RULE_SCHEMAS.duration),
  }),
  v.object({
    ...base,
    kind: v.literal('close'),
    code: v.pipe(v.number(), v.integer()),
    reason: longText,
    clean: v.boolean(),
  }),
  v.object({
    ...base,
    kind: v.literal('error'),
    malformed: v.optional(longText),
  }),
  v.object({
    ...base,
    kind: v.literal('query'),
    query: v.optional(QueryEventSchema),
    malformed: v.optional(longText),
  }),
  v.object({
    ...base,
    kind: v.literal('write'),
    write: v.optional(WriteFactsSchema),
    malformed: v.optional(longText),
  }),
])

// The schema's output is the record's type (compile-time check, no runtime cost).
type Assignable<A extends B, B> = A
export type _Checks = [Assignable<v.InferOutput<typeof SocketRecordSchema>, SocketRecord>]
