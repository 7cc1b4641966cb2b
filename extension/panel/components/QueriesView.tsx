import type { ReactNode } from 'react'
import { QueryActionBar } from './QueryActionBar'
import { useEffect, useMemo, useState } from 'react'
import type { QuerySummary } from '../../../src/query-summaries'
import { formatCount, formatKey, formatMs, formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import type { HistoryItem } from '../store/query-history'

export interface QueriesViewProps {
  store: PanelStore
  snapshot: PanelSnapshot
  /** Shows event `seq` in the Log tab. */
  onShowEvent(seq: number): void
  /** A query to show the history of (a trail's "Why?"), once the list has it. */
  focusKey?: unknown[]
}

/** How realtime reaches a query, as the user reads it: what makes it refetch. */
export function reachText(query: QuerySummary): string {
  switch (query.reach) {
    case 'table':
      return `every change of ${query.table}`
    case 'record':
      return `changes of ${query.table}/${query.recordId} only`
    case 'global':
      return `never by realtime: ${query.table} is a global table, refreshed only by invalidateGlobal('${query.table}')`
    case 'none':
      return 'not reached by realtime'
  }
}

/** The fix for a key realtime never reaches: the commonest reason a screen never updates. */
export function reachWarning(query: QuerySummary): string | undefined {
  if (query.reach === 'none') {
    return query.table === undefined
      ? `Its key does not start with a table name, so no realtime change ever matches it. Build it with the factory, e.g. QueryKeys.deals.list() or QueryKeys.deals.record(id).`
      : `"${query.table}" is not one of the realtime tables (the engine's \`tables\` option), so no change ever matches it. If it shows rows of a realtime table, build its key with that table's factory, e.g. QueryKeys.deals.list().`
  }
  if (query.tableSeen === false) {
    return `No realtime change of ${query.table} has arrived yet: if ${query.table} is not tracked by realtime_track_table(), this query never updates by realtime.`
  }
  return undefined
}

type SortBy = 'refetches' | 'key'

/**
 * Every query of the inspected engine's QueryClient: its key, how realtime reaches it, whether
 * it is on screen, what realtime last did to it; and "Why?" for the one picked.
 */
export function QueriesView({ store, snapshot, onShowEvent, focusKey }: QueriesViewProps) {
  const list = snapshot.engine?.queries
  const [filter, setFilter] = useState('')
  const [sortBy, setSortBy] = useState<SortBy>('refetches')
  const [userPick, setPicked] = useState<string | undefined>()
  const live = snapshot.mode === 'live'
  const focusText = focusKey === undefined ? undefined : formatKey(focusKey)
  // The trail's key once the list holds it; the user's own pick wins (a new "Why?" remounts).
  const picked =
    userPick ?? list?.queries.find((q) => formatKey(q.queryKey) === focusText)?.queryHash

  useEffect(() => {
    if (!live) return
    store.watchQueries(true)
    return () => store.watchQueries(false)
  }, [store, live])

  const shown = useMemo(() => {
    const text = filter.trim().toLowerCase()
    const queries = (list?.queries ?? []).filter(
      (q) => text === '' || formatKey(q.queryKey).toLowerCase().includes(text),
    )
    return queries.sort((a, b) =>
      sortBy === 'refetches'
        ? b.refetches - a.refetches || a.queryHash.localeCompare(b.queryHash)
        : a.queryHash.localeCompare(b.queryHash),
    )
  }, [list, filter, sortBy])

  const pickedQuery = list?.queries.find((q) => q.queryHash === picked)
  // A scan of the held rows: once per snapshot, not once per render.
  const history = useMemo(
    () => (pickedQuery === undefined ? [] : store.queryHistory(pickedQuery.queryKey)),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `version` stands for the log's rows
    [store, pickedQuery, snapshot.version],
  )

  if (!live) return <p className="view-empty">An imported log has no live queries.</p>
  if (list === undefined) return <p className="view-empty">Asking the page for its queries…</p>
  if (list.unsupported) {
    return (
      <p className="view-empty">
        This engine ({snapshot.engine?.version}) does not list its queries: update
        realtime-sync-devtools in the app to 0.3 or later.
      </p>
    )
  }
  const unreached = list.queries.filter((q) => q.reach === 'none').length
  return (
    <div className="queries-view">
      <div className="queries-toolbar">
        <input
          type="search"
          className="filter-text"
          placeholder="Filter keys"
          aria-label="Filter query keys"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
        <span className="detail-note">
          {formatCount(list.total)} queries
          {list.total > list.queries.length
            ? `, the ${formatCount(list.queries.length)} most relevant shown (on screen first, then the most refetched)`
            : ''}
          {unreached > 0 ? ` · ${unreached} not reached by realtime` : ''}
        </span>
      </div>
      <div className="queries-layout">
        <table className="data-table queries-table">
          <thead>
            <tr>
              <th scope="col">
                <button type="button" className="link-button" onClick={() => setSortBy('key')}>
                  Query key{sortBy === 'key' ? ' ▲' : ''}
                </button>
              </th>
              <th scope="col">How realtime reaches it</th>
              <th scope="col">On screen</th>
              <th scope="col">Last invalidated by</th>
              <th scope="col">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => setSortBy('refetches')}
                >
                  Refetches{sortBy === 'refetches' ? ' ▼' : ''}
                </button>
              </th>
              <th scope="col">Last refetch</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, 500).map((query) => {
              const warning = reachWarning(query)
              return (
                <tr
                  key={query.queryHash}
                  className={query.queryHash === picked ? 'row-picked' : undefined}
                  aria-selected={query.queryHash === picked}
                  onClick={() => setPicked(query.queryHash)}
                >
                  <td className="query-key">{formatKey(query.queryKey)}</td>
                  <td className={query.reach === 'none' ? 'reach-none' : undefined}>
                    {reachText(query)}
                    {warning !== undefined && <div className="reach-warning">{warning}</div>}
                  </td>
                  <td>
                    {query.active ? 'yes' : 'no'} ({query.observers})
                  </td>
                  <td>
                    {query.invalidatedBySeq === undefined ? (
                      '—'
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        onClick={(event) => {
                          event.stopPropagation()
                          onShowEvent(query.invalidatedBySeq!)
                        }}
                      >
                        #{query.invalidatedBySeq}
                        {query.invalidatedAt === undefined
                          ? ''
                          : ` at ${formatTime(query.invalidatedAt)}`}
                      </button>
                    )}
                  </td>
                  <td className="cell-num">{formatCount(query.refetches)}</td>
                  <td>{lastRefetchText(query)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
        {shown.length > 500 && (
          <p className="detail-note">
            and {formatCount(shown.length - 500)} more: narrow the filter.
          </p>
        )}
        {pickedQuery !== undefined && (
          <QueryHistory
            query={pickedQuery}
            items={history}
            onShowEvent={onShowEvent}
            actions={
              <QueryActionBar
                store={store}
                queryKey={pickedQuery.queryKey}
                live={snapshot.mode === 'live'}
              />
            }
          />
        )}
      </div>
    </div>
  )
}

function lastRefetchText(query: QuerySummary): string {
  const last = query.lastRefetch
  if (last === undefined) return '—'
  const took = formatMs(last.durationMs)
  switch (last.outcome) {
    case 'success':
      return last.dataChanged === false ? `${took}, identical data` : `${took}, data changed`
    case 'error':
      return `failed after ${took}`
    case 'cancelled':
      return `cancelled after ${took}`
  }
}

function QueryHistory({
  query,
  items,
  onShowEvent,
  actions,
}: {
  query: QuerySummary
  items: HistoryItem[]
  onShowEvent(seq: number): void
  actions: ReactNode
}) {
  return (
    <section className="query-history" aria-label="Why? History of the query">
      <h3>Why? {formatKey(query.queryKey)}</h3>
      {actions}
      <p className="detail-note">
        {query.reach === 'none'
          ? 'Realtime never reaches this query: no change of any table matches its key.'
          : `Every event of ${query.table} the panel holds, and what it meant for this query (${reachText(query)}).`}
      </p>
      {items.length === 0 ? (
        <p className="detail-note">No event of its table in the log yet.</p>
      ) : (
        <ol className="history-list">
          {items.map((item, i) => (
            <li key={item.seq ?? `marker-${i}`} className={`history-${item.tone}`}>
              <span className="history-time">{formatTime(item.at)}</span>{' '}
              {item.seq === undefined ? (
                item.text
              ) : (
                <button
                  type="button"
                  className="link-button"
                  title={`Show #${item.seq} in the log`}
                  onClick={() => onShowEvent(item.seq!)}
                >
                  #{item.seq}
                </button>
              )}{' '}
              {item.seq === undefined ? '' : item.text}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
