import { isChange } from '../store/event-facts'
import { formatTime } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import { CopyJsonButton } from './CopyJsonButton'
import { DecisionTrail } from './DecisionTrail'
import { JsonTree } from './JsonTree'
import { KindBadge } from './KindBadge'
import { QueryActionBar } from './QueryActionBar'

export interface DetailPaneProps {
  store: PanelStore
  snapshot: PanelSnapshot
  /** "Why?" for a query key of the trail. */
  onWhy?(queryKey: unknown[]): void
  /** The Socket tab, on the frame that delivered this realtime_table_events id. */
  onShowFrame?(eventId: string): void
}

/** The kinds a delivery frame becomes: the engine's first word on it. */

/** The selected row: its decision trail, payload and raw record. */
export function DetailPane({ store, snapshot, onWhy, onShowFrame }: DetailPaneProps) {
  const row = snapshot.selected
  if (row === undefined) {
    return (
      <aside className="detail-pane" aria-label="Details">
        <p className="detail-empty">
          Select an event to see what the engine did with it: received → dedup / echo → batch →
          invalidated query keys. Use ↑ ↓ in the log to move.
        </p>
      </aside>
    )
  }
  if (row.type === 'marker') {
    return (
      <aside className="detail-pane" aria-label="Details">
        <h2 className="detail-title">{row.text}</h2>
        <p className="detail-note">At {formatTime(row.at)}.</p>
        <p className="detail-note">
          {row.marker === 'gap'
            ? 'The engine numbered these events but they never reached the panel: lost on the way (a dropped message between the page and the panel). Their invalidations still ran in the page; only this view misses them.'
            : row.marker === 'ring'
              ? 'The engine keeps its newest bufferSize events. These were older than that when the panel asked for them: raise bufferSize in Config to keep more.'
              : 'A new page load starts a new sequence of events: seqs start again at #1.'}
        </p>
      </aside>
    )
  }
  const { event } = row
  // What a delivered change has: the row's event id (to find its frame) and the row itself.
  const change = isChange(event) ? event : undefined
  const eventId = change?.eventId
  const payload = change?.payload ?? (event.kind === 'malformed' ? event.payload : undefined)
  // Derived on every render: a later batch's invalidation completes a received event's trail.
  const steps = store.trail(row)
  return (
    <aside className="detail-pane" aria-label="Details">
      <header className="detail-header">
        <h2 className="detail-title">
          <span className="detail-seq">#{event.seq}</span> <KindBadge kind={event.kind} />{' '}
          <span className="detail-time">{formatTime(event.at)}</span>
        </h2>
        <CopyJsonButton key={row.id} value={event} />
      </header>
      {snapshot.selectedHidden && (
        <p className="detail-note">
          This event is hidden by the current filters.{' '}
          <button type="button" className="link-button" onClick={() => store.clearFilters()}>
            Clear filters
          </button>
        </p>
      )}
      <DecisionTrail
        steps={steps}
        onSelectSeq={(seq) => store.selectSeq(seq)}
        canSelect={(seq) => store.canSelectSeq(row, seq)}
        onWhy={snapshot.mode === 'live' ? onWhy : undefined}
        renderActions={
          snapshot.mode === 'live'
            ? (key) => <QueryActionBar store={store} queryKey={key} live />
            : undefined
        }
      />
      {eventId !== undefined && (
        <p className="detail-note">
          {change?.replayed === true ? (
            'Read back from realtime_table_events by the replay: no socket frame delivered it.'
          ) : (
            <button
              type="button"
              className="link-button"
              disabled={onShowFrame === undefined}
              onClick={() => onShowFrame?.(eventId)}
            >
              Show the frame that delivered it (Socket tab)
            </button>
          )}
        </p>
      )}
      <section className="detail-section">
        <h3>Payload</h3>
        {payload === undefined ? (
          <p className="detail-note">No payload.</p>
        ) : (
          <JsonTree key={row.id} value={payload} />
        )}
      </section>
      <section className="detail-section">
        <h3>Event record</h3>
        <JsonTree key={row.id} value={event} expandDepth={1} />
      </section>
    </aside>
  )
}
