import type { ChangeOperation, MalformedProblem, ValueType } from './types'
import { valueTypeOf } from './value-type'
import { isObject } from './is-object'

/**
 * One row of `realtime_table_events`, as delivered by supabase-js's postgres_changes callback
 * ({ schema, table, commit_timestamp, eventType, new, old, errors }), checked and normalized.
 */
export interface TableChange {
  orgId: string
  table: string
  op: ChangeOperation
  recordId: string
  /** realtime_table_events.id; absent on older schemas without it. */
  eventId: number | string | undefined
  /** undefined: the column is absent (old schema: the echo rule goes by the row alone); null: no signed-in actor. */
  actorId: string | null | undefined
  commitTimestamp: string | undefined
  /** The row as received, kept by reference for the log. */
  row: Record<string, unknown>
}

/** What was wrong with a payload: the part, the type found there, the problem. */
export interface PayloadDefect {
  problem: MalformedProblem
  field: string
  found: ValueType
}

export type ParseResult = { ok: true; change: TableChange } | ({ ok: false } & PayloadDefect)

const OPERATIONS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE'])
const MAX_TABLE_NAME = 128
const MAX_ID = 1_024

/**
 * A Broadcast from Database message (`{event, type, payload, meta}`, the trigger's
 * realtime.send of the event row) in the shape of the postgres_changes callback the pipeline
 * reads. Broadcast carries no commit timestamp: the row's created_at (its transaction's start)
 * stands in, so latency includes the writing transaction's own duration.
 */
export function broadcastAsChange(message: Record<string, unknown>): unknown {
  const row = message.payload
  const createdAt = isObject(row) ? row.created_at : undefined
  return { new: row, commit_timestamp: typeof createdAt === 'string' ? createdAt : undefined }
}

/** Never throws: every way a payload can be wrong becomes facts a developer can act on. */
export function parseTableChange(payload: unknown, channelOrgId: string): ParseResult {
  if (!isObject(payload)) return wrongType('payload', payload)
  const row = payload.new
  if (!isObject(row)) return wrongType('new', row)

  const table = row.table_name
  if (typeof table !== 'string' || table.length === 0 || table.length > MAX_TABLE_NAME) {
    return wrongType('table_name', table)
  }
  const op = row.event_type
  if (typeof op !== 'string' || !OPERATIONS.has(op)) {
    return wrongType('event_type', op)
  }
  const orgId = row.organization_id
  if (typeof orgId !== 'string' || orgId.length === 0) {
    return wrongType('organization_id', orgId)
  }
  if (orgId !== channelOrgId) {
    return { ok: false, problem: 'wrong-organization', field: 'organization_id', found: 'string' }
  }
  // '' is what the trigger records for a table without id or primary key: lists still match.
  const recordId = row.record_id === '' ? '' : toId(row.record_id)
  if (recordId === undefined) return wrongType('record_id', row.record_id)

  const rawEventId = row.id
  let eventId: number | string | undefined
  if (rawEventId !== undefined && rawEventId !== null) {
    if (toId(rawEventId) === undefined) return wrongType('id', rawEventId)
    eventId = rawEventId as number | string
  }

  let actorId: string | null | undefined
  if ('actor_id' in row) {
    const actor = row.actor_id
    if (actor !== null && (typeof actor !== 'string' || actor.length > MAX_ID)) {
      return wrongType('actor_id', actor)
    }
    actorId = actor
  }

  const commit = payload.commit_timestamp
  const commitTimestamp = typeof commit === 'string' && commit.length <= 64 ? commit : undefined

  return {
    ok: true,
    change: {
      orgId,
      table,
      op: op as ChangeOperation,
      recordId,
      eventId,
      actorId,
      commitTimestamp,
      row,
    },
  }
}

function toId(value: unknown): string | undefined {
  if (typeof value === 'string')
    return value.length > 0 && value.length <= MAX_ID ? value : undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function wrongType(field: string, value: unknown): ParseResult {
  return { ok: false, problem: 'invalid-value', field, found: valueTypeOf(value) }
}
