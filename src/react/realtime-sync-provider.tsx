import { useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useEffect, useRef, useState } from 'react'
import { createRealtimeSync, type RealtimeSyncOptions } from '../realtime-sync'
import { RealtimeSyncContext } from './realtime-sync-context'

export interface RealtimeSyncProviderProps extends Omit<
  RealtimeSyncOptions,
  'queryClient' | 'organizationIds'
> {
  /** The signed-in user's organizations; a change resubscribes without restarting the engine. */
  organizationIds: readonly string[]
  children?: ReactNode
}

/**
 * Runs one sync engine for the signed-in user. Place it inside QueryClientProvider and the auth
 * provider (it needs both), before the router.
 *
 * The engine lives in an effect, so React StrictMode's mount → unmount → mount stops the first
 * engine and starts a second; the second waits for the first one's channels to be removed.
 * A new user (userId) or client starts a new engine; other option changes apply on that restart.
 */
export function RealtimeSyncProvider({
  organizationIds,
  children,
  ...options
}: RealtimeSyncProviderProps) {
  const queryClient = useQueryClient()
  const [sync, setSync] = useState<ReturnType<typeof createRealtimeSync> | null>(null)
  const latest = useRef({ options, organizationIds })
  // Declared first, so it runs before the effects below in the same commit.
  useEffect(() => {
    latest.current = { options, organizationIds }
  })
  const { supabase, userId } = options

  useEffect(() => {
    const { onMetrics } = latest.current.options
    const engine = createRealtimeSync({
      ...latest.current.options,
      // The latest render's sink: an inline function needs no memo and sees the current props.
      onMetrics: onMetrics && ((metrics) => latest.current.options.onMetrics?.(metrics)),
      supabase,
      userId,
      queryClient,
      organizationIds: latest.current.organizationIds,
    })
    setSync(engine)
    return () => {
      void engine.stop()
      setSync((current) => (current === engine ? null : current))
    }
  }, [supabase, userId, queryClient])

  const membershipKey = organizationIds.join('\u0000')
  useEffect(() => {
    void sync?.setOrganizationIds(latest.current.organizationIds)
  }, [sync, membershipKey])

  return <RealtimeSyncContext.Provider value={sync}>{children}</RealtimeSyncContext.Provider>
}
