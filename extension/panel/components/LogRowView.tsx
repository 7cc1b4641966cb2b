import { memo } from 'react'
import { isChange, orgOf, recordOf, tableOf } from '../store/event-facts'
import { formatTime, shortId } from '../store/format'
import type { EventRow, LogRow } from '../store/rows'
import { verdict } from '../store/trail'
import { KindBadge } from './KindBadge'

export interface LogRowViewProps {
  row: LogRow
  top: number
  selected: boolean
  /**
   * The row's `servedBy` when the log rendered (rows are immutable but for that link, set when
   * the invalidation arrives): only compared, so the memoized row re-renders to show its keys.
   */
  servedBy?: EventRow
}

const MARKER_ICON = { reload: '⟳', gap: '⚠', ring: '⚠', restart: '⟳' } as const

/**
 * One log line: an event (8 cells) or a marker spanning the row. All text, never HTML. Clicks
 * are handled by the log (one listener, `data-row-id`). Memoized: while the log follows new
 * events, only the rows that just came into view render.
 */
export const LogRowView = memo(function LogRowView({ row, top, selected }: LogRowViewProps) {
  // What every row is to the listbox (an option the log's one listener finds by data-row-id).
  const rowProps = {
    id: `log-row-${row.id}`,
    role: 'option',
    'aria-selected': selected,
    tabIndex: -1,
    'data-row-id': row.id,
    style: { transform: `translateY(${top}px)` },
  } as const
  const className = selected ? 'log-row log-row-selected' : 'log-row'
  if (row.type === 'marker') {
    return (
      <div {...rowProps} className={`${className} marker-row marker-${row.marker}`}>
        <span className="marker-text">
          <span aria-hidden="true">{MARKER_ICON[row.marker]} </span>
          {row.text}
        </span>
      </div>
    )
  }
  const { event } = row
  const text = verdict(row)
  const change = isChange(event) ? event : undefined
  const orgId = orgOf(event)
  const table = tableOf(event)
  const recordId = recordOf(event)
  const replayed = (change ?? (event.kind === 'resync' ? event : undefined))?.replayed === true
  return (
    <div
      {...rowProps}
      className={`${className} row-${event.kind}${replayed ? ' row-replayed' : ''}`}
    >
      <span className="cell-time" title={`#${event.seq}`}>
        {formatTime(event.at)}
      </span>
      <span>
        <KindBadge kind={event.kind} />
      </span>
      <span title={orgId}>{orgId ?? ''}</span>
      <span title={table}>{table ?? ''}</span>
      <span>{change?.op ?? ''}</span>
      <span title={recordId}>{recordId === undefined ? '' : shortId(recordId)}</span>
      <span className="cell-num">
        {change?.latencyMs === undefined ? '' : `${Math.round(change.latencyMs)} ms`}
      </span>
      <span className="cell-verdict" title={text}>
        {text}
      </span>
    </div>
  )
})
