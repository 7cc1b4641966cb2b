import { formatTime } from '../store/format'
import type { LogRow } from '../store/rows'
import { verdict } from '../store/trail'
import { KindBadge } from './KindBadge'

export interface LogRowViewProps {
  row: LogRow
  top: number
  selected: boolean
}

const MARKER_ICON = { reload: '⟳', gap: '⚠', ring: '⚠', restart: '⟳' } as const

/**
 * One log line: an event (8 cells) or a marker spanning the row. All text, never HTML. Clicks
 * are handled by the log (one listener, `data-row-id`).
 */
export function LogRowView({ row, top, selected }: LogRowViewProps) {
  const style = { transform: `translateY(${top}px)` }
  const className = selected ? 'log-row log-row-selected' : 'log-row'
  if (row.type === 'marker') {
    return (
      <div
        id={`log-row-${row.id}`}
        role="option"
        aria-selected={selected}
        tabIndex={-1}
        data-row-id={row.id}
        className={`${className} marker-row marker-${row.marker}`}
        style={style}
      >
        <span className="marker-text">
          <span aria-hidden="true">{MARKER_ICON[row.marker]} </span>
          {row.text}
        </span>
      </div>
    )
  }
  const { event } = row
  const text = verdict(row)
  return (
    <div
      id={`log-row-${row.id}`}
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      data-row-id={row.id}
      className={`${className} row-${event.kind}`}
      style={style}
    >
      <span className="cell-time" title={`#${event.seq}`}>
        {formatTime(event.at)}
      </span>
      <span>
        <KindBadge kind={event.kind} />
      </span>
      <span title={event.orgId}>{event.orgId ?? ''}</span>
      <span title={event.table}>{event.table ?? ''}</span>
      <span>{event.op ?? ''}</span>
      <span title={event.recordId}>{event.recordId ?? ''}</span>
      <span className="cell-num">
        {event.latencyMs === undefined ? '' : `${Math.round(event.latencyMs)} ms`}
      </span>
      <span className="cell-verdict" title={text}>
        {text}
      </span>
    </div>
  )
}
