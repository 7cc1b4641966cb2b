import { notifyManager, type Query } from '@tanstack/query-core'

const noop = () => {}

export interface InvalidationResult {
  invalidated: number
  refetched: number
}

/**
 * Told of each refetch started: the query, its fetch (which the watcher must handle, rejection
 * included), and its data before the fetch.
 */
export type OnRefetch = (query: Query, fetching: Promise<unknown>, dataBefore: unknown) => void

/**
 * What `queryClient.invalidateQueries()` does, on queries already matched: mark each stale, then
 * refetch the active ones exactly once (a running fetch is cancelled and restarted, as TanStack
 * does by default, since it may have read the row before the change committed).
 * Skips invalidateQueries' full-cache scan, which dominates when called per change.
 */
export function invalidateQueries(
  queries: readonly Query[],
  onRefetch?: OnRefetch,
): InvalidationResult {
  let refetched = 0
  notifyManager.batch(() => {
    for (const query of queries) query.invalidate()
    for (const query of queries) {
      if (!query.isActive() || query.isDisabled() || query.isStatic()) continue
      refetched++
      const dataBefore = query.state.data
      const fetching = query.fetch(undefined, { cancelRefetch: true })
      // A watcher handles the rejection itself; without one, it must not go unhandled.
      if (onRefetch === undefined) fetching.catch(noop)
      else onRefetch(query, fetching, dataBefore)
    }
  })
  return { invalidated: queries.length, refetched }
}
