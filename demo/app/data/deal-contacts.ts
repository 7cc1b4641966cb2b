import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRealtimeMutation } from '../../../src/react'
import { useDemoSession } from '../boot/session-context'
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

/** Optimistic edit of one deal's links; returns what to restore on error. */
async function editLinks(
  queryClient: ReturnType<typeof useQueryClient>,
  dealId: string,
  edit: (rows: DealContact[]) => DealContact[],
) {
  const queryKey = QueryKeys.deal_contacts.list({ dealId })
  const previous = await snapshotQueries(queryClient, queryKey)
  queryClient.setQueryData<DealContact[]>(queryKey, (rows) => (rows ? edit(rows) : rows))
  return previous
}

export function useLinkContact() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useRealtimeMutation({
    mutationFn: async ({ dealId, contactId }: DealContactLink) => {
      const { error } = await supabase
        .from('deal_contacts')
        .insert({ deal_id: dealId, contact_id: contactId })
      if (error) throw error
    },
    localWrites: junctionWrite,
    onMutate: ({ dealId, contactId }) =>
      editLinks(queryClient, dealId, (rows) => [
        ...rows,
        { deal_id: dealId, contact_id: contactId },
      ]),
    onError: (_error, _link, previous) => restoreQueries(queryClient, previous),
    onSettled: () => queryClient.invalidateQueries({ queryKey: QueryKeys.deal_contacts.all }),
  })
}

export function useUnlinkContact() {
  const { supabase } = useDemoSession()
  const queryClient = useQueryClient()
  return useRealtimeMutation({
    mutationFn: async ({ dealId, contactId }: DealContactLink) => {
      const { error } = await supabase
        .from('deal_contacts')
        .delete()
        .eq('deal_id', dealId)
        .eq('contact_id', contactId)
      if (error) throw error
    },
    localWrites: junctionWrite,
    onMutate: ({ dealId, contactId }) =>
      editLinks(queryClient, dealId, (rows) => rows.filter((row) => row.contact_id !== contactId)),
    onError: (_error, _link, previous) => restoreQueries(queryClient, previous),
    onSettled: () => queryClient.invalidateQueries({ queryKey: QueryKeys.deal_contacts.all }),
  })
}
