import { useRealtimeStatus } from './use-realtime-status'

export function RealtimeStatusPill() {
  const { label, detail } = useRealtimeStatus()
  const tone = label === 'live' ? 'live' : 'waiting'
  return (
    <span
      className={`status-pill status-pill--${tone}`}
      data-testid="realtime-status"
      title={detail}
      role="status"
    >
      <span className="status-pill__dot" aria-hidden="true" />
      {label}
    </span>
  )
}
