import { useEffect, useState } from 'react'
import {
  describeFault,
  describeFaultEffects,
  faultDuration,
} from '../../../bridge/faults/describe-fault'
import { dueAt, type FaultRecord, isActive } from '../../../bridge/faults/fault-records'
import type { PanelStore } from '../store/panel-store'

export interface FaultBannerProps {
  store: PanelStore
  faults: readonly FaultRecord[] | undefined
  /** The page runs no engine of ours: nothing replays what a drop missed. */
  withoutEngine: boolean
  live: boolean
}

/**
 * Above every tab while a simulated fault is on: what it is, what it did so far, how long it has
 * left, and End. On a page without our engine, after a fault that broke the connection, it also
 * says what a team without a replay gets: the changes made meanwhile never arrive.
 */
export function FaultBanner({ store, faults, withoutEngine, live }: FaultBannerProps) {
  const active = live ? (faults ?? []).filter(isActive) : []
  const now = useTicking(store, active.length > 0)
  const broke =
    withoutEngine &&
    (faults ?? []).some(
      (fault) =>
        fault.kind === 'drop' || fault.kind === 'offline' || fault.kind === 'stall-heartbeats',
    )
  if (active.length === 0 && !broke) return null
  return (
    <div className="fault-banner" role="status" aria-label="Simulated faults">
      {active.map((fault) => {
        const due = dueAt(fault)
        const effects = describeFaultEffects(fault)
        return (
          <p key={fault.id}>
            <strong>{describeFault(fault)}</strong>
            {due === undefined
              ? ' until stopped'
              : `, ${faultDuration(Math.max(0, due - now))} left`}
            {effects === '' ? '' : ` (${effects})`}.{' '}
            <button type="button" className="link-button" onClick={() => store.endFault(fault.id)}>
              End
            </button>
          </p>
        )
      })}
      {broke && (
        <p>
          This page has no replay: a change made while its socket was down is never delivered again,
          so a hand-written realtime hook leaves its screen stale until something else refetches.
          The engine of realtime-sync-devtools reads the missed changes back from
          realtime_table_events when its channel is live again.
        </p>
      )}
    </div>
  )
}

/** The store's clock, re-read every second while `on`. */
function useTicking(store: PanelStore, on: boolean): number {
  const [now, setNow] = useState(() => store.now())
  useEffect(() => {
    if (!on) return
    let cancel = store.after(0, tick)
    function tick() {
      setNow(store.now())
      cancel = store.after(1_000, tick)
    }
    return () => cancel()
  }, [on, store])
  return now
}
