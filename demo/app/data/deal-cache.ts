import type { QueryClient } from '@tanstack/react-query'
import type { Deal } from './database'
import { isDealListFilters, QueryKeys } from './query-keys'

/**
 * Optimistically places a just-written deal in every cached deal list: at the top of the lists
 * whose filters it matches (they are ordered by updated_at, newest first), out of the others
 * (a deal moved to "won" leaves the "proposal" list). The refetch on settle confirms it.
 */
export function putDealInLists(queryClient: QueryClient, deal: Deal): void {
  const lists = queryClient.getQueriesData<Deal[]>({ queryKey: QueryKeys.deals.list() })
  for (const [queryKey, rows] of lists) {
    const filters = queryKey[2]
    if (rows === undefined || !isDealListFilters(filters)) continue
    const others = rows.filter((row) => row.id !== deal.id)
    const belongs =
      filters.organizationId === deal.organization_id &&
      (filters.stage === 'all' || filters.stage === deal.stage)
    queryClient.setQueryData<Deal[]>(queryKey, belongs ? [deal, ...others] : others)
  }
}
