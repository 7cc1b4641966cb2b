import { isCancelledError, type Query } from '@tanstack/query-core'
import { errorMessage } from './error-message'
import type { RefetchOutcome } from './types'

export interface SettledRefetch {
  query: Query
  /** The watch that reports it. */
  watch: RefetchWatch
  durationMs: number
  outcome: RefetchOutcome
  error?: string
  /** success only: TanStack's structural sharing keeps the reference when nothing changed. */
  dataChanged?: boolean
  /** The query's data when the pass called fetch (what a diff compares the new data with). */
  dataBefore: unknown
  observers: number
}

export interface RefetchWatch {
  /**
   * A later pass refetched the query while this fetch ran: TanStack cancels it and hands its
   * promise the new fetch's result, so it ends here, as cancelled (the later pass reports the
   * result).
   */
  supersede(): void
}

/**
 * Watches one refetch an invalidation pass started, and reports how it ended, once: one settle
 * callback per refetched query, nothing per received event (the error's message is capped by
 * errorMessage). `dataBefore` is the query's data
 * when the pass called fetch: a new reference afterwards means the screen changed.
 */
export function watchRefetch(
  query: Query,
  fetching: Promise<unknown>,
  dataBefore: unknown,
  startedAt: number,
  now: () => number,
  report: (settled: SettledRefetch) => void,
): RefetchWatch {
  let done = false
  // A fetch cancelled with `revert` (its last observer left, or cancelQueries) resolves with the
  // old data: no new data arrived, so it is a cancel, not an identical refetch.
  const updatesBefore = query.state.dataUpdateCount
  const watch: RefetchWatch = { supersede: () => settle('cancelled') }
  const settle = (outcome: RefetchOutcome, error?: string) => {
    if (done) return
    done = true
    report({
      query,
      watch,
      durationMs: Math.max(0, now() - startedAt),
      outcome,
      error,
      dataChanged: outcome === 'success' ? query.state.data !== dataBefore : undefined,
      dataBefore,
      observers: query.getObserversCount(),
    })
  }
  fetching.then(
    () => settle(query.state.dataUpdateCount === updatesBefore ? 'cancelled' : 'success'),
    (error: unknown) =>
      isCancelledError(error) ? settle('cancelled') : settle('error', errorMessage(error)),
  )
  return watch
}
