import type { SyncEventKind } from '../../../src/types'

/** The event kind as a small colored badge (colors in panel.css, per theme). */
export function KindBadge({ kind }: { kind: SyncEventKind }) {
  return <span className={`kind-badge kind-${kind}`}>{kind}</span>
}
