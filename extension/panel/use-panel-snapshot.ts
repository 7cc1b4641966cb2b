import { useSyncExternalStore } from 'react'
import type { PanelSnapshot, PanelStore } from './store/panel-store'

/** The store's current snapshot; re-renders at most once per store notification. */
export function usePanelSnapshot(store: PanelStore): PanelSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}
