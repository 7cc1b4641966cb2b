import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useAppMutation } from './use-app-mutation'
import { useDemoSession } from '../boot/session-context'
import type { Activity } from './database'
import { restoreQueries, snapshotQueries } from './optimistic'
import { QueryKeys } from './query-keys'

/** A deal's activity feed, newest first. */
export function useDealActivities(dealId: string) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.activities.list({ dealId }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('activities')
        .select('id, organization_id, deal_id, kind, note, created_at')
        .eq('deal_id', dealId)
        .order('created_at', { ascending: false })
      if (error) throw error
      return data
    },
  })
}

/** Adds a note with a browser-generated id, so it can be marked as this tab's write first. */
export function useAddNote() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useAppMutation({
    mutationFn: async (activity: Activity) => {
      const { id, organization_id, deal_id, kind, note } = activity
      // created_at is left to the database clock, not this browser's.
      const { error } = await supabase
        .from('activities')
        .insert({ id, organization_id, deal_id, kind, note })
      if (error) throw error
    },
    localWrites: (activity) => ({ table: 'activities', id: activity.id }),
    onMutate: async (activity) => {
      const queryKey = QueryKeys.activities.list({ dealId: activity.deal_id })
      const previous = await snapshotQueries(queryClient, queryKey)
      queryClient.setQueryData<Activity[]>(queryKey, (rows) => rows && [activity, ...rows])
      return previous
    },
    onError: (_error, _activity, previous) => restoreQueries(queryClient, previous),
  })
}
