/**
 * "Why didn't my screen update?" for one query: every event of its table the panel holds, in
 * order, each with what it meant for this query, as a sentence. Pure: derived from the log.
 */
import { classifyQueryKey, type KeyTarget } from '../../../src/query-keys'
import type { SyncEvent } from '../../../src/types'
import type { EngineLog } from './engine-log'
import { formatKey, formatMs, plural } from './format'
import { refreshedWrites } from './trail'
import type { EventRow, LogRow } from './rows'

export type HistoryTone = 'pass' | 'drop' | 'warn' | 'info'

export interface HistoryItem {
  /** The event (absent for a marker). */
  seq?: number
  at: number
  tone: HistoryTone
  text: string
}

/** The newest this many items: a long session's history stays readable and cheap. */
export const MAX_HISTORY = 300

/**
 * What happened to `queryKey`, oldest first, from the rows of `log`; `recordScopes`: the
 * engine's (which keys are record keys).
 */
export function queryHistory(
  log: EngineLog,
  queryKey: readonly unknown[],
  recordScopes?: readonly string[],
): HistoryItem[] {
  const target = classifyQueryKey(queryKey, recordScopes)
  if (target === undefined) return []
  const key = formatKey(queryKey)
  const out: HistoryItem[] = []
  const rows = log.rows
  for (let i = rows.length - 1; i >= 0 && out.length < MAX_HISTORY; i--) {
    const item = meaning(rows.at(i)!, target, key, log)
    if (item !== undefined) out.push(item)
  }
  return out.reverse()
}

function meaning(
  row: LogRow,
  { table, recordId }: KeyTarget,
  key: string,
  log: EngineLog,
): HistoryItem | undefined {
  if (row.type === 'marker') {
    if (row.marker !== 'gap' && row.marker !== 'ring') return undefined
    return {
      at: row.at,
      tone: 'warn',
      text: `Lost in a gap: ${row.text}. A change of this query may be among them; the next resync or change refetches it.`,
    }
  }
  const { event } = row
  if (event.kind === 'resync') {
    const keys = event.matchedKeys ?? row.servedBy?.event.matchedKeys
    // A replay with no keys yet touched nothing known; a full refetch touches every query.
    const hit =
      keys === undefined ? event.replayed !== true : keys.some((k) => formatKey(k) === key)
    return hit
      ? {
          seq: event.seq,
          at: event.at,
          tone: 'info',
          text:
            event.replayed === true
              ? `Replay of ${event.orgId ?? 'the organization'} after a gap in realtime: a missed change touched this query.${refetchOutcome(row.servedBy?.event ?? event, key, row, log)}`
              : `Resync of ${event.orgId ?? 'the organization'} (a gap in realtime): refetched with every organization query.${refetchOutcome(row.servedBy?.event ?? event, key, row, log)}`,
        }
      : undefined
  }
  if (event.kind === 'invalidated') {
    // A manual pass (invalidateGlobal, or the refresh after this tab's write) lists its keys; a
    // refresh of two tables' rows names no one table.
    if (event.causes?.length !== 0 || !event.matchedKeys?.some((k) => formatKey(k) === key)) {
      return undefined
    }
    const wrote = refreshedWrites(event)
    return {
      seq: event.seq,
      at: event.at,
      tone: 'pass',
      text: `${wrote === undefined ? `Invalidated manually (invalidateGlobal('${table}')).` : `Refetched after this tab's write of ${wrote} (its mutation settled).`}${refetchOutcome(event, key, row, log)}`,
    }
  }
  if (event.table !== table) return undefined
  // The engine's rule (keysForCause): a record key only for its row, any other key always.
  const matches = recordId === undefined || recordId === event.recordId
  const change = describeChange(event)
  switch (event.kind) {
    case 'received': {
      if (!matches) {
        return {
          seq: event.seq,
          at: event.at,
          tone: 'info',
          text: `${change}: did not match (another record).`,
        }
      }
      const pass = row.servedBy?.event
      if (pass === undefined && event.batchId === undefined) {
        return {
          seq: event.seq,
          at: event.at,
          tone: 'info',
          text: `${change}: still waiting in a batch (batchMs).`,
        }
      }
      const batch = pass?.batchId ?? event.batchId
      return {
        seq: event.seq,
        at: event.at,
        tone: 'pass',
        text: `${change}: invalidated it in batch #${batch}.${pass === undefined ? '' : refetchOutcome(pass, key, row, log)}`,
      }
    }
    case 'deduped':
      return matches
        ? {
            seq: event.seq,
            at: event.at,
            tone: 'drop',
            text: `${change}: dropped as a duplicate of #${event.relatedSeq ?? '?'} (that one already went through).`,
          }
        : undefined
    case 'echo':
      return matches
        ? {
            seq: event.seq,
            at: event.at,
            tone: 'drop',
            text: `${change}: dropped as an echo of this tab's write #${event.relatedSeq ?? '?'} (the mutation refreshes this tab itself).`,
          }
        : undefined
    default:
      return undefined
  }
}

function describeChange(event: SyncEvent): string {
  const who =
    event.actorId === undefined
      ? ''
      : event.actorId === null
        ? ' by no user'
        : ` by ${event.actorId}`
  return `${event.op ?? 'Change'} ${event.table ?? '?'}/${event.recordId ?? '?'}${who}`
}

/** " Refetched in 38 ms: data changed." for this query in `pass`, when its refetch is held. */
function refetchOutcome(pass: SyncEvent, key: string, row: EventRow, log: EngineLog): string {
  if (pass.batchId === undefined) return ''
  const refetch = log
    .refetchesOf(row.session, pass.batchId)
    .find((r) => formatKey(r.event.queryKey ?? []) === key)?.event
  if (refetch === undefined) return ''
  const took = formatMs(refetch.durationMs ?? Number.NaN)
  switch (refetch.outcome) {
    case 'success':
      return refetch.dataChanged === false
        ? ` Refetched in ${took}: identical data, nothing on screen changed.`
        : ` Refetched in ${took}: data changed (${plural(refetch.observers ?? 0, 'observer')}).`
    case 'error':
      return ` The refetch failed after ${took}: ${refetch.error ?? 'unknown error'}; the screen kept the old data.`
    case 'cancelled':
      return ` Its refetch was replaced by a later one (${took}).`
    default:
      return ''
  }
}
