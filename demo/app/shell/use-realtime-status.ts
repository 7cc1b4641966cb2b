import { useEffect, useState } from 'react'
import type { ChannelState } from '../../../src'
import { useRealtimeSync } from '../../../src/react'

export interface RealtimeStatus {
  label: 'live' | 'connecting…' | 'reconnecting…'
  /** One line per organization channel, for the pill's tooltip. */
  detail: string
}

const POLL_MS = 1_000

function summarize(channels: ChannelState[]): RealtimeStatus {
  const detail = channels
    .map((c) => `${c.topic}: ${c.status}${c.lastError ? ` (${c.lastError})` : ''}`)
    .join('\n')
  if (channels.length > 0 && channels.every((c) => c.status === 'SUBSCRIBED')) {
    return { label: 'live', detail }
  }
  // A channel that was subscribed once and is not now lost its connection.
  const lost = channels.some((c) => c.subscribedCount > 0 && c.status !== 'SUBSCRIBED')
  return { label: lost ? 'reconnecting…' : 'connecting…', detail: detail || 'no channel yet' }
}

/**
 * The engine's channel states, polled once a second: the engine has no change callback for
 * them (the DevTools panel reads the same states through its registry).
 */
export function useRealtimeStatus(): RealtimeStatus {
  const sync = useRealtimeSync()
  const [status, setStatus] = useState<RealtimeStatus>(() => summarize([]))
  useEffect(() => {
    if (sync === null) return
    const poll = () => {
      const next = summarize(sync.getChannels())
      setStatus((current) =>
        current.label === next.label && current.detail === next.detail ? current : next,
      )
    }
    poll()
    const timer = window.setInterval(poll, POLL_MS)
    return () => window.clearInterval(timer)
  }, [sync])
  return status
}
