import { useQuery } from '@tanstack/react-query'
import { useAppMutation } from './use-app-mutation'
import { useDemoSession } from '../boot/session-context'
import { QueryKeys } from './query-keys'

/**
 * profiles is a global table: not organization-scoped, so no trigger and no realtime events.
 * Its queries refresh only when someone invalidates them by hand (invalidateGlobal).
 */
export function useProfiles() {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.profiles.list(),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('profiles')
        .select('id, email, display_name')
        .order('display_name')
      if (error) throw error
      return data
    },
  })
}

export function useUpdateDisplayName() {
  const { supabase, userId } = useDemoSession()
  return useAppMutation({
    mutationFn: async (displayName: string) => {
      const { data, error } = await supabase
        .from('profiles')
        .update({ display_name: displayName })
        .eq('id', userId)
        .select('id')
      if (error) throw error
      if (data.length === 0) throw new Error('Your profile row is missing')
    },
    // No realtime for profiles, so no echo to prevent...
    localWrites: () => [],
    // ...and this window refreshes them itself once the write succeeded.
    invalidatesGlobal: ['profiles'],
  })
}
