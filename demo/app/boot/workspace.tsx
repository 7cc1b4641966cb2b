import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { RealtimeSyncProvider } from 'realtime-sync-devtools/react'
import { useMyMemberships, useOrganizationsById } from '../data/memberships'
import { QueryKeys } from '../data/query-keys'
import { Shell } from '../shell/shell'
import { ErrorText } from '../ui/error-text'
import { ScreenMessage } from '../ui/screen-message'
import { publishDemoGlobal } from './demo-global'
import { OrganizationContext, type OrganizationState } from './organization-context'
import { useDemoSession } from './session-context'
import { HandWrittenRealtime } from './hand-written-realtime'
import { batchModeFromUrl, organizationFromUrl, rememberOrganization, withoutEngine } from './url'

const NO_IDS: string[] = []
/** The tables QueryKeys builds keys for: the Queries tab flags a key of any other. */
const REALTIME_TABLES = Object.keys(QueryKeys)

/**
 * After sign-in: loads the user's memberships, starts the sync engine for them (one Realtime
 * channel per organization) and shows the app for the current organization.
 */
export function Workspace() {
  const { supabase, userId, email, config } = useDemoSession()
  const queryClient = useQueryClient()
  const memberships = useMyMemberships()
  const organizationIds = useMemo(
    () => memberships.data?.map((m) => m.organization_id) ?? NO_IDS,
    [memberships.data],
  )
  const organizations = useOrganizationsById(organizationIds)
  const [picked, setPicked] = useState(organizationFromUrl)

  const list = organizations.data
  const current = list?.find((o) => o.id === picked) ?? list?.[0]

  useEffect(() => {
    publishDemoGlobal({
      supabase,
      queryClient,
      email,
      userId,
      organizationIds: [...organizationIds],
      currentOrganizationId: current?.id ?? null,
    })
  }, [supabase, queryClient, email, userId, organizationIds, current?.id])

  const state = useMemo<OrganizationState | null>(
    () =>
      list && current
        ? {
            organizations: list,
            current,
            setCurrent: (id) => {
              setPicked(id)
              rememberOrganization(id)
            },
          }
        : null,
    [list, current],
  )

  const error = memberships.error ?? organizations.error
  if (error) {
    return (
      <ScreenMessage title="Could not load your organizations" tone="error">
        <ErrorText error={error} />
      </ScreenMessage>
    )
  }
  if (memberships.isPending) return <ScreenMessage title="Loading your organizations…" />
  if (organizationIds.length === 0) {
    return (
      <ScreenMessage title="No organization yet">
        <p>
          {email} is not a member of any organization. Add a row to organization_members for this
          user.
        </p>
      </ScreenMessage>
    )
  }
  if (state === null) return <ScreenMessage title="Loading your organizations…" />

  const app = (
    <OrganizationContext.Provider value={state}>
      <Shell />
    </OrganizationContext.Provider>
  )
  if (withoutEngine()) {
    return (
      <HandWrittenRealtime supabase={supabase} organizationIds={organizationIds}>
        {app}
      </HandWrittenRealtime>
    )
  }
  return (
    // After sign-in and inside QueryClientProvider, before the router, as the README says.
    <RealtimeSyncProvider
      supabase={supabase}
      userId={userId}
      organizationIds={organizationIds}
      name="demo-crm"
      tables={REALTIME_TABLES}
      batchMode={batchModeFromUrl()}
      transport={config.transport}
    >
      {app}
    </RealtimeSyncProvider>
  )
}
