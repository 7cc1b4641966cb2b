import { useState } from 'react'
import { faultDuration } from '../../../bridge/faults/describe-fault'
import { FAULT_LIMITS, type FaultRecord, isActive } from '../../../bridge/faults/fault-records'
import type { PanelStore } from '../store/panel-store'

export interface FaultControlsProps {
  store: PanelStore
  faults: readonly FaultRecord[] | undefined
}

/**
 * The Socket tab's switches, as the Network panel's Offline and throttling are for HTTP: break
 * the page's Realtime connection on purpose and watch what the app does after. Nothing is
 * injected until one is clicked, and closing the panel ends every fault.
 */
export function FaultControls({ store, faults }: FaultControlsProps) {
  const [offlineS, setOfflineS] = useState(8)
  const [delayMs, setDelayMs] = useState(500)
  const [stallS, setStallS] = useState(60)
  const activeDelay = faults?.find((fault) => fault.kind === 'delay' && isActive(fault))
  const status = store.faultStatus()
  return (
    <div className="fault-controls" role="group" aria-label="Simulate a fault">
      <span className="fault-controls-title">Simulate:</span>
      <button type="button" onClick={() => store.startFault({ kind: 'drop' })}>
        Drop socket
      </button>
      <span className="fault-control">
        <button
          type="button"
          onClick={() => store.startFault({ kind: 'offline', ms: offlineS * 1_000 })}
        >
          Offline
        </button>{' '}
        for <Seconds label="Offline for (s)" value={offlineS} onChange={setOfflineS} /> s
      </span>
      <span className="fault-control">
        {activeDelay === undefined ? (
          <button type="button" onClick={() => store.startFault({ kind: 'delay', ms: delayMs })}>
            Delay deliveries
          </button>
        ) : (
          <button type="button" onClick={() => store.endFault(activeDelay.id)}>
            Stop delaying
          </button>
        )}{' '}
        by{' '}
        <input
          type="number"
          min={FAULT_LIMITS.delay.min}
          max={FAULT_LIMITS.delay.max}
          step={100}
          value={delayMs}
          aria-label="Delay deliveries by (ms)"
          onChange={(e) => {
            const value = Number(e.target.value)
            if (Number.isInteger(value) && value >= 1 && value <= FAULT_LIMITS.delay.max)
              setDelayMs(value)
          }}
        />{' '}
        ms
      </span>
      <span className="fault-control">
        <button
          type="button"
          title="Heartbeats stay off the wire, as in a throttled background tab: supabase-js closes the socket for a heartbeat timeout after one or two heartbeat intervals (25 s by default)"
          onClick={() => store.startFault({ kind: 'stall-heartbeats', ms: stallS * 1_000 })}
        >
          Stall heartbeats
        </button>{' '}
        for <Seconds label="Stall heartbeats for (s)" value={stallS} onChange={setStallS} /> s
      </span>
      {status?.state === 'error' && (
        <span className="fault-error" role="status">
          Could not {status.asked === 'end' ? 'end it' : 'start it'}: {status.error}
        </span>
      )}
    </div>
  )
}

function Seconds({
  label,
  value,
  onChange,
}: {
  label: string
  value: number
  onChange(value: number): void
}) {
  const { min, max } = FAULT_LIMITS.offline
  return (
    <input
      type="number"
      min={min / 1_000}
      max={max / 1_000}
      step={1}
      value={value}
      aria-label={label}
      title={`${faultDuration(min)} to ${faultDuration(max)}`}
      onChange={(e) => {
        const seconds = Number(e.target.value)
        if (Number.isFinite(seconds) && seconds * 1_000 >= min && seconds * 1_000 <= max)
          onChange(seconds)
      }}
    />
  )
}
