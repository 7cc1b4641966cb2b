import type { PostgrestError } from '@supabase/supabase-js'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useAppMutation } from './use-app-mutation'
import { useDemoSession } from '../boot/session-context'
import type { DemoSupabaseClient } from '../boot/supabase-client'
import type { DealContact } from './database'
import { restoreQueries, snapshotQueries } from './optimistic'
import { QueryKeys } from './query-keys'

/**
 * deal_contacts has no organization_id: the database traces each row to its deal's
 * organization, and the event's record_id is the primary key joined with ':' in column order.
 */
export interface DealContactLink {
  dealId: string
  contactId: string
}

const junctionWrite = ({ dealId, contactId }: DealContactLink) => ({
  table: 'deal_contacts',
  id: `${dealId}:${contactId}`,
})

export function useDealContacts(dealId: string) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.deal_contacts.list({ dealId }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('deal_contacts')
        .select('deal_id, contact_id')
        .eq('deal_id', dealId)
      if (error) throw error
      return data
    },
  })
}

/**
 * Linking and unlinking differ only in the write and in the optimistic edit of the deal's cached
 * links; the echo's id and the rollback on error are the same (the refetch of the junction's
 * lists on settle is useRealtimeMutation's).
 */
function useLinkEdit(
  write: (
    supabase: DemoSupabaseClient,
    link: DealContactLink,
  ) => PromiseLike<{ error: PostgrestError | null }>,
  edit: (rows: DealContact[], link: DealContactLink) => DealContact[],
) {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useAppMutation({
    mutationFn: async (link: DealContactLink) => {
      const { error } = await write(supabase, link)
      if (error) throw error
    },
    localWrites: junctionWrite,
    onMutate: async (link) => {
      const queryKey = QueryKeys.deal_contacts.list({ dealId: link.dealId })
      const previous = await snapshotQueries(queryClient, queryKey)
      queryClient.setQueryData<DealContact[]>(queryKey, (rows) => (rows ? edit(rows, link) : rows))
      return previous
    },
    onError: (_error, _link, previous) => restoreQueries(queryClient, previous),
  })
}

export function useLinkContact() {
  return useLinkEdit(
    (supabase, { dealId, contactId }) =>
      supabase.from('deal_contacts').insert({ deal_id: dealId, contact_id: contactId }),
    (rows, { dealId, contactId }) => [...rows, { deal_id: dealId, contact_id: contactId }],
  )
}

export function useUnlinkContact() {
  return useLinkEdit(
    (supabase, { dealId, contactId }) =>
      supabase.from('deal_contacts').delete().eq('deal_id', dealId).eq('contact_id', contactId),
    (rows, { contactId }) => rows.filter((row) => row.contact_id !== contactId),
  )
}
