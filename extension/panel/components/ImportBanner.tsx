import type { ImportedInfo, PanelStore } from '../store/panel-store'

export interface ImportBannerProps {
  store: PanelStore
  info: ImportedInfo
}

/** Says that the panel shows a file, not the page, and how to go back. */
export function ImportBanner({ store, info }: ImportBannerProps) {
  return (
    <div className="import-banner" role="status">
      <span>
        Imported: <strong>{info.fileName}</strong> ({info.url || 'no url'}, exported{' '}
        {info.exportedAt}) — read-only, {info.events.toLocaleString('en-US')} events
        {info.upgradedFrom !== undefined &&
          ` (an export of version ${info.upgradedFrom}: its engine's own sentences are shown${
            info.unusable
              ? `; ${info.unusable.toLocaleString('en-US')} events it could not read were left out`
              : ''
          })`}
      </span>
      <button type="button" className="tool-button" onClick={() => store.closeImport()}>
        Back to live
      </button>
    </div>
  )
}
