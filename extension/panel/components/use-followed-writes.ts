import { useEffect, useMemo, useState } from 'react'
import type { PanelSnapshot, PanelStore } from '../store/panel-store'
import { socketModel } from '../store/socket-model'
import { DEFAULT_CONFIRM_MS, followWrites, type WritesFollowed } from '../store/write-follow'

/**
 * The page's writes, followed (write-follow.ts), for the Writes tab and the banner: rebuilt when
 * the records or the engine's verdicts change, and when a waiting write's window ends (a timer
 * on the store's clock, so nothing polls).
 */
export function useFollowedWrites(store: PanelStore, snapshot: PanelSnapshot): WritesFollowed {
  const { records, tapDropped, capDropped } = snapshot.socket
  const unconfirmed = snapshot.engine?.unconfirmed
  const configured = snapshot.engine?.config?.writeConfirmMs
  const confirmMs = configured !== undefined && configured > 0 ? configured : DEFAULT_CONFIRM_MS
  const live = snapshot.mode === 'live'
  /** When a waiting write's window ended: the clock moved without a new record. */
  const [tickAt, setTickAt] = useState(0)
  const model = useMemo(() => socketModel(records), [records])
  const followed = useMemo(() => {
    // An imported file is judged as it ends: its newest record is its "now".
    const now = live ? Math.max(tickAt, store.now()) : (records.at(-1)?.at ?? 0)
    const oldestFrame = records.find((r) => r.kind !== 'write' && r.kind !== 'query')
    return followWrites({
      records,
      model,
      unconfirmed: unconfirmed ?? [],
      confirmMs,
      now,
      heldSince:
        tapDropped + capDropped > 0 && oldestFrame !== undefined ? oldestFrame.at : undefined,
    })
  }, [records, model, unconfirmed, confirmMs, live, store, tapDropped, capDropped, tickAt])
  const nextEnd = useMemo(() => {
    let left = Number.POSITIVE_INFINITY
    for (const { outcome } of followed.writes) {
      if (outcome.state === 'waiting') left = Math.min(left, outcome.leftMs)
    }
    return left
  }, [followed])
  useEffect(() => {
    if (!live || !Number.isFinite(nextEnd)) return
    return store.after(nextEnd + 1, () => setTickAt(store.now()))
  }, [live, nextEnd, store])
  return followed
}
