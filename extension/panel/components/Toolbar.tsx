import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import { ExportControls } from './ExportControls'
import { ToolLabel } from './ToolLabel'

export interface ToolbarProps {
  store: PanelStore
  snapshot: PanelSnapshot
  onDownload?: (fileName: string, text: string) => void
}

/** Engine, recording, clearing, preserve log, export / import. */
export function Toolbar({ store, snapshot, onDownload }: ToolbarProps) {
  const live = snapshot.mode === 'live'
  const { engines } = snapshot
  return (
    <div className="toolbar" role="toolbar" aria-label="Realtime toolbar">
      {live && engines.length > 1 && (
        <label className="toolbar-item">
          <span className="toolbar-label">Engine</span>
          <select
            value={snapshot.selectedEngineId ?? ''}
            onChange={(event) => store.selectEngine(event.target.value)}
            title={`Engine id: ${snapshot.selectedEngineId ?? ''}`}
          >
            {engines.map((engine) => (
              <option key={engine.id} value={engine.id} title={`id ${engine.id}`}>
                {engine.name}
                {engine.live ? '' : ' (gone)'}
              </option>
            ))}
          </select>
        </label>
      )}
      <button
        type="button"
        className={snapshot.paused ? 'tool-button record-paused' : 'tool-button record-on'}
        aria-pressed={!snapshot.paused}
        aria-label={snapshot.paused ? 'Resume recording' : 'Pause recording'}
        title={
          snapshot.paused
            ? 'Resume: the page sends the events its ring kept since the pause (nothing lost unless the ring overflowed)'
            : 'Pause: the view stops; the page keeps events in its ring until you resume'
        }
        disabled={!live}
        onClick={() => store.setPaused(!snapshot.paused)}
      >
        <span className="record-dot" aria-hidden="true" />
        <span className="tool-text">{snapshot.paused ? 'Paused' : 'Recording'}</span>
      </button>
      <button
        type="button"
        className="tool-button"
        title="Clear the panel's log (the page's engine keeps its ring, like the Network panel)"
        aria-label="Clear"
        disabled={!live}
        onClick={() => store.clear()}
      >
        <ToolLabel icon="⊘" text="Clear" />
      </button>
      <button
        type="button"
        className="tool-button"
        title="Also clear the engine's ring buffer and metrics in the page"
        aria-label="Clear engine buffer"
        disabled={!live || snapshot.engine === undefined}
        onClick={() => store.clearEngineBuffer()}
      >
        <ToolLabel icon="⌫" text="Clear engine buffer" />
      </button>
      <label className="toolbar-item" title="Keep the log across page reloads and navigations">
        <input
          type="checkbox"
          checked={snapshot.preserveLog}
          disabled={!live}
          onChange={(event) => store.setPreserveLog(event.target.checked)}
        />
        Preserve log
      </label>
      <span className="toolbar-spacer" />
      <ExportControls store={store} snapshot={snapshot} onDownload={onDownload} />
    </div>
  )
}
