import { useMemo } from 'react'
import type { ChannelState } from 'realtime-sync-devtools'
import { useRealtimeChannels } from 'realtime-sync-devtools/react'

export interface RealtimeStatus {
  label: 'live' | 'connecting…' | 'reconnecting…'
  /** One line per organization channel, for the pill's tooltip. */
  detail: string
}

function summarize(channels: readonly ChannelState[]): RealtimeStatus {
  const detail = channels
    .map((c) => {
      const waiting = c.replication === 'waiting' ? ', waiting for replication' : ''
      return `${c.topic}: ${c.status}${waiting}${c.lastError ? ` (${c.lastError})` : ''}`
    })
    .join('\n')
  // Live once the server's replication is ready: a change before that is not delivered.
  const live = (c: ChannelState) => c.status === 'SUBSCRIBED' && c.replication !== 'waiting'
  if (channels.length > 0 && channels.every(live)) {
    return { label: 'live', detail }
  }
  // A channel that was subscribed once and is not now lost its connection.
  const lost = channels.some((c) => c.subscribedCount > 0 && !live(c))
  return { label: lost ? 'reconnecting…' : 'connecting…', detail: detail || 'no channel yet' }
}

/** The pill's label and tooltip, from the engine's channels as they change. */
export function useRealtimeStatus(): RealtimeStatus {
  const channels = useRealtimeChannels()
  return useMemo(() => summarize(channels), [channels])
}
