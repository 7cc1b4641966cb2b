import type { SupabaseClient } from '@supabase/supabase-js'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { expect, vi } from 'vitest'
import type { Stack } from '../../server/stack'
import {
  createRealtimeSync,
  type MembershipSource,
  type RealtimeSync,
  type RealtimeSyncOptions,
} from '../../src/realtime-sync'
import { closeClient, createTestClient } from './stack-harness'

/**
 * The sync engine from src/ as an app runs it against the stack: a real supabase-js client
 * signed in as a user, a real QueryClient, and queries put on screen that fetch through REST.
 * Shared by engine.test.ts, replay.test.ts and engine-broadcast.test.ts.
 */
export interface EngineOnStack {
  sync: RealtimeSync
  supabase: SupabaseClient
  queryClient: QueryClient
  /** queryFn calls per query, by the key's JSON. */
  fetches: Map<string, number>
  /** Puts a query on screen, fetching the organization's deals (or one deal) through REST. */
  show(queryKey: readonly unknown[], recordId?: string): Promise<void>
}

/** What a test file runs after each test: the clients, engines and observers it started. */
export type Cleanups = (() => Promise<unknown> | unknown)[]

export function engineOnStack(
  stack: Stack,
  user: { id: string; token: string | (() => string) },
  organizationIds: readonly string[] | MembershipSource,
  cleanups: Cleanups,
  options: Partial<RealtimeSyncOptions> = {},
): EngineOnStack {
  const supabase = createTestClient(stack, { token: user.token })
  const queryClient = new QueryClient()
  const fetches = new Map<string, number>()
  const sync = createRealtimeSync({
    supabase,
    queryClient,
    organizationIds,
    userId: user.id,
    batchMs: 20,
    devtools: false,
    ...options,
  })
  cleanups.push(
    () => closeClient(supabase),
    () => sync.stop(),
    () => queryClient.clear(),
  )
  const show = async (queryKey: readonly unknown[], recordId?: string) => {
    const orgIds = Array.isArray(organizationIds)
      ? organizationIds
      : (organizationIds as MembershipSource).getSnapshot()
    const orgId = orgIds[0]!
    const observer = new QueryObserver(queryClient, {
      queryKey,
      queryFn: async () => {
        const name = JSON.stringify(queryKey)
        fetches.set(name, (fetches.get(name) ?? 0) + 1)
        let query = supabase.from('deals').select('id, title, value').eq('organization_id', orgId)
        if (recordId !== undefined) query = query.eq('id', recordId)
        const { data, error } = await query.order('id')
        if (error) throw error
        return data
      },
      staleTime: Number.POSITIVE_INFINITY,
    })
    cleanups.push(observer.subscribe(() => {}))
    await vi.waitFor(() => expect(observer.getCurrentResult().status).toBe('success'))
  }
  return { sync, supabase, queryClient, fetches, show }
}
