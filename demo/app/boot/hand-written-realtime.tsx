import { type QueryClient, useQueryClient } from '@tanstack/react-query'
import type { SupabaseClient } from '@supabase/supabase-js'
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react'

/**
 * `?engine=none`: the same CRM wired the hand-written way, with no engine from our package, as
 * most teams start: a channel per organization, `invalidateQueries` on every delivery, and the
 * QueryClient exposed as `window.__TANSTACK_QUERY_CLIENT__` (the TanStack Query devtools'
 * convention). The Realtime panel's Socket tab shows what such an app gets without adopting
 * anything: every frame decoded, and what each delivery invalidated.
 */
export interface HandWrittenChannel {
  topic: string
  status: string
}

const HandWrittenChannels = createContext<readonly HandWrittenChannel[] | null>(null)

/** The hand-written hook's channels, for the status pill; null when the engine runs. */
export function useHandWrittenChannels(): readonly HandWrittenChannel[] | null {
  return useContext(HandWrittenChannels)
}

export function HandWrittenRealtime(props: {
  supabase: SupabaseClient
  organizationIds: readonly string[]
  children: ReactNode
}) {
  const queryClient = useQueryClient()
  const channels = useSupabaseRealtimeSync(props.supabase, queryClient, props.organizationIds)
  return (
    <HandWrittenChannels.Provider value={channels}>{props.children}</HandWrittenChannels.Provider>
  )
}

/** The hook as it is usually written: one effect, one channel per organization. */
function useSupabaseRealtimeSync(
  supabase: SupabaseClient,
  queryClient: QueryClient,
  organizationIds: readonly string[],
): readonly HandWrittenChannel[] {
  const [channels, setChannels] = useState<readonly HandWrittenChannel[]>([])
  useEffect(() => {
    ;(window as unknown as Record<string, unknown>).__TANSTACK_QUERY_CLIENT__ = queryClient
  }, [queryClient])
  useEffect(() => {
    let cancelled = false
    const statuses = new Map<string, string>()
    const publish = () => {
      if (!cancelled) setChannels([...statuses].map(([topic, status]) => ({ topic, status })))
    }
    const subscribed: ReturnType<SupabaseClient['channel']>[] = []
    // The token first: a join sent without it receives nothing under RLS.
    void supabase.realtime.setAuth().then(() => {
      if (cancelled) return
      for (const orgId of organizationIds) {
        // A fresh name per effect run: supabase.channel() returns a channel still being removed
        // (React StrictMode runs the effect twice), and adding callbacks to it would throw.
        const topic = `org:${orgId}:${Math.random().toString(36).slice(2, 8)}`
        statuses.set(topic, 'JOINING')
        const channel = supabase
          .channel(topic)
          .on(
            'postgres_changes',
            {
              event: 'INSERT',
              schema: 'public',
              table: 'realtime_table_events',
              filter: `organization_id=eq.${orgId}`,
            },
            (payload) => {
              const table = (payload.new as { table_name?: unknown }).table_name
              if (typeof table === 'string') {
                void queryClient.invalidateQueries({ queryKey: [table] })
              }
            },
          )
          .subscribe((status) => {
            statuses.set(topic, status)
            publish()
          })
        subscribed.push(channel)
      }
      publish()
    })
    return () => {
      cancelled = true
      for (const channel of subscribed) void supabase.removeChannel(channel)
    }
  }, [supabase, queryClient, organizationIds])
  return channels
}
