import { hashKey, QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'

/**
 * A real TanStack QueryClient with cached queries, some observed (active, refetched on
 * invalidation), counting each queryFn call so tests see what a user's screen would refetch.
 */
export function createQueryWorld() {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY, retry: false } },
  })
  const fetchCounts = new Map<string, number>()
  const unsubscribers: (() => void)[] = []

  return {
    queryClient,
    /** A query on screen: observed, so invalidation refetches it. */
    active(queryKey: QueryKey) {
      queryClient.setQueryData(queryKey, 'initial')
      const observer = new QueryObserver(queryClient, {
        queryKey,
        staleTime: Number.POSITIVE_INFINITY,
        queryFn: () => {
          fetchCounts.set(hashKey(queryKey), (fetchCounts.get(hashKey(queryKey)) ?? 0) + 1)
          return Promise.resolve('fresh')
        },
      })
      unsubscribers.push(observer.subscribe(() => {}))
    },
    /** A query in the cache but not on screen: invalidation only marks it stale. */
    cached(queryKey: QueryKey) {
      queryClient.setQueryData(queryKey, 'initial')
    },
    fetches(queryKey: QueryKey): number {
      return fetchCounts.get(hashKey(queryKey)) ?? 0
    },
    totalFetches(): number {
      let total = 0
      for (const n of fetchCounts.values()) total += n
      return total
    },
    isStale(queryKey: QueryKey): boolean {
      return queryClient.getQueryState(queryKey)?.isInvalidated === true
    },
    dispose() {
      for (const unsubscribe of unsubscribers) unsubscribe()
      queryClient.clear()
    },
  }
}
