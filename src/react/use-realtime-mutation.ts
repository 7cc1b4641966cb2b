import {
  type DefaultError,
  type UseMutationOptions,
  type UseMutationResult,
  useMutation,
} from '@tanstack/react-query'
import type { RecordId } from '../query-keys'
import { useRealtimeSync } from './use-realtime-sync'

export interface LocalWrite {
  table: string
  id: RecordId
}

export type RealtimeMutationOptions<TData, TError, TVariables, TOnMutateResult> =
  UseMutationOptions<TData, TError, TVariables, TOnMutateResult> & {
    /** The rows this mutation writes, marked before the request goes out (echo prevention). */
    localWrites: (variables: TVariables) => LocalWrite | readonly LocalWrite[]
    /** Global tables (no realtime) to invalidate once the mutation succeeded. */
    invalidatesGlobal?: readonly string[]
  }

/**
 * useMutation that marks its rows as local writes before the request, so the change event that
 * comes back is recognized as this tab's echo, and invalidates global tables on success.
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
  const { localWrites, invalidatesGlobal, ...mutationOptions } = options
  return useMutation({
    ...mutationOptions,
    onMutate: (variables, context) => {
      const writes = localWrites(variables)
      for (const write of Array.isArray(writes) ? writes : [writes as LocalWrite]) {
        sync?.markLocalWrite(write.table, write.id)
      }
      return mutationOptions.onMutate?.(variables, context) as TOnMutateResult
    },
    onSuccess: (...args) => {
      for (const table of invalidatesGlobal ?? []) sync?.invalidateGlobal(table)
      return mutationOptions.onSuccess?.(...args)
    },
  })
}
