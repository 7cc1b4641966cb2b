/**
 * "Why didn't my screen update?" for one query: every event of its table the panel holds, in
 * order, each with what it meant for this query, as a sentence. Pure: derived from the log.
 */
import { describeChanges } from '../../../src/describe-event'
import { classifyQueryKey, type KeyTarget } from '../../../src/query-keys'
import type { ChangeEvent, InvalidatedEvent } from '../../../src/types'
import { CHANGE_KIND_CODES } from './change-columns'
import type { EngineLog } from './engine-log'
import { isChange } from './event-facts'
import { formatKey, formatMs, plural } from './format'
import { matchedKeysOf, refreshedWrites } from './trail'
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
  const store = log.rows
  // A change of another table says nothing of this key: skipped from its columns, unread.
  const tableId = store.interner.find(target.table)
  for (let abs = store.end - 1; abs >= store.head && out.length < MAX_HISTORY; abs--) {
    if (CHANGE_KIND_CODES.has(store.kindOf(abs)) && store.tableIdOf(abs) !== tableId) continue
    const item = meaning(store.rowAt(abs)!, target, key, log)
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
    const keys = matchedKeysOf(row)
    // A replay with no keys yet touched nothing known; a full refetch touches every query.
    const hit =
      keys === undefined ? event.replayed !== true : keys.some((k) => formatKey(k) === key)
    const outcome = refetchOutcome(passOf(row), key, row, log)
    return hit
      ? {
          seq: event.seq,
          at: event.at,
          tone: 'info',
          text:
            event.replayed === true
              ? `Replay of ${event.orgId} after a gap in realtime: a missed change touched this query.${outcome}`
              : `Resync of ${event.orgId} (a gap in realtime): refetched with every organization query.${outcome}`,
        }
      : undefined
  }
  if (event.kind === 'invalidated') {
    // A manual pass (invalidateGlobal, or the refresh after this tab's write) lists its keys; a
    // refresh of two tables' rows names no one table.
    if (event.trigger === 'batch' || !event.matchedKeys.some((k) => formatKey(k) === key)) {
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
  if (!isChange(event) || event.table !== table) return undefined
  // The engine's rule (src/pass-matching.ts): a record key only for its row, any other key always.
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
      const pass = passOf(row)
      if (pass === undefined) {
        return {
          seq: event.seq,
          at: event.at,
          tone: 'info',
          text: `${change}: still waiting in a batch (batchMs).`,
        }
      }
      return {
        seq: event.seq,
        at: event.at,
        tone: 'pass',
        text: `${change}: invalidated it in batch #${pass.batchId}.${refetchOutcome(pass, key, row, log)}`,
      }
    }
    case 'deduped':
      return matches
        ? {
            seq: event.seq,
            at: event.at,
            tone: 'drop',
            text: `${change}: dropped as a duplicate of #${event.relatedSeq} (that one already went through).`,
          }
        : undefined
    case 'echo':
      return matches
        ? {
            seq: event.seq,
            at: event.at,
            tone: 'drop',
            text: `${change}: dropped as an echo of this tab's write #${event.relatedSeq} (the mutation refreshes this tab itself).`,
          }
        : undefined
    default:
      return undefined
  }
}

function describeChange(event: ChangeEvent): string {
  const who =
    event.actorId === undefined
      ? ''
      : event.actorId === null
        ? ' by no user'
        : ` by ${event.actorId}`
  return `${event.op} ${event.table}/${event.recordId}${who}`
}

/** The invalidation pass that served a row, when the panel holds it. */
function passOf(row: EventRow): InvalidatedEvent | undefined {
  const pass = row.servedBy?.event
  return pass?.kind === 'invalidated' ? pass : undefined
}

/** " Refetched in 38 ms: data changed." for this query in `pass`, when its refetch is held. */
function refetchOutcome(
  pass: InvalidatedEvent | undefined,
  key: string,
  row: EventRow,
  log: EngineLog,
): string {
  if (pass === undefined) return ''
  for (const held of log.refetchesOf(row.session, pass.batchId)) {
    const refetch = held.event
    if (refetch.kind !== 'refetched' || formatKey(refetch.queryKey) !== key) continue
    const took = formatMs(refetch.durationMs)
    switch (refetch.outcome) {
      case 'success':
        return refetch.dataChanged === false
          ? ` Refetched in ${took}: identical data, nothing on screen changed.`
          : ` Refetched in ${took}: data changed${refetch.changes === undefined ? '' : `: ${describeChanges(refetch.changes)}`} (${plural(refetch.observers, 'observer')}).`
      case 'error':
        return ` The refetch failed after ${took}: ${refetch.error ?? 'unknown error'}; the screen kept the old data.`
      case 'cancelled':
        return ` Its refetch was replaced by a later one (${took}).`
    }
  }
  return ''
}
