import {
  type DefaultError,
  type UseMutationOptions,
  type UseMutationResult,
  useMutation,
  useQueryClient,
} from '@tanstack/react-query'
import type { RecordId } from '../query-keys'
import { useRealtimeSync } from './use-realtime-sync'

export interface LocalWrite {
  table: string
  id: RecordId
}

export type RealtimeMutationOptions<TData, TError, TVariables, TOnMutateResult> =
  UseMutationOptions<TData, TError, TVariables, TOnMutateResult> & {
    /**
     * The rows this mutation writes: marked before the request goes out (echo prevention), and
     * refreshed once it settles (unless `updatesCache`). Called with the same variables for both.
     */
    localWrites: (variables: TVariables) => LocalWrite | readonly LocalWrite[]
    /** Global tables (no realtime) to invalidate once the mutation succeeded. */
    invalidatesGlobal?: readonly string[]
    /**
     * true: this mutation puts the saved rows in the cache itself (setQueryData from the
     * response), so nothing is refetched when it settles. Default false: once it settles,
     * succeeded or failed, the queries of the rows it wrote refetch (their record keys and the
     * table's lists), which also rolls optimistic data back after a failure.
     */
    updatesCache?: boolean
  }

/**
 * useMutation that marks its rows as local writes before the request, so the change event that
 * comes back is recognized as this tab's echo and not refetched twice; refreshes the queries of
 * those rows once it settles (the mutation stays pending until they refetched, as with
 * `return queryClient.invalidateQueries(...)` in onSettled), unless `updatesCache`; and
 * invalidates global tables on success.
 * Rows need their id before the request: use client-generated ids (uuid) for inserts.
 */
export function useRealtimeMutation<
  TData = unknown,
  TError = DefaultError,
  TVariables = void,
  TOnMutateResult = unknown,
>(
  options: RealtimeMutationOptions<TData, TError, TVariables, TOnMutateResult>,
): UseMutationResult<TData, TError, TVariables, TOnMutateResult> {
  const sync = useRealtimeSync()
  const queryClient = useQueryClient()
  const { localWrites, invalidatesGlobal, updatesCache, ...mutationOptions } = options
  return useMutation({
    ...mutationOptions,
    onMutate: (variables, context) => {
      for (const write of writesOf(localWrites(variables))) {
        sync?.markLocalWrite(write.table, write.id)
      }
      return mutationOptions.onMutate?.(variables, context) as TOnMutateResult
    },
    onError: (...args) => {
      // Nothing will be delivered for a failed write: the engine says so at once.
      for (const write of writesOf(localWrites(args[1]))) sync?.writeFailed(write.table, write.id)
      return mutationOptions.onError?.(...args)
    },
    onSuccess: (...args) => {
      for (const table of invalidatesGlobal ?? []) sync?.invalidateGlobal(table)
      return mutationOptions.onSuccess?.(...args)
    },
    onSettled: async (...args) => {
      // After onError, so an app's own rollback runs first; the refetch then has the last word.
      const refreshing =
        updatesCache === true
          ? undefined
          : refresh(writesOf(localWrites(args[2])), sync, queryClient)
      await mutationOptions.onSettled?.(...args)
      await refreshing
    },
  })
}

function writesOf(writes: LocalWrite | readonly LocalWrite[]): readonly LocalWrite[] {
  return Array.isArray(writes) ? writes : [writes as LocalWrite]
}

/**
 * The engine refreshes exactly what the rows touch; before it started (the provider's first
 * render), every query of their tables is invalidated instead.
 */
function refresh(
  writes: readonly LocalWrite[],
  sync: ReturnType<typeof useRealtimeSync>,
  queryClient: ReturnType<typeof useQueryClient>,
): Promise<unknown> {
  if (sync !== null) return sync.refreshWrites(writes)
  const tables = new Set(writes.map((write) => write.table))
  return Promise.allSettled(
    [...tables].map((table) => queryClient.invalidateQueries({ queryKey: [table] })),
  )
}
