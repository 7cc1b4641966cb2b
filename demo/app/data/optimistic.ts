import type { QueryClient, QueryKey } from '@tanstack/react-query'

/** The cached data of every query under a key prefix, to put back if a mutation fails. */
export type CacheSnapshot = Array<[QueryKey, unknown]>

/**
 * Cancels refetches in flight under `queryKey` (they would overwrite the optimistic data with
 * the old rows) and remembers what is cached there.
 */
export async function snapshotQueries(
  queryClient: QueryClient,
  queryKey: QueryKey,
): Promise<CacheSnapshot> {
  await queryClient.cancelQueries({ queryKey })
  return queryClient.getQueriesData({ queryKey })
}

export function restoreQueries(queryClient: QueryClient, snapshot: CacheSnapshot | undefined) {
  for (const [queryKey, data] of snapshot ?? []) queryClient.setQueryData(queryKey, data)
}
