import { QUERY_ACTIONS } from '../../../bridge/query-actions'
import { formatKey } from '../store/format'
import type { PanelStore } from '../store/panel-store'
import { queryActionText } from '../store/query-actions'

const LABELS = { refetch: 'Refetch', invalidate: 'Invalidate', reset: 'Reset', remove: 'Remove' }

/**
 * Refetch, Invalidate, Reset and Remove one query of the page (what TanStack Query's devtools
 * offer), and how the newest of them went: its duration, outcome and whether the data changed.
 */
export function QueryActionBar({
  store,
  queryKey,
  live,
}: {
  store: PanelStore
  queryKey: readonly unknown[]
  live: boolean
}) {
  const status = store.queryActions()[formatKey(queryKey)]
  return (
    <div className="query-actions" role="group" aria-label="Act on this query">
      {QUERY_ACTIONS.map((action) => (
        <button
          key={action}
          type="button"
          className="tool-button"
          disabled={!live || status?.state === 'pending'}
          title={
            live ? `${LABELS[action]} this query in the page's QueryClient` : 'Only on a live page'
          }
          onClick={(event) => {
            event.stopPropagation()
            store.queryAction(action, queryKey)
          }}
        >
          {LABELS[action]}
        </button>
      ))}
      {status !== undefined && (
        <span
          className={
            status.state === 'error' || status.outcome === 'error' ? 'status-error' : 'detail-note'
          }
          role="status"
        >
          {queryActionText(status)}
        </span>
      )}
    </div>
  )
}
