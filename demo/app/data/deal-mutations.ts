import { useQueryClient } from '@tanstack/react-query'
import { useAppMutation } from './use-app-mutation'
import { useDemoSession } from '../boot/session-context'
import { putDealInLists } from './deal-cache'
import type { Deal } from './database'
import { restoreQueries, snapshotQueries } from './optimistic'
import { QueryKeys } from './query-keys'

/**
 * Creates a deal whose id was generated in the browser (crypto.randomUUID()): the row can be
 * marked as this tab's write before the request, so its realtime echo is recognized and
 * skipped; useRealtimeMutation refetches the deal's queries on settle instead.
 */
export function useCreateDeal() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useAppMutation({
    mutationFn: async (deal: Deal) => {
      const { id, organization_id, title, stage, value } = deal
      const { error } = await supabase
        .from('deals')
        .insert({ id, organization_id, title, stage, value })
      if (error) throw error
    },
    localWrites: (deal) => ({ table: 'deals', id: deal.id }),
    onMutate: async (deal) => {
      const previous = await snapshotQueries(queryClient, QueryKeys.deals.list())
      putDealInLists(queryClient, deal)
      return previous
    },
    onError: (_error, _deal, previous) => restoreQueries(queryClient, previous),
  })
}

/**
 * Saves the edit form: optimistic on the record and on every cached list, rolled back on error;
 * useRealtimeMutation refetches the deal's record and the deal lists once it settles.
 */
export function useSaveDeal() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useAppMutation({
    mutationFn: async (deal: Deal) => {
      // updated_at is set by the database (a trigger); the optimistic copy carries a local guess.
      const { title, stage, value } = deal
      const { data, error } = await supabase
        .from('deals')
        .update({ title, stage, value })
        .eq('id', deal.id)
        .select('id')
      if (error) throw error
      // RLS hides other organizations' rows: the update then matches nothing, without an error.
      if (data.length === 0) throw new Error('Deal not found or not in your organization')
    },
    localWrites: (deal) => ({ table: 'deals', id: deal.id }),
    onMutate: async (deal) => {
      const previous = await snapshotQueries(queryClient, QueryKeys.deals.all)
      queryClient.setQueryData<Deal | null>(QueryKeys.deals.record(deal.id), deal)
      putDealInLists(queryClient, deal)
      return previous
    },
    onError: (_error, _deal, previous) => restoreQueries(queryClient, previous),
  })
}
