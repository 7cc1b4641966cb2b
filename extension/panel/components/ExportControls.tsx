import { type ChangeEvent, useRef, useState } from 'react'
import { MAX_IMPORT_BYTES } from '../../shared/export-format'
import { BlobWriter, downloadBlob } from '../download'
import { formatCount } from '../store/format'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import { ToolLabel } from './ToolLabel'

export interface ExportControlsProps {
  store: PanelStore
  snapshot: PanelSnapshot
  onDownload?: (fileName: string, text: string) => void
}

/** Export JSON (all held / filtered), Redact tokens, Import JSON. */
export function ExportControls({ store, snapshot, onDownload }: ExportControlsProps) {
  const [redact, setRedact] = useState(true)
  const fileInput = useRef<HTMLInputElement>(null)
  const engine = snapshot.engine
  const socketRecords = snapshot.socket.records.length
  const canExport = (engine?.held ?? 0) > 0 || socketRecords > 0
  const socketText =
    socketRecords === 0 ? '' : ` and the Socket tab's ${formatCount(socketRecords)} records`

  const save = async (filtered: boolean) => {
    const file = new BlobWriter()
    const fileName = await store.exportLogPieces({ redact, filtered }, file.write)
    if (fileName === undefined) return
    const blob = file.finish()
    if (onDownload === undefined) downloadBlob(fileName, blob)
    else onDownload(fileName, await blob.text())
  }

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target
    const file = input.files?.[0]
    input.value = ''
    if (file === undefined) return
    if (file.size > MAX_IMPORT_BYTES) {
      store.importFailed(
        file.name,
        `the file is ${formatCount(Math.round(file.size / 1024 / 1024))} MB, more than the ${MAX_IMPORT_BYTES / 1024 / 1024} MB limit`,
      )
      return
    }
    let text: string
    try {
      text = await file.text()
    } catch (error) {
      store.importFailed(file.name, `could not read the file (${String(error)})`)
      return
    }
    store.importText(file.name, text)
  }

  return (
    <div className="toolbar-group">
      <label
        className="toolbar-item"
        title="Replace JWTs, API keys (sk_live_…, sb_secret_…) and credential fields (access_token, apikey, password, …) with [redacted]"
      >
        <input type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} />
        Redact tokens
      </label>
      <button
        type="button"
        className="tool-button"
        disabled={!canExport}
        title={
          engine !== undefined
            ? `Export all ${formatCount(engine.held)} events held for ${engine.name} (not only the filtered ones), with its config and per-minute metrics${socketText}`
            : socketRecords > 0
              ? `Export the Socket tab's ${formatCount(socketRecords)} records (no engine on this page)`
              : 'Nothing to export: no engine, and the Socket tab holds no records'
        }
        aria-label="Export JSON"
        onClick={() => void save(false)}
      >
        <ToolLabel icon="⤓" text="Export JSON" />
      </button>
      {snapshot.filtering && (
        <button
          type="button"
          className="tool-button"
          disabled={!canExport}
          title="Export only the events the current filters show"
          onClick={() => void save(true)}
        >
          Export filtered
        </button>
      )}
      <button
        type="button"
        className="tool-button"
        title="Open an exported log (read-only)"
        aria-label="Import JSON"
        onClick={() => fileInput.current?.click()}
      >
        <ToolLabel icon="⤒" text="Import JSON" />
      </button>
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        aria-label="Import a log file"
        tabIndex={-1}
        onChange={(event) => void onFile(event)}
      />
    </div>
  )
}
