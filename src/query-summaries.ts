import type { Query, QueryCache } from '@tanstack/query-core'
import { classifyQueryKey } from './query-keys'
import type { RefetchOutcome } from './types'

/**
 * How realtime reaches a query, by the engine's matching rule (query-keys.ts):
 *   'table'   every change of its table (lists, `.all`, any other key of the table);
 *   'record'  changes of its row only (a key [table, scope, id] with scope in recordScopes);
 *   'global'  never by realtime: a global table, refreshed only by invalidateGlobal();
 *   'none'    never: its key does not start with a realtime table (the commonest reason a screen
 *             never updates with this pattern).
 */
export const QUERY_REACHES = ['table', 'record', 'global', 'none'] as const
export type QueryReach = (typeof QUERY_REACHES)[number]

/** What the engine remembers of a query's realtime refetches. */
export interface QueryRealtimeStats {
  /** Refetches realtime caused that settled (cancelled ones not counted). */
  refetches: number
  lastRefetch?: { at: number; durationMs: number; outcome: RefetchOutcome; dataChanged?: boolean }
}

/** One query of the engine's QueryClient, as the Queries tab lists it. */
export interface QuerySummary {
  queryHash: string
  queryKey: unknown[]
  /** The table it maps to (its key's first element, when a string). */
  table?: string
  recordId?: string
  reach: QueryReach
  /** table / record reach: whether a realtime change of its table has been seen yet. */
  tableSeen?: boolean
  observers: number
  /** Has an enabled observer: an invalidation refetches it at once. */
  active: boolean
  status: 'pending' | 'success' | 'error'
  fetchStatus: 'fetching' | 'paused' | 'idle'
  dataUpdatedAt: number
  invalidatedBySeq?: number
  invalidatedAt?: number
  refetches: number
  lastRefetch?: QueryRealtimeStats['lastRefetch']
}

/** The pass that last invalidated a query: its 'invalidated' event. */
export interface LastPass {
  seq: number
  at: number
}

export interface QuerySummaryContext {
  globalTables: ReadonlySet<string>
  /** The app's realtime tables, when it said them (the `tables` option). */
  tables?: ReadonlySet<string>
  /** The second key elements that mark a record key (the `recordScopes` option). */
  recordScopes?: readonly string[]
  /** Tables a realtime change has been seen of. */
  seenTables: ReadonlySet<string>
  stats: WeakMap<Query, QueryRealtimeStats>
  lastPass: ReadonlyMap<Query, LastPass>
}

/** How realtime reaches `queryKey`. */
export function queryReach(
  queryKey: readonly unknown[],
  context: Pick<QuerySummaryContext, 'globalTables' | 'tables' | 'recordScopes'>,
): { reach: QueryReach; table?: string; recordId?: string } {
  const target = classifyQueryKey(queryKey, context.recordScopes)
  if (target === undefined) return { reach: 'none' }
  const { table, recordId } = target
  if (context.globalTables.has(table)) return { reach: 'global', table }
  if (context.tables !== undefined && !context.tables.has(table)) return { reach: 'none', table }
  return { reach: recordId === undefined ? 'table' : 'record', table, recordId }
}

/** Every query of the cache, summarized: computed when asked (the panel's Queries tab). */
export function summarizeQueries(cache: QueryCache, context: QuerySummaryContext): QuerySummary[] {
  return cache.getAll().map((query) => {
    const { reach, table, recordId } = queryReach(query.queryKey, context)
    const stats = context.stats.get(query)
    const pass = context.lastPass.get(query)
    return {
      queryHash: query.queryHash,
      queryKey: query.queryKey as unknown[],
      table,
      recordId,
      reach,
      tableSeen:
        reach === 'table' || reach === 'record' ? context.seenTables.has(table!) : undefined,
      observers: query.getObserversCount(),
      active: query.isActive(),
      status: query.state.status,
      fetchStatus: query.state.fetchStatus,
      dataUpdatedAt: query.state.dataUpdatedAt,
      invalidatedBySeq: pass?.seq,
      invalidatedAt: pass?.at,
      refetches: stats?.refetches ?? 0,
      lastRefetch: stats?.lastRefetch,
    }
  })
}
