import { EVENT_CAPS } from '../store/engine-log'
import { formatCount, plural } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'

export interface StatusLineProps {
  store: PanelStore
  snapshot: PanelSnapshot
}

const CONNECTION_TEXT = {
  connecting: 'Connecting to the page…',
  connected: 'Connected',
  'page-disconnected': 'Page disconnected — reconnecting…',
} as const

/** The caps offered, and the one set if it is none of them (a test's, an old setting's). */
function capChoices(current: number): number[] {
  const caps: number[] = [...EVENT_CAPS]
  return caps.includes(current) ? caps : [...caps, current].sort((a, b) => a - b)
}

/** Connection, counts, and every way events can be missing: gaps, ring drops, rejects, cap. */
export function StatusLine({ store, snapshot }: StatusLineProps) {
  const { engine } = snapshot
  const live = snapshot.mode === 'live'
  return (
    <div className="status-line">
      {live && (
        <span
          className={`status-item connection-${snapshot.connection}`}
          role="status"
          title={snapshot.page ? `${snapshot.page.title} — ${snapshot.page.url}` : undefined}
        >
          {CONNECTION_TEXT[snapshot.connection]}
        </span>
      )}
      {snapshot.paused && (
        <span className="status-item status-warn">
          Paused: the page keeps new events in its ring until you resume
        </span>
      )}
      {engine !== undefined && (
        <span className="status-item">
          {plural(engine.held, 'event')} held
          {snapshot.filtering ? ` · ${formatCount(snapshot.rows.length)} rows shown` : ''}
        </span>
      )}
      {live && (
        <label
          className="status-item"
          title="The most events the panel holds per engine: past it, the oldest are let go (and counted)"
        >
          keep{' '}
          <select
            aria-label="Events kept per engine"
            value={snapshot.maxEventsPerEngine}
            onChange={(e) => store.setMaxEvents(Number(e.target.value))}
          >
            {capChoices(snapshot.maxEventsPerEngine).map((cap) => (
              <option key={cap} value={cap}>
                {formatCount(cap)}
              </option>
            ))}
          </select>{' '}
          per engine
        </label>
      )}
      {engine !== undefined && engine.gaps > 0 && (
        <span
          className="status-item status-error"
          title="Events lost between the page and the panel"
        >
          {plural(engine.gaps, 'gap')} ({plural(engine.gapMissing, 'event')} missing)
        </span>
      )}
      {engine !== undefined && engine.ringDropped > 0 && (
        <span
          className="status-item status-warn"
          title="Events that fell off the engine's ring buffer (bufferSize) since it started"
        >
          ring dropped {formatCount(engine.ringDropped)}
        </span>
      )}
      {engine !== undefined && engine.capDropped > 0 && (
        <span className="status-item status-warn">
          {formatCount(engine.capDropped)} oldest let go (the panel keeps{' '}
          {formatCount(snapshot.maxEventsPerEngine)} per engine)
        </span>
      )}
      {snapshot.rejected > 0 && (
        <span className="status-item status-error" title={snapshot.rejectedReason}>
          {formatCount(snapshot.rejected)} rejected
          {snapshot.rejectedReason ? `: ${snapshot.rejectedReason}` : ''}
        </span>
      )}
      {snapshot.importError !== undefined && (
        <span className="status-item status-error" role="alert">
          {snapshot.importError}{' '}
          <button type="button" className="link-button" onClick={() => store.dismissImportError()}>
            Dismiss
          </button>
        </span>
      )}
    </div>
  )
}
