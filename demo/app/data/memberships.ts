import { useQuery } from '@tanstack/react-query'
import { useDemoSession } from '../boot/session-context'
import { QueryKeys } from './query-keys'

/** The signed-in user's memberships: which organization channels the engine opens. */
export function useMyMemberships() {
  const { supabase, userId } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.organization_members.list({ userId }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('organization_members')
        .select('organization_id, user_id, role')
        .eq('user_id', userId)
        .order('organization_id')
      if (error) throw error
      return data
    },
  })
}

/**
 * The organizations' names. A second query rather than an embedded select
 * (`organizations(name)`): the local stack's REST subset has no embedding.
 */
export function useOrganizationsById(organizationIds: readonly string[]) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.organizations.list({ ids: organizationIds }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('organizations')
        .select('id, name')
        .in('id', [...organizationIds])
        .order('name')
      if (error) throw error
      return data
    },
    enabled: organizationIds.length > 0,
  })
}

/** Everyone in one organization (RLS lets members read their organizations' memberships). */
export function useOrganizationMembers(organizationId: string) {
  const { supabase } = useDemoSession()
  return useQuery({
    queryKey: QueryKeys.organization_members.list({ organizationId }),
    queryFn: async () => {
      const { data, error } = await supabase
        .from('organization_members')
        .select('organization_id, user_id, role')
        .eq('organization_id', organizationId)
      if (error) throw error
      return data
    },
  })
}
