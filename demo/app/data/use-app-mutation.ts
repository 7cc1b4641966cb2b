import { type DefaultError, useMutation, useQueryClient } from '@tanstack/react-query'
import { type RealtimeMutationOptions, useRealtimeMutation } from 'realtime-sync-devtools/react'
import { withoutEngine } from '../boot/url'

/**
 * The demo's mutations: our hook with the engine (echo prevention, the written rows' queries
 * refetched on settle, global tables invalidated), or, with `?engine=none`, the plain useMutation
 * a team without our package writes (it invalidates the written tables on settle and its global
 * tables itself). The mode is fixed per page load, so hook order holds.
 */
function usePlainMutation<
  TData = unknown,
  TError = DefaultError,
  TVariables = void,
  TContext = unknown,
>(options: RealtimeMutationOptions<TData, TError, TVariables, TContext>) {
  const queryClient = useQueryClient()
  const { localWrites, invalidatesGlobal, updatesCache, ...rest } = options
  return useMutation({
    ...rest,
    onSuccess: async (...args) => {
      for (const table of invalidatesGlobal ?? [])
        void queryClient.invalidateQueries({ queryKey: [table] })
      await rest.onSuccess?.(...args)
    },
    onSettled: async (...args) => {
      const written = localWrites(args[2])
      const tables = new Set((Array.isArray(written) ? written : [written]).map((w) => w.table))
      const refreshing = updatesCache
        ? []
        : [...tables].map((table) => queryClient.invalidateQueries({ queryKey: [table] }))
      await rest.onSettled?.(...args)
      await Promise.all(refreshing)
    },
  })
}

export const useAppMutation: typeof useRealtimeMutation = withoutEngine()
  ? (usePlainMutation as typeof useRealtimeMutation)
  : useRealtimeMutation
