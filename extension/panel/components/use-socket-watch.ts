import { useEffect } from 'react'
import type { PanelStore } from '../store/panel-store'

/**
 * The page streams its socket records (frames, QueryCache events, writes) while a view that
 * shows them is open: each such view calls this; the store tells the page on the first and the
 * last. `on` false (an imported file, nothing to watch live) watches nothing.
 */
export function useSocketWatch(store: PanelStore, on: boolean): void {
  useEffect(() => {
    if (!on) return
    store.watchSocket(true)
    return () => store.watchSocket(false)
  }, [store, on])
}
