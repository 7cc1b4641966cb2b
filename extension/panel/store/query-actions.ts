import type { QueryAction } from '../../../bridge/query-actions'
import type { Scheduler } from '../../../src/scheduler'
import type { PanelInbound, PanelTransport } from '../panel-connection'
import { formatKey } from './format'
import { PendingRequests } from './pending-requests'

/** One action on a query from the Queries tab, and how it went. */
export interface QueryActionStatus {
  requestId: number
  action: QueryAction
  state: 'pending' | 'done' | 'error'
  /** Clients that held the key. */
  matched?: number
  durationMs?: number
  outcome?: 'success' | 'error'
  dataChanged?: boolean
  error?: string
}

/** A refetch can take long; a page that never answers must not leave "refetching…" for good. */
export const QUERY_ACTION_TIMEOUT_MS = 30_000

/**
 * The Queries tab's actions on the page's queries: sent as `query-action`, pending until the
 * page's `query-action-result`, a timeout, or the end of the page load. The newest per key is
 * what the tab shows beside it.
 */
export class QueryActions {
  /** Each pending action's key (formatKey). */
  private readonly pending: PendingRequests<string>
  private byKey: Readonly<Record<string, QueryActionStatus>> = {}

  constructor(
    private readonly transport: PanelTransport,
    scheduler: Scheduler,
    /** An action settled by itself (its timeout): the store notifies. */
    onSettled: () => void,
    /** The store's request ids, shared by every command it sends. */
    private readonly nextRequestId: () => number,
  ) {
    this.pending = new PendingRequests(scheduler, QUERY_ACTION_TIMEOUT_MS, (requestId, key) => {
      this.settle(requestId, key, {
        state: 'error',
        error: `the page did not answer in ${QUERY_ACTION_TIMEOUT_MS / 1_000} s`,
      })
      onSettled()
    })
  }

  /** The newest action per key (formatKey), a new object whenever one changes. */
  get latest(): Readonly<Record<string, QueryActionStatus>> {
    return this.byKey
  }

  send(action: QueryAction, queryKey: readonly unknown[]): number {
    const requestId = this.nextRequestId()
    const key = formatKey(queryKey)
    this.pending.add(requestId, key)
    this.byKey = { ...this.byKey, [key]: { requestId, action, state: 'pending' } }
    this.transport.send({ type: 'query-action', requestId, action, key: [...queryKey] })
    return requestId
  }

  /** The page's answer; false when nothing waits for it. */
  answer(message: Extract<PanelInbound, { type: 'query-action-result' }>): boolean {
    const { ok, error, matched, durationMs, outcome, dataChanged } = message
    const key = this.pending.take(message.requestId)
    if (key === undefined) return false
    return this.settle(message.requestId, key, {
      state: ok ? 'done' : 'error',
      matched,
      durationMs,
      ...(outcome === undefined ? {} : { outcome }),
      ...(dataChanged === undefined ? {} : { dataChanged }),
      ...(error === undefined ? {} : { error }),
    })
  }

  /** No answer can come any more (a reload, a disconnect). */
  failPending(reason: string): boolean {
    const cut = this.pending.takeAll()
    for (const [requestId, key] of cut)
      this.settle(requestId, key, { state: 'error', error: reason })
    return cut.length > 0
  }

  dispose(): void {
    this.pending.dispose()
  }

  private settle(
    requestId: number,
    key: string,
    outcome: Omit<QueryActionStatus, 'requestId' | 'action'>,
  ): boolean {
    const shown = this.byKey[key]
    // A newer action on the same key already took its place.
    if (shown?.requestId !== requestId) return false
    this.byKey = { ...this.byKey, [key]: { requestId, action: shown.action, ...outcome } }
    return true
  }
}

/** What the tab says of an action, in a few words. */
export function queryActionText(status: QueryActionStatus): string {
  const verb = { refetch: 'refetch', invalidate: 'invalidate', reset: 'reset', remove: 'remove' }[
    status.action
  ]
  if (status.state === 'pending') return `${verb}…`
  if (status.state === 'error' && status.matched === undefined)
    return `${verb} failed: ${status.error ?? 'no answer'}`
  if (status.matched === 0) return `${verb}: no QueryClient of the page holds this key`
  if (status.action === 'remove')
    return `removed from ${status.matched === 1 ? 'the cache' : `${status.matched} caches`}`
  const took = `${Math.round(status.durationMs ?? 0)} ms`
  if (status.outcome === 'error')
    return `${verb}: failed after ${took}${status.error ? `: ${status.error}` : ''}`
  return `${verb}: done in ${took}, ${status.dataChanged ? 'data changed' : 'identical data'}`
}
