/**
 * Validation of what the page sends inside `events` and `engine-state` messages (JSON strings
 * the relays never look into; events in the batch form of event-codec.ts), done once, by the
 * panel. Never throws: an unusable batch or event
 * is counted as rejected, with a reason for the status line, and never rendered.
 */
import * as v from 'valibot'
import { errorMessage } from '../../src/error-message'
import type { SyncEvent } from '../../src/types'
import { decodeEventBatch } from './event-codec'
import { checkSyncEvent } from './event-check'
import type { SocketRecord } from '../socket/socket-records'
import { describeIssues } from './issues'
import { MAX_SOCKET_RECORDS_PER_BATCH } from './messages'
import {
  EngineStateSchema,
  type QueryList,
  QueryListSchema,
  SocketRecordSchema,
  SyncEventSchema,
  type ValidEngineState,
} from './records'

export interface ParsedEvents {
  events: SyncEvent[]
  /** Events (or whole batches, when the JSON is unusable) that failed validation. */
  rejected: number
  /** Why the first rejected one failed. */
  error?: string
}

export function parseEventBatch(data: string): ParsedEvents {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch (error) {
    return { events: [], rejected: 1, error: `a batch is not JSON (${errorMessage(error)})` }
  }
  const decoded = decodeEventBatch(json)
  if (!decoded.ok) return { events: [], rejected: 1, error: decoded.error }
  const events: SyncEvent[] = []
  let rejected = 0
  let error: string | undefined
  for (let i = 0; i < decoded.events.length; i++) {
    const candidate = decoded.events[i]
    if (candidate === undefined) {
      rejected++
      error ??= `event at index ${i}: not a well-formed row of the batch`
      continue
    }
    const event = checkSyncEvent(candidate)
    if (event !== undefined) {
      events.push(event)
      continue
    }
    // Rejected by the fast check: the schema (which agrees) says why.
    const result = v.safeParse(SyncEventSchema, candidate)
    if (result.success) {
      events.push(result.output)
      continue
    }
    rejected++
    error ??= `event ${describeSeq(candidate, i)}: ${describeIssues(result.issues)}`
  }
  // Out-of-order seqs inside one batch would break continuity: keep the batch in seq order.
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.seq < events[i - 1]!.seq) {
      events.sort((a, b) => a.seq - b.seq)
      break
    }
  }
  return { events, rejected, error }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string }

/** One JSON `data` string against its schema; `what` names it in the error. Never throws. */
function parseData<T>(data: string, schema: v.GenericSchema<unknown, T>, what: string): Parsed<T> {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch (error) {
    return { ok: false, error: `${what} is not JSON (${errorMessage(error)})` }
  }
  const result = v.safeParse(schema, json)
  return result.success
    ? { ok: true, value: result.output }
    : { ok: false, error: `${what}: ${describeIssues(result.issues)}` }
}

export function parseEngineState(data: string): Parsed<ValidEngineState> {
  return parseData(data, EngineStateSchema, 'engine state')
}

export function parseQueryList(data: string): Parsed<QueryList> {
  return parseData(data, QueryListSchema, 'the query list')
}

function describeSeq(value: unknown, index: number): string {
  const seq = (value as { seq?: unknown } | null)?.seq
  return typeof seq === 'number' && Number.isFinite(seq) ? `#${seq}` : `at index ${index}`
}

export interface ParsedSocketRecords {
  records: SocketRecord[]
  /** Records (or the whole batch) that failed validation. */
  rejected: number
  error?: string
}

/** A `socket` message's records, each checked on its own: one bad record costs only itself. */
export function parseSocketBatch(data: string): ParsedSocketRecords {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch (error) {
    return {
      records: [],
      rejected: 1,
      error: `a socket batch is not JSON (${errorMessage(error)})`,
    }
  }
  if (!Array.isArray(json) || json.length > MAX_SOCKET_RECORDS_PER_BATCH) {
    return {
      records: [],
      rejected: 1,
      error: 'a socket batch is not a list of at most 500 records',
    }
  }
  const records: SocketRecord[] = []
  let rejected = 0
  let error: string | undefined
  for (const candidate of json) {
    const result = v.safeParse(SocketRecordSchema, candidate)
    if (result.success) records.push(result.output as SocketRecord)
    else {
      rejected++
      error ??= `socket record: ${describeIssues(result.issues)}`
    }
  }
  return { records, rejected, ...(error === undefined ? {} : { error }) }
}
