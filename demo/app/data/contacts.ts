import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useAppMutation } from './use-app-mutation'
import { useDemoSession } from '../boot/session-context'
import type { Contact } from './database'
import { restoreQueries, snapshotQueries } from './optimistic'
import { QueryKeys } from './query-keys'

export function useContactList(organizationId: string) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.contacts.list({ organizationId }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('contacts')
        .select('id, organization_id, name, email')
        .eq('organization_id', organizationId)
        .order('name')
      if (error) throw error
      return data
    },
  })
}

export interface ContactRename {
  id: string
  name: string
}

/** Renames a contact in place; every cached contact list shows the new name at once. */
export function useRenameContact() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useAppMutation({
    mutationFn: async ({ id, name }: ContactRename) => {
      const { data, error } = await supabase
        .from('contacts')
        .update({ name })
        .eq('id', id)
        .select('id')
      if (error) throw error
      if (data.length === 0) throw new Error('Contact not found or not in your organization')
    },
    localWrites: ({ id }) => ({ table: 'contacts', id }),
    onMutate: async ({ id, name }) => {
      const previous = await snapshotQueries(queryClient, QueryKeys.contacts.all)
      queryClient.setQueriesData<Contact[]>({ queryKey: QueryKeys.contacts.list() }, (rows) =>
        rows?.map((row) => (row.id === id ? { ...row, name } : row)),
      )
      return previous
    },
    onError: (_error, _rename, previous) => restoreQueries(queryClient, previous),
  })
}
