import { useQuery } from '@tanstack/react-query'
import { useDemoSession } from '../boot/session-context'
import { type DealListFilters, QueryKeys } from './query-keys'

export const DEAL_COLUMNS = 'id, organization_id, title, stage, value, updated_at'

/** A list query: `.list(filters)`, refetched by the engine on any deal change in the org. */
export function useDealList(filters: DealListFilters) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.deals.list(filters),
    queryFn: async () => {
      let query = supabase
        .from('deals')
        .select(DEAL_COLUMNS)
        .eq('organization_id', filters.organizationId)
      if (filters.stage !== 'all') query = query.eq('stage', filters.stage)
      const { data, error } = await query.order('updated_at', { ascending: false })
      if (error) throw error
      return data
    },
  })
}

/** A single-row query: `.record(id)`, refetched only when this deal changes. */
export function useDeal(id: string) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.deals.record(id),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('deals')
        .select(DEAL_COLUMNS)
        .eq('id', id)
        .maybeSingle()
      if (error) throw error
      // null: no such deal, or RLS hides it (another organization's).
      return data
    },
  })
}
