import { isCancelledError, type Query } from '@tanstack/query-core'
import { errorMessage } from './error-message'
import type { RefetchOutcome } from './types'

/** A refetch's error message is kept to this length: the log holds many. */
export const MAX_REFETCH_ERROR_CHARS = 1_000

export interface SettledRefetch {
  query: Query
  durationMs: number
  outcome: RefetchOutcome
  error?: string
  /** success only: TanStack's structural sharing keeps the reference when nothing changed. */
  dataChanged?: boolean
  observers: number
}

/**
 * Watches one refetch an invalidation pass started, and reports how it ended: one settle
 * callback per refetched query, nothing per received event. `dataBefore` is the query's data
 * when the pass called fetch: a new reference afterwards means the screen changed.
 */
export function watchRefetch(
  query: Query,
  fetching: Promise<unknown>,
  dataBefore: unknown,
  startedAt: number,
  now: () => number,
  report: (settled: SettledRefetch) => void,
): void {
  const settle = (outcome: RefetchOutcome, error?: string) =>
    report({
      query,
      durationMs: Math.max(0, now() - startedAt),
      outcome,
      error,
      dataChanged: outcome === 'success' ? query.state.data !== dataBefore : undefined,
      observers: query.getObserversCount(),
    })
  fetching.then(
    () => settle('success'),
    (error: unknown) =>
      isCancelledError(error)
        ? settle('cancelled')
        : settle('error', errorMessage(error).slice(0, MAX_REFETCH_ERROR_CHARS)),
  )
}
