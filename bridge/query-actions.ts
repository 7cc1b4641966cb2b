/**
 * What the panel's Queries tab asks of the page's QueryClients (TanStack Query's devtools offer
 * the same four): refetch, invalidate, reset or remove one query, by its exact key, on every
 * client the page handed over (our engine's, window.__TANSTACK_QUERY_CLIENT__,
 * registerQueryClient()). The answer says how it went, as a refetch's outcome reads anywhere
 * else in the panel: how long, whether it failed, whether the data changed.
 */
import { errorMessage } from '../src/error-message'

export const QUERY_ACTIONS = ['refetch', 'invalidate', 'reset', 'remove'] as const
export type QueryAction = (typeof QUERY_ACTIONS)[number]

/** The slice of a QueryClient the actions use (TanStack Query 4 and 5). */
export interface ActionableClient {
  getQueryCache(): {
    find(filters: { queryKey: readonly unknown[]; exact: true }): QueryLike | undefined
  }
  refetchQueries(filters: { queryKey: readonly unknown[]; exact: true }): Promise<unknown>
  invalidateQueries(filters: { queryKey: readonly unknown[]; exact: true }): Promise<unknown>
  resetQueries(filters: { queryKey: readonly unknown[]; exact: true }): Promise<unknown>
  removeQueries(filters: { queryKey: readonly unknown[]; exact: true }): void
}

interface QueryLike {
  state: { data: unknown; status: string; error?: unknown }
  getObserversCount(): number
}

export interface QueryActionResult {
  /** Clients that held the query: 0 means no client of the page has that key. */
  matched: number
  durationMs: number
  /** After a refetch (refetch, invalidate of an observed query, reset): how it ended. */
  outcome?: 'success' | 'error'
  dataChanged?: boolean
  error?: string
}

export function isActionableClient(value: unknown): value is ActionableClient {
  const client = value as Partial<Record<keyof ActionableClient, unknown>> | null
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof client.getQueryCache === 'function' &&
    typeof client.refetchQueries === 'function' &&
    typeof client.invalidateQueries === 'function' &&
    typeof client.resetQueries === 'function' &&
    typeof client.removeQueries === 'function'
  )
}

/** Runs `action` on the query `queryKey` of each client that holds it. Never rejects. */
export async function runQueryAction(
  clients: readonly ActionableClient[],
  action: QueryAction,
  queryKey: readonly unknown[],
  now: () => number = () => performance.now(),
): Promise<QueryActionResult> {
  const filters = { queryKey, exact: true } as const
  const holding = clients.filter((client) => client.getQueryCache().find(filters) !== undefined)
  const started = now()
  if (holding.length === 0) return { matched: 0, durationMs: 0 }
  try {
    const before = holding.map((client) => client.getQueryCache().find(filters)?.state.data)
    await Promise.all(
      holding.map((client) => {
        switch (action) {
          case 'refetch':
            return client.refetchQueries(filters)
          case 'invalidate':
            return client.invalidateQueries(filters)
          case 'reset':
            return client.resetQueries(filters)
          case 'remove':
            client.removeQueries(filters)
            return undefined
        }
      }),
    )
    const durationMs = Math.max(0, now() - started)
    if (action === 'remove') return { matched: holding.length, durationMs }
    const after = holding.map((client) => client.getQueryCache().find(filters))
    const failed = after.find((query) => query?.state.status === 'error')
    return {
      matched: holding.length,
      durationMs,
      outcome: failed === undefined ? 'success' : 'error',
      // Structural sharing keeps the reference when the refetched data deep-equals the old.
      dataChanged: after.some((query, i) => query !== undefined && query.state.data !== before[i]),
      ...(failed === undefined ? {} : { error: errorMessage(failed.state.error) }),
    }
  } catch (error) {
    return {
      matched: holding.length,
      durationMs: Math.max(0, now() - started),
      outcome: 'error',
      error: errorMessage(error),
    }
  }
}
