import type { QueryClient } from '@tanstack/react-query'
import type { DemoSupabaseClient } from './supabase-client'

/** What the browser console, the e2e tests and the benchmarks reach into. */
export interface DemoGlobal {
  supabase: DemoSupabaseClient
  queryClient: QueryClient
  email: string
  /** null until signed in. */
  userId: string | null
  organizationIds: string[]
  currentOrganizationId: string | null
}

declare global {
  interface Window {
    __DEMO__?: DemoGlobal
  }
}

/** Each layer of the app fills in what it knows, as soon as it knows it. */
export function publishDemoGlobal(update: Partial<DemoGlobal> & Pick<DemoGlobal, 'email'>): void {
  const current = window.__DEMO__
  if (current === undefined || current.email !== update.email) {
    if (update.supabase === undefined || update.queryClient === undefined) return
    window.__DEMO__ = {
      userId: null,
      organizationIds: [],
      currentOrganizationId: null,
      ...update,
      supabase: update.supabase,
      queryClient: update.queryClient,
    }
    return
  }
  Object.assign(current, update)
}
